"""The Lambda handler: recognise the event's shape, translate, dispatch, translate back."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from portside import App, Error, HttpResponse, Message, Result, logs

from .errors import DeliveryFailed, UnsupportedEvent
from .settings import AwsSettings


def _shapes() -> list[ModuleType]:
    """Ordered: the cheap, most common checks first. Imported once per cold start."""
    from . import (
        alb,
        apigw_rest,
        apigw_v2,
        direct,
        dynamodb,
        eventbridge,
        kafka,
        kinesis,
        s3,
        sns,
        sqs,
    )

    return [apigw_v2, apigw_rest, alb, sqs, sns, eventbridge, s3, kinesis, dynamodb, kafka, direct]


def detect(event: Any, shapes: list[ModuleType]) -> ModuleType:
    if isinstance(event, dict):
        for shape in shapes:
            if shape.matches(event):
                return shape
    raise UnsupportedEvent(describe_unknown(event))


def describe_unknown(event: Any) -> str:
    if not isinstance(event, dict):
        return (
            f"portside cannot serve a Lambda event of type {type(event).__name__}; expected a JSON "
            'object from API Gateway, ALB, a function URL, SQS, SNS, EventBridge, S3, Kinesis, '
            'DynamoDB Streams, Kafka, or a direct invocation {"topic": ..., "body": ...}'
        )
    keys = sorted(event)[:12]
    source = ""
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        first = records[0]
        source = f", Records[0] source {first.get('eventSource') or first.get('EventSource')!r}"
    return (
        f"portside cannot recognise this Lambda event (top-level keys {keys}{source}). It serves "
        "API Gateway REST and HTTP APIs, ALB, function URLs, SQS, SNS, EventBridge, S3, Kinesis, "
        'DynamoDB Streams, Kafka and direct invocations {"topic": ..., "body": ...}; point other '
        "triggers at a different function."
    )


def make_handler(app: App, settings: AwsSettings | None = None) -> Callable[[Any, Any], Any]:
    settings = settings or AwsSettings.from_env()
    shapes = _shapes()

    def handler(event: Any, context: Any = None) -> Any:
        try:
            shape = detect(event, shapes)
        except UnsupportedEvent as exc:
            logs.log(40, str(exc), adapter="aws")
            raise
        if shape.KIND == "http":
            try:
                request = shape.to_request(event, context, settings)
            except Exception as exc:  # a defect, not bad input: answer 500 in the source's shape
                return shape.to_response(_unreadable_http(app, shape, exc), event)
            return shape.to_response(app.handle_http(request), event)
        try:
            batch = shape.to_batch(app, event, context)
        except DeliveryFailed:
            raise
        except Exception as exc:  # a defect, not bad input: fail the invocation, lose nothing
            logs.log(40, f"cannot read a {shape.__name__} event", adapter="aws", exc_info=exc)
            raise DeliveryFailed(
                f"portside could not read this {shape.__name__.rsplit('.', 1)[-1]} event "
                f"({type(exc).__name__}); Lambda will redeliver it"
            ) from None
        settlements = app.deliver_batch(
            batch.messages, ordered=batch.ordered, dead_letter=batch.dead_letter
        )
        return shape.to_response(settlements, batch)

    handler.__qualname__ = f"portside_aws_handler[{app.service.name}]"
    return handler


def _unreadable_http(app: App, shape: ModuleType, exc: Exception) -> HttpResponse:
    message = Message("", transport="aws")
    logs.log(
        40, f"cannot read a {shape.__name__} event", adapter="aws",
        correlation_id=message.correlation_id, exc_info=exc,
    )
    failure = Result.error(
        Error("unreadable_event", f"the request could not be read; quote correlation id "
              f"{message.correlation_id} when reporting it")
    )
    return app.render_http(failure, message)


def translate(app: App, event: Any, settings: AwsSettings | None = None) -> list[Message]:
    """The Messages a Lambda event carries, without dispatching (replay and inspection)."""
    settings = settings or AwsSettings.from_env()
    shape = detect(event, _shapes())
    if shape.KIND == "http":
        return [app.http_message(shape.to_request(event, None, settings))]
    messages: list[Message] = shape.to_batch(app, event, None).messages
    return messages
