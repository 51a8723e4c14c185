"""The examples/orders service fed by SQS on Lambda, through its own startup file.

main.py binds queue "orders-inbox" -> orders.create, with `dead_letter=$ORDERS_DLQ`. Batches are
built from the real sqsEvent sample; a "transient" failure is the order event bus timing out
(the handler's ctx.publish raises), which the handler does not catch.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from portside import App, InMemoryPublisher, Message, PublishError, destination, queue
from portside.app import ERROR_HEADER
from portside.startup import load_app
from tests import samples
from tests.aws.records_kit import failures, fields, portside_logs, sqs_batch

EXAMPLE_TOPIC = "arn:aws:sns:us-east-1:123456789012:orders-events"  # main.py's default target
DLQ = "arn:aws:sqs:us-east-2:123456789012:orders-dlq"
GOOD_1 = {"sku": "A1", "qty": 1}
MALFORMED = '{"sku": "A1", "qty": '
WRONG_TYPES = {"sku": 5, "qty": "many"}
GOOD_2 = {"sku": "B2", "qty": 2}
TRANSIENT = {"sku": "flaky", "qty": 1}
MIXED = [GOOD_1, MALFORMED, WRONG_TYPES, GOOD_2, TRANSIENT]


class FlakyBus(InMemoryPublisher):
    """Records what is published, but the event bus times out for sku "flaky"."""

    def publish(self, message: Message, target: str | None) -> None:
        if message.topic == "orders.created" and getattr(message.body, "sku", None) == "flaky":
            raise PublishError("event bus timed out")
        super().publish(message, target)


def orders_app(monkeypatch: pytest.MonkeyPatch, dlq: str | None) -> App:
    if dlq is None:
        monkeypatch.delenv("ORDERS_DLQ", raising=False)
    else:
        monkeypatch.setenv("ORDERS_DLQ", dlq)
    app = load_app(samples.ORDERS_MAIN, adapter="aws")
    app.publisher = FlakyBus()
    store(app).clear()
    return app


def store(app: App) -> Any:
    return sys.modules[app.service.handlers["orders.create"].fn.__module__].store


def created_skus(app: App) -> list[str]:
    assert isinstance(app.publisher, InMemoryPublisher)
    return [m.body.sku for m in app.publisher.to("orders.created")]


def test_mixed_batch_with_a_dead_letter_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    app = orders_app(monkeypatch, DLQ)
    response = app.entry_point(sqs_batch(MIXED), None)
    assert failures(response) == ["msg-4"]  # only the transient failure is redelivered
    assert created_skus(app) == ["A1", "B2"]
    assert isinstance(app.publisher, InMemoryPublisher)
    parked = [(m, target) for m, target in app.publisher.sent if target == DLQ]
    assert [m.body for m, _ in parked] == [MALFORMED, WRONG_TYPES]
    assert [m.id for m, _ in parked] == ["msg-1", "msg-2"]
    malformed, wrong = (m.headers[ERROR_HEADER] for m, _ in parked)
    assert malformed.startswith("invalid: body is not valid JSON")
    assert wrong.startswith("invalid: ") and "string" in wrong  # pydantic's field errors


def test_mixed_batch_without_a_dead_letter_queue_logs_the_poison(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = orders_app(monkeypatch, None)
    with portside_logs(caplog) as logged:
        response = app.entry_point(sqs_batch(MIXED), None)
    assert failures(response) == ["msg-4"]
    assert created_skus(app) == ["A1", "B2"]
    assert isinstance(app.publisher, InMemoryPublisher)
    assert [target for _, target in app.publisher.sent] == [EXAMPLE_TOPIC, EXAMPLE_TOPIC]
    parked = [fields(r) for r in logged if "poison message acknowledged" in r.getMessage()]
    assert [(p["message_id"], p["body"], p["status"]) for p in parked] == [
        ("msg-1", MALFORMED, "invalid"),
        ("msg-2", WRONG_TYPES, "invalid"),
    ]
    [crash] = [r for r in logged if r.getMessage() == "handler raised"]
    assert fields(crash)["message_id"] == "msg-4" and crash.exc_info is not None


def test_fifo_failure_in_the_middle_holds_back_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    base = orders_app(monkeypatch, DLQ)
    app = App(
        base.service,
        [queue("orders-inbox.fifo", "orders.create"), destination("orders.created", EXAMPLE_TOPIC)],
        adapter="aws",
        publisher=FlakyBus(),
    )
    batch = sqs_batch(
        [GOOD_1, MALFORMED, TRANSIENT, GOOD_2, {"sku": "C3", "qty": 3}], queue="orders-inbox.fifo"
    )
    response = app.entry_point(batch, None)
    assert failures(response) == ["msg-2", "msg-3", "msg-4"]
    assert created_skus(app) == ["A1"]
    # B2 and C3 were never handled; "flaky" was stored before its event failed (the example's
    # handler is not transactional), which is why its redelivery matters.
    assert {o.sku for o in store(app)._orders.values()} == {"A1", "flaky"}
