from __future__ import annotations

from typing import Any

from portside import App, Delivery, InMemoryPublisher, Message, PublishError, Service, Status, queue
from portside.app import ERROR_HEADER


def app_with(service: Service, dead_letter: str | None = None, **kwargs: Any) -> App:
    return App(
        service,
        [queue("items-in", "items.create", dead_letter=dead_letter)],
        adapter="local",
        publisher=InMemoryPublisher(),
        **kwargs,
    )


def test_success_acks(service: Service) -> None:
    app = app_with(service)
    settlement = app.deliver(app.inbound("items.create", b'{"name": "a", "qty": 1}'))
    assert settlement.delivery is Delivery.ACK and not settlement.retry


def test_failures_retry(service: Service) -> None:
    app = app_with(service)
    assert app.deliver(Message("boom")).delivery is Delivery.RETRY
    assert app.deliver(Message("flaky")).delivery is Delivery.RETRY


def test_poison_goes_to_dead_letter_target_with_reason(service: Service) -> None:
    app = app_with(service)
    publisher = app.publisher
    assert isinstance(publisher, InMemoryPublisher)
    poison = app.inbound("items.create", b"{not json", correlation_id="c1")
    settlement = app.deliver(poison, dead_letter="dlq-target")
    assert settlement.delivery is Delivery.DEAD_LETTER and not settlement.retry
    [(parked, target)] = publisher.sent
    assert target == "dlq-target"
    assert parked.body == b"{not json"  # raw data kept, nothing lost
    assert parked.headers[ERROR_HEADER].startswith("invalid: body is not valid JSON")
    assert parked.correlation_id == "c1"


def test_app_default_dead_letter_target(service: Service) -> None:
    app = App(service, adapter="local", publisher=InMemoryPublisher(), dead_letter="default-dlq")
    app.deliver(app.inbound("items.create", body={"qty": "x"}))
    assert isinstance(app.publisher, InMemoryPublisher)
    assert [t for _, t in app.publisher.sent] == ["default-dlq"]


def test_poison_without_target_is_logged_in_full_and_acked(service: Service, capfd: Any) -> None:
    app = app_with(service)
    settlement = app.deliver(app.inbound("items.create", b'{"name": 5}'))
    assert settlement.delivery is Delivery.DEAD_LETTER
    err = capfd.readouterr().err
    assert "poison message acknowledged without a dead-letter target" in err
    assert '\\"name\\": 5' in err or '"name": 5' in err


def test_failed_dead_lettering_retries(service: Service) -> None:
    class Broken:
        def publish(self, message: Message, target: str | None) -> None:
            raise PublishError("queue gone")

    app = App(service, [], adapter="local", publisher=Broken())
    assert app.deliver(app.inbound("items.create", b"{"), dead_letter="x").delivery is Delivery.RETRY


def test_unroutable_message_is_not_found_poison(service: Service) -> None:
    app = app_with(service)
    message = app.inbound(None, b"{}", unroutable="queue 'other' has no binding")
    settlement = app.deliver(message, dead_letter="dlq")
    assert settlement.result.status is Status.NOT_FOUND
    assert "queue 'other' has no binding" in settlement.result.errors[0].message


def test_ordered_batch_stops_at_first_retry(service: Service) -> None:
    app = app_with(service)
    good = {"name": "a", "qty": 1}
    messages = [Message("items.create", good), Message("flaky"), Message("items.create", good)]
    calls: list[str] = []
    app.publisher = _Recorder(calls)
    settlements = app.deliver_batch(messages, ordered=True)
    assert [s.delivery for s in settlements] == [Delivery.ACK, Delivery.RETRY, Delivery.RETRY]
    assert calls == ["items.created"]  # the third message's handler never ran
    unordered = app.deliver_batch(messages, ordered=False)
    assert [s.delivery for s in unordered] == [Delivery.ACK, Delivery.RETRY, Delivery.ACK]


class _Recorder:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def publish(self, message: Message, target: str | None) -> None:
        self.calls.append(message.topic)
