"""Settling queued and evented messages: every message ends in exactly one of four states.

ACKNOWLEDGED (done, or dropped by choice), RETRIED (transient), DEAD_LETTERED (kept losslessly in
the binding's or the App's target) and HANDED_BACK (no target: the platform's own redrive keeps
it). Nothing is acknowledged that the service could not process, unless the user said DROP.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from portside import (
    DROP,
    HAND_BACK,
    App,
    InMemoryPublisher,
    Message,
    PublishError,
    Service,
    State,
    Status,
    kit,
    queue,
)
from portside.kit import Inbound
from portside.settlement import ENCODING_HEADER, ERROR_HEADER, SOURCE_HEADER
from tests.core.conftest import ITEMS_EVENTS

SECRET = "SECRET-BODY-7f3a"  # must never appear in a log line


def app_with(service: Service, dead_letter: str | None = None, **kwargs: Any) -> App:
    return App(
        service,
        [queue("items-in", "items.create", dead_letter=dead_letter), ITEMS_EVENTS],
        adapter="local",
        publisher=InMemoryPublisher(),
        **kwargs,
    )


def received(app: App, data: bytes | str, **fields: Any) -> Message:
    """A message as an adapter reads it off the `items-in` queue."""
    fields.setdefault("transport", "test-queue")
    return app.receive(Inbound("items.create", data, **fields))


def sent(app: App) -> list[tuple[Message, str | None]]:
    publisher = app.publisher
    assert isinstance(publisher, InMemoryPublisher)
    return publisher.sent


def log_lines(capfd: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    err = capfd.readouterr().err
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_success_is_acknowledged(service: Service) -> None:
    app = app_with(service)
    settlement = app.deliver(received(app, b'{"name": "a", "qty": 1}'))
    assert settlement.state is State.ACKNOWLEDGED and not settlement.redeliver
    assert settlement.result.status is Status.CREATED


def test_transient_failures_are_retried(service: Service) -> None:
    app = app_with(service, dead_letter="items-dlq")
    crashed, busy = app.deliver(Message("boom")), app.deliver(Message("flaky"))
    assert crashed.state is busy.state is State.RETRIED
    assert crashed.redeliver and busy.redeliver
    assert sent(app) == []  # retried messages are never dead-lettered


def test_poison_without_target_is_handed_back_and_its_body_never_logged(
    service: Service, capfd: pytest.CaptureFixture[str]
) -> None:
    app = app_with(service)
    for data in (f'{{"name": "{SECRET}"}}'.encode(), f"{{{SECRET}".encode()):
        settlement = app.deliver(received(app, data))
        assert settlement.state is State.HANDED_BACK and settlement.redeliver
        assert settlement.result.status is Status.INVALID
    assert sent(app) == []
    lines = log_lines(capfd)
    assert lines, "a failed message is logged"
    assert not any(SECRET in json.dumps(line) for line in lines)


def test_drop_acknowledges_and_logs_id_and_reason_only(
    service: Service, capfd: pytest.CaptureFixture[str]
) -> None:
    app = app_with(service, dead_letter=DROP)
    message = received(app, f'{{"name": "{SECRET}"}}'.encode(), id="m-17")
    settlement = app.deliver(message, dead_letter=DROP)
    assert settlement.state is State.ACKNOWLEDGED and not settlement.redeliver
    assert settlement.result.status is Status.INVALID and settlement.reason.startswith("dropped")
    assert sent(app) == []
    lines = log_lines(capfd)
    [dropped] = [line for line in lines if "dropped" in line["message"]]
    assert dropped["message_id"] == "m-17" and "missing" in dropped["reason"]
    assert not any(SECRET in json.dumps(line) for line in lines)


def test_hand_back_is_a_choice_that_beats_the_app_default(service: Service) -> None:
    app = App(service, [queue("items-in", "items.create", dead_letter=HAND_BACK), ITEMS_EVENTS],
              adapter="local", publisher=InMemoryPublisher(), dead_letter="app-dlq")
    binding = app.bindings.queue("items-in")
    assert binding is not None
    settlement = app.deliver(received(app, b"{"), dead_letter=binding.dead_letter)
    assert settlement.state is State.HANDED_BACK
    assert sent(app) == []


def test_app_default_dead_letter_target(service: Service) -> None:
    app = App(service, [ITEMS_EVENTS], adapter="local", publisher=InMemoryPublisher(),
              dead_letter="default-dlq")
    settlement = app.deliver(app.receive(Inbound("items.create", body={"qty": "x"}, transport="test-queue")))
    assert settlement.state is State.DEAD_LETTERED and not settlement.redeliver
    assert [target for _, target in sent(app)] == ["default-dlq"]


def test_dead_lettered_message_keeps_what_was_received(service: Service) -> None:
    app = app_with(service)
    data = b'{"name": 5, "qty": 1}'
    message = received(
        app, data, id="m-1", correlation_id="c-1", content_type="application/json",
        headers={"content-type": "application/json", "x-tenant": "acme"}, attempt=3,
    )
    settlement = app.deliver(message, dead_letter="items-dlq")
    assert settlement.state is State.DEAD_LETTERED
    [(parked, target)] = sent(app)
    assert target == "items-dlq"
    assert parked.data == data and parked.body == data  # the bytes as received, not re-encoded
    assert parked.headers["x-tenant"] == "acme"
    assert parked.headers["content-type"] == "application/json"
    assert parked.headers[ERROR_HEADER].startswith("invalid: string_type")
    assert parked.headers[SOURCE_HEADER] == "test-queue"
    assert parked.id == "m-1" and parked.correlation_id == "c-1" and parked.attempt == 3
    assert parked.topic == "items.create"


def test_dead_lettered_binary_body_survives_as_bytes_and_as_marked_text(service: Service) -> None:
    app = app_with(service)
    data = bytes(range(256))  # not UTF-8, not JSON
    message = received(app, data, content_type="application/octet-stream",
                       headers={"content-type": "application/octet-stream"})
    settlement = app.deliver(message, dead_letter="items-dlq")
    assert settlement.state is State.DEAD_LETTERED
    [(parked, _)] = sent(app)
    assert parked.data == data
    assert parked.headers["content-type"] == "application/octet-stream"
    # A target that only holds text gets base64 with the encoding marker, nothing lost.
    text, attributes = kit.PublisherBase.text_and_attributes(parked)
    assert base64.b64decode(text) == data
    assert dict(attributes)[ENCODING_HEADER] == "base64"
    assert dict(attributes)[kit.TOPIC_HEADER] == "items.create"


def test_content_type_given_apart_from_headers_is_kept(service: Service) -> None:
    """Adapters may pass the content type as its own field; dead-lettering still keeps it."""
    app = app_with(service)
    message = received(app, b"\x00\x01", content_type="application/octet-stream")
    assert app.deliver(message, dead_letter="items-dlq").state is State.DEAD_LETTERED
    [(parked, _)] = sent(app)
    assert parked.headers["content-type"] == "application/octet-stream"


def test_dead_lettering_through_the_local_broker_keeps_the_letter(service: Service) -> None:
    from portside.testing import TestClient

    app = app_with(service)
    with TestClient(app) as client:
        settlement = client.deliver("items.create", b"\xff\xfe", dead_letter="items-dlq")
        handed = client.deliver("items.create", b"[1]")
    assert settlement.state is State.DEAD_LETTERED and handed.state is State.HANDED_BACK
    parked, kept = client.dead_letters
    assert (parked.target, parked.state, parked.message.data) == ("items-dlq", "dead_lettered", b"\xff\xfe")
    assert (kept.target, kept.state, kept.message.data) == (None, "handed_back", b"[1]")
    assert "malformed_json" in parked.reason and kept.reason


def test_failed_dead_lettering_is_retried(service: Service) -> None:
    class Broken:
        def publish(self, message: Message, target: str | None) -> None:
            raise PublishError("queue gone")

    app = App(service, [ITEMS_EVENTS], adapter="local", publisher=Broken())
    settlement = app.deliver(received(app, b"{"), dead_letter="items-dlq")
    assert settlement.state is State.RETRIED and "dead-lettering failed" in settlement.reason


def test_too_large_for_its_target_is_handed_back(service: Service) -> None:
    class Small:
        def publish(self, message: Message, target: str | None) -> None:
            raise kit.TooLarge(f"{len(message.data or b'')} bytes do not fit {target}")

    app = App(service, [ITEMS_EVENTS], adapter="local", publisher=Small())
    settlement = app.deliver(received(app, b"{" * 10), dead_letter="items-dlq")
    assert settlement.state is State.HANDED_BACK and "too large" in settlement.reason


def test_unroutable_message_is_handed_back_saying_why(service: Service) -> None:
    app = app_with(service)
    why = "queue 'other' has no binding"
    message = app.receive(Inbound(None, b"{}", transport="test-queue", unroutable=why))
    settlement = app.deliver(message)
    assert settlement.state is State.HANDED_BACK
    assert settlement.result.status is Status.NOT_FOUND
    assert "queue 'other' has no binding" in settlement.result.errors[0].message


def test_malformed_record_is_poison_that_keeps_the_record(service: Service) -> None:
    app = app_with(service)
    record = {"messageId": "r1", "bodyy": "typo"}
    message = kit.poison(app, "record has no body", record, transport="test-queue")
    settlement = app.deliver(message, dead_letter="items-dlq")
    assert settlement.state is State.DEAD_LETTERED
    [(parked, _)] = sent(app)
    assert parked.body == record and "record has no body" in parked.headers[ERROR_HEADER]


# ---------------------------------------------------------------- batches


def batch_of(app: App, bodies: list[tuple[str, Any]], *, ordered: bool, groups: list[Any]) -> kit.Batch:
    batch = kit.Batch(app, ordered=ordered)
    binding = app.bindings.queue("items-in")
    for index, ((topic, body), group) in enumerate(zip(bodies, groups, strict=True)):
        batch.add(app.receive(Inbound(topic, body=body, transport="test-queue")), f"r{index}",
                  binding=binding, group=group)
    return batch


GOOD = ("items.create", {"name": "a", "qty": 1})
FLAKY = ("flaky", None)
R, A = State.RETRIED, State.ACKNOWLEDGED


def test_ordered_batch_blocks_only_the_failed_group(service: Service) -> None:
    app = app_with(service)
    batch = batch_of(app, [GOOD, FLAKY, GOOD, GOOD, GOOD], ordered=True, groups=["g1", "g1", "g1", "g2", "g1"])
    batch.settle()
    states = [s.state for s in batch.settlements]
    assert states == [A, R, R, A, R]
    assert batch.redelivery_ids() == ["r1", "r2", "r4"]
    assert batch.settlements[2].result.errors[0].code == "order_preserved"
    assert len(sent(app)) == 2  # the blocked messages' handlers never ran


def test_ordered_batch_without_groups_blocks_everything_after_a_failure(service: Service) -> None:
    app = app_with(service)
    batch = batch_of(app, [GOOD, FLAKY, GOOD], ordered=True, groups=[None, None, None])
    batch.settle()
    assert [s.state for s in batch.settlements] == [A, R, R]
    assert len(sent(app)) == 1


def test_handed_back_poison_blocks_its_group_too(service: Service) -> None:
    app = app_with(service)
    poison = ("items.create", {"qty": "x"})
    batch = batch_of(app, [poison, GOOD], ordered=True, groups=["g", "g"])
    batch.settle()
    assert [s.state for s in batch.settlements] == [State.HANDED_BACK, R]


def test_unordered_batch_processes_every_message(service: Service) -> None:
    app = app_with(service)
    batch = batch_of(app, [GOOD, FLAKY, GOOD], ordered=False, groups=["g", "g", "g"])
    batch.settle()
    assert [s.state for s in batch.settlements] == [A, R, A]
    assert batch.redelivery_ids() == ["r1"]
    assert batch.counts() == {"acknowledged": 2, "retried": 1, "dead_lettered": 0, "handed_back": 0}


def test_batch_redelivery_without_a_partial_failure_report(service: Service) -> None:
    app = app_with(service)
    batch = batch_of(app, [GOOD, FLAKY], ordered=False, groups=[None, None])
    batch.settle()
    with pytest.raises(kit.Redeliver, match="1 of 2 sns message"):
        batch.raise_for_redelivery("sns")
    fine = batch_of(app, [GOOD], ordered=False, groups=[None])
    fine.settle()
    fine.raise_for_redelivery("sns")  # nothing to redeliver: returns normally


def test_a_record_without_id_makes_the_whole_batch_redeliver(service: Service) -> None:
    app = app_with(service)
    batch = kit.Batch(app)
    batch.add(app.receive(Inbound("flaky", body=None, transport="test-queue")), "")
    batch.settle()
    with pytest.raises(kit.Redeliver, match="no id"):
        batch.redelivery_ids()
