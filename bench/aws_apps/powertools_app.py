"""(b) AWS Lambda Powertools: APIGatewayHttpResolver with the same routes; BatchProcessor for SQS.

`validating_handler` is the same API with Powertools' own validation (enable_validation=True).
"""

from __future__ import annotations

from typing import Any

from aws_bench_common import ROUTES, TARGET_ROUTE, Order, created
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

app = APIGatewayHttpResolver()
validating = APIGatewayHttpResolver(enable_validation=True)


def _other() -> dict[str, Any]:
    return {}


def _register(resolver: APIGatewayHttpResolver) -> None:
    for n, (method, path) in enumerate(ROUTES):
        fn = lambda **_: {}  # noqa: E731
        fn.__name__ = f"route_{n}"
        resolver.route(path.replace("{id}", "<id>"), method)(fn)


_register(app)
_register(validating)


@app.route(TARGET_ROUTE[1], TARGET_ROUTE[0])
def create() -> Any:
    try:
        order = Order.model_validate(app.current_event.json_body)
    except (ValueError, ValidationError) as exc:
        return {"error": str(exc)}, 400
    return created(order), 201


@validating.route(TARGET_ROUTE[1], TARGET_ROUTE[0])
def create_validated(order: Order) -> Any:
    return created(order), 201


processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    created(Order.model_validate(record.json_body))


def http_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)


def validating_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return validating.resolve(event, context)


def sqs_handler(event: dict[str, Any], context: Any) -> Any:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


handler = http_handler
