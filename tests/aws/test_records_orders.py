"""The examples/orders service fed by SQS on Lambda, through its own startup file.

main.py binds queue "orders-inbox" -> orders.create with no dead-letter target, and publishes
orders.created to the logical destination "orders-events". Batches are built from the real
sqsEvent sample; a "transient" failure is the order event bus timing out (sending the handler's
outbox fails), which portside answers retry_later: the record is redelivered.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from portside import App, InMemoryPublisher, Message, PublishError, queue
from portside.settlement import ERROR_HEADER
from portside.startup import load_app
from tests import samples
from tests.aws.records_kit import assert_never_logged, failures, fields, portside_logs, sqs_batch

EVENTS = "orders-events"  # main.py's logical destination
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


def orders_app(dlq: str | None, *, fifo: bool = False) -> App:
    """The example's App as main.py builds it on aws; `dlq` adds an App-wide dead-letter target,
    `fifo` reads orders-inbox.fifo instead."""
    base = load_app(samples.ORDERS_MAIN, adapter="aws")
    bindings = [
        queue("orders-inbox.fifo", "orders.create") if fifo and b.kind.value == "queue" else b
        for b in base.bindings
    ]
    app = App(base.service, bindings, adapter="aws", dead_letter=dlq, publisher=FlakyBus())
    store(app).clear()
    return app


def store(app: App) -> Any:
    return sys.modules[app.service.handlers["orders.create"].fn.__module__].store


def created_skus(app: App) -> list[str]:
    assert isinstance(app.publisher, InMemoryPublisher)
    return [m.body.sku for m in app.publisher.to("orders.created")]


def test_mixed_batch_with_a_dead_letter_queue() -> None:
    app = orders_app(DLQ)
    response = app.entry_point(sqs_batch(MIXED), None)
    assert failures(response) == ["msg-4"]  # only the transient failure is redelivered
    assert created_skus(app) == ["A1", "B2"]
    assert isinstance(app.publisher, InMemoryPublisher)
    assert [t for m, t in app.publisher.sent if m.topic == "orders.created"] == [EVENTS, EVENTS]
    parked = [(m, target) for m, target in app.publisher.sent if target == DLQ]
    assert [m.body for m, _ in parked] == [MALFORMED, '{"sku": 5, "qty": "many"}']  # as received
    assert [m.id for m, _ in parked] == ["msg-1", "msg-2"]
    malformed, wrong = (m.headers[ERROR_HEADER] for m, _ in parked)
    assert malformed.startswith("invalid: malformed_json: body is not valid JSON")
    assert wrong.startswith("invalid: ") and "string" in wrong  # pydantic's field errors


def test_mixed_batch_without_a_dead_letter_queue_hands_the_poison_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = orders_app(None)
    with portside_logs(caplog) as logged:
        response = app.entry_point(sqs_batch(MIXED), None)
    # The queue's redrive policy keeps what portside hands back; nothing is acknowledged unread.
    assert failures(response) == ["msg-1", "msg-2", "msg-4"]
    assert created_skus(app) == ["A1", "B2"]
    assert isinstance(app.publisher, InMemoryPublisher)
    assert [target for _, target in app.publisher.sent] == [EVENTS, EVENTS]
    rejected = [fields(r) for r in logged if r.getMessage() == "orders.create -> invalid"]
    assert [r["message_id"] for r in rejected] == ["msg-1", "msg-2"]
    [failed] = [fields(r) for r in logged if r.getMessage().startswith("publishing failed")]
    assert failed["message_id"] == "msg-4"
    assert_never_logged(logged, MALFORMED)
    assert_never_logged(logged, "many")


def test_fifo_failure_in_the_middle_holds_back_the_rest() -> None:
    app = orders_app(DLQ, fifo=True)
    batch = sqs_batch(
        [GOOD_1, MALFORMED, TRANSIENT, GOOD_2, {"sku": "C3", "qty": 3}], queue="orders-inbox.fifo"
    )
    response = app.entry_point(batch, None)
    assert failures(response) == ["msg-2", "msg-3", "msg-4"]
    assert created_skus(app) == ["A1"]
    # B2 and C3 were never handled; "flaky" was stored before its event failed (the example's
    # handler is not transactional), which is why its redelivery matters.
    assert {o.sku for o in store(app)._orders.values()} == {"A1", "flaky"}


def test_fifo_poison_without_a_target_holds_back_the_rest_of_its_group() -> None:
    app = orders_app(None, fifo=True)
    batch = sqs_batch([GOOD_1, MALFORMED, GOOD_2], queue="orders-inbox.fifo")
    assert failures(app.entry_point(batch, None)) == ["msg-1", "msg-2"]
    assert created_skus(app) == ["A1"]
