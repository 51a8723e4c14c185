"""Direct invocations {"topic", "body", "headers"?, "id"?}: the orders service, and the edges."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from portside import DROP, App, InMemoryPublisher, Message, Result, Service
from portside.settlement import ERROR_HEADER
from portside.startup import load_app
from portside_aws.errors import DeliveryFailed, UnsupportedEvent
from tests import samples
from tests.aws.records_kit import DLQ_ARN


@pytest.fixture
def orders() -> App:
    app = load_app(samples.ORDERS_MAIN, adapter="aws")
    app.publisher = InMemoryPublisher()
    sys.modules[app.service.handlers["orders.create"].fn.__module__].store.clear()
    return app


def test_orders_create_by_direct_invoke(orders: App) -> None:
    response = orders.entry_point(
        {"topic": "orders.create", "body": {"sku": "A1", "qty": 2}, "headers": {"x-correlation-id": "step-7"}},
        SimpleNamespace(aws_request_id="req-1", get_remaining_time_in_millis=lambda: 3000),
    )
    json.dumps(response)
    assert set(response) == {"status", "body", "errors"}
    assert response["status"] == "created" and response["errors"] == []
    order = response["body"]
    assert order["sku"] == "A1" and order["qty"] == 2 and isinstance(order["created_at"], str)
    [event] = orders.publisher.to("orders.created")  # type: ignore[attr-defined]
    assert event.correlation_id == "step-7"


def with_target(app: App, target: str) -> App:
    """The same service and bindings, with an App-wide dead-letter target (direct invocations
    have no binding of their own)."""
    return App(app.service, app.bindings, adapter="aws", dead_letter=target, publisher=InMemoryPublisher())


def test_invalid_body_without_a_target_is_handed_back(orders: App) -> None:
    """Lambda retries an asynchronous invoke, then sends it to the function's on-failure
    destination; a synchronous caller gets the error."""
    with pytest.raises(DeliveryFailed, match=r"handed_back, invalid \(string_too_short"):
        orders.entry_point({"topic": "orders.create", "body": {"sku": "", "qty": 0}}, None)


def test_invalid_body_is_dead_lettered_and_answered_with_the_errors(orders: App) -> None:
    app = with_target(orders, DLQ_ARN)
    response = app.entry_point({"topic": "orders.create", "body": {"sku": "", "qty": 0}, "id": "inv-1"}, None)
    assert response["status"] == "invalid" and response["body"] is None
    assert {e["field"] for e in response["errors"]} == {"sku", "qty"}
    [(parked, target)] = app.publisher.sent  # type: ignore[attr-defined]
    assert target == DLQ_ARN and parked.id == "inv-1" and parked.body == {"sku": "", "qty": 0}
    assert parked.headers[ERROR_HEADER].startswith("invalid: string_too_short")


def test_unknown_topic_is_not_found(orders: App) -> None:
    with pytest.raises(DeliveryFailed, match="unknown_topic"):
        orders.entry_point({"topic": "orders.unknown"}, None)
    response = with_target(orders, DROP).entry_point({"topic": "orders.unknown"}, None)
    assert response["status"] == "not_found" and response["errors"][0]["code"] == "unknown_topic"


def test_message_fields_and_request_id() -> None:
    seen: list[Message] = []
    service = Service("echo")

    @service.handler("echo")
    def echo(message: Message) -> Any:
        seen.append(message)
        return message.body

    app = App(service, adapter="aws", publisher=InMemoryPublisher())
    event = {"topic": "echo", "body": [1, "two"], "headers": {"X-Trace": "t"}, "id": "m-1"}
    assert app.entry_point(event, None) == {"status": "ok", "body": [1, "two"], "errors": []}
    [message] = app.translate(event)
    assert (message.topic, message.body, message.id, message.transport) == (
        "echo",
        [1, "two"],
        "m-1",
        "aws:invoke",
    )
    assert message.headers["x-trace"] == "t" and message.raw == event
    # Without an "id", the Lambda request id identifies the message.
    app.entry_point({"topic": "echo"}, SimpleNamespace(aws_request_id="req-9"))
    assert seen[-1].id == "req-9"


def payload_app(payload: Any) -> App:
    service = Service("payloads")

    @service.handler("give")
    def give(body: Any) -> Any:
        return Result.ok(payload)

    @service.handler("busy")
    def busy(body: Any) -> Any:
        return Result.retry("database busy")

    return App(service, adapter="aws", publisher=InMemoryPublisher())


def test_bytes_payload_is_base64_and_unserialisable_payload_is_an_error() -> None:
    assert payload_app(b"\xff\x00").entry_point({"topic": "give"}, None)["body"] == "/wA="
    response = payload_app(object()).entry_point({"topic": "give"}, None)
    assert response["status"] == "error" and response["errors"][-1]["code"] == "invalid_response"


def test_retry_raises_delivery_failed() -> None:
    with pytest.raises(DeliveryFailed, match="direct invocation"):
        payload_app(None).entry_point({"topic": "busy", "body": {}}, None)


def test_bad_headers_are_a_malformed_request() -> None:
    event = {"topic": "give", "headers": {"n": 1}}
    with pytest.raises(DeliveryFailed, match="'headers' must be an object of strings"):
        payload_app(None).entry_point(event, None)
    app = with_target(payload_app(None), DLQ_ARN)
    response = app.entry_point(event, None)
    assert response["status"] == "invalid" and response["errors"][0]["code"] == "malformed_record"
    [(parked, _)] = app.publisher.sent  # type: ignore[attr-defined]
    assert parked.body == event  # the whole invocation, kept


@pytest.mark.parametrize(
    "event",
    [{"topic": 5, "body": {}}, {"topic": "give", "Records": []}, {"body": {}}, ["topic", "give"], "give"],
)
def test_only_objects_with_a_string_topic_and_no_records_are_direct(event: Any) -> None:
    with pytest.raises(UnsupportedEvent):
        payload_app(None).entry_point(event, None)
