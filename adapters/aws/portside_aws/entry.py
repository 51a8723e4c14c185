"""The Lambda handler: the kit's EntryPoint over AWS's native shapes, cheapest checks first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portside import App, Message
from portside.kit import MISS, EntryPoint, Lane, LazyShape

from . import detect
from .errors import DeliveryFailed, UnsupportedEvent
from .settings import AwsSettings


def shapes() -> list[LazyShape]:
    """Every shape, in detection order; a shape's module is imported when its first event comes."""
    from .detect import SHAPES

    return [LazyShape(matches, module) for matches, module in SHAPES]


def describe_unknown(event: Any) -> str:
    if not isinstance(event, dict):
        return (
            f"portside cannot serve a Lambda event of type {type(event).__name__}; expected a JSON "
            'object from API Gateway, ALB, a function URL, SQS, SNS, EventBridge, S3, Kinesis, '
            'DynamoDB Streams, Kafka, or a direct invocation {"topic": ..., "body": ...}'
        )
    keys = sorted(str(k) for k in event)[:12]
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


def entry_point(app: App, settings: AwsSettings | None = None) -> EntryPoint:
    return EntryPoint(
        app,
        shapes(),
        options=settings or AwsSettings.from_env(),
        describe_unknown=describe_unknown,
        unsupported=UnsupportedEvent,
        redeliver=DeliveryFailed,
        adapter="aws",
        fast=fast_path,
    )


def fast_path(entry: EntryPoint) -> Callable[[Any, Any], Any] | None:
    """The common events through the App's lanes (portside.lanes): API Gateway HTTP API,
    function URL and REST API requests, and SQS batches. It answers only events the shapes would read as
    those shapes (the same predicates, in the same order); MISS leaves the rest to them.
    None when the App has no lane."""
    app = entry.app
    if not app.lanes:
        return None
    by_name = {shape.module_name: shape for shape in entry.shapes if isinstance(shape, LazyShape)}
    sqs = by_name["portside_aws.sqs"]
    http_api = LazyShape(detect.apigw_v2, "portside_aws.http_api_lane")  # apigw_v2's lane reader
    rest_api = LazyShape(detect.apigw_rest, "portside_aws.rest_api_lane")  # apigw_rest's
    settings = entry.options
    queue_lanes: dict[str, Lane | None] = {}  # per queue ARN
    is_http_api, is_rest_api, is_sqs = detect.apigw_v2, detect.apigw_rest, detect.sqs

    def fast(event: Any, context: Any) -> Any:
        if type(event) is not dict:
            return MISS
        if "rawPath" in event:
            if not is_http_api(event):
                return MISS
            return (http_api.loaded or http_api.load()).fast_answer(app, event, context, settings)
        if "httpMethod" in event:  # the REST API shape comes right after the HTTP API one
            if not is_rest_api(event):
                return MISS
            return (rest_api.loaded or rest_api.load()).fast_answer(app, event, context, settings)
        # The shapes tried before SQS (HTTP API, REST API, ALB) all need a requestContext.
        if "Records" in event and "requestContext" not in event and is_sqs(event):
            return (sqs.loaded or sqs.load()).fast_answer(entry, event, context, queue_lanes)
        return MISS

    return fast


def make_handler(app: App, settings: AwsSettings | None = None) -> Callable[..., Any]:
    """The Lambda handler `(event, context) -> answer` (what `app.entry_point` is on AWS): the
    EntryPoint's plain function, cheaper to call than the instance."""
    return entry_point(app, settings).call


def translate(app: App, event: Any, settings: AwsSettings | None = None) -> list[Message]:
    """The Messages a Lambda event carries, without dispatching (replay and inspection)."""
    return entry_point(app, settings).translate(event)
