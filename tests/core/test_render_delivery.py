"""kit.render_delivery: a settlement as the HTTP answer a push platform understands."""

from __future__ import annotations

import json

import pytest

from portside import DROP, App, InMemoryPublisher, Message, Result, Service, State, kit


@pytest.fixture
def app() -> App:
    svc = Service("push")

    @svc.handler("ok")
    def ok(message: Message) -> Result[dict[str, int]]:
        return Result.ok({"n": 1})

    @svc.handler("busy")
    def busy(message: Message) -> Result[None]:
        return Result.retry("database busy", after=7)

    @svc.handler("crash")
    def crash(message: Message) -> None:
        raise RuntimeError("boom")

    @svc.handler("bad")
    def bad(message: Message) -> Result[None]:
        return Result.invalid([("too_small", "qty must be positive", "qty")])

    return App(svc, adapter="local", publisher=InMemoryPublisher())


@pytest.mark.parametrize(
    ("topic", "dead_letter", "state", "status"),
    [
        ("ok", None, State.ACKNOWLEDGED, 200),
        ("bad", DROP, State.ACKNOWLEDGED, 200),  # dropped by choice: acknowledged
        ("bad", "push-dlq", State.DEAD_LETTERED, 200),  # kept in its target: never pushed again
        ("busy", None, State.RETRIED, 503),
        ("crash", None, State.RETRIED, 503),
        ("bad", None, State.HANDED_BACK, 500),  # no target: the platform's retry/dead-letter keeps it
    ],
)
def test_render_delivery_codes(
    app: App, topic: str, dead_letter: str | None, state: State, status: int
) -> None:
    message = Message(topic, {}, id=f"id-{topic}", correlation_id="corr-1")
    settlement = app.deliver(message, dead_letter=dead_letter)
    assert settlement.state is state
    response = kit.render_delivery(settlement)
    assert response.status == status == kit.DELIVERY_STATUS[state]
    assert response.headers[kit.DELIVERY_HEADER] == state.value
    assert response.headers["content-type"] == "application/json"
    assert response.headers[kit.CORRELATION_HEADER] == "corr-1"
    body = json.loads(response.body)
    assert body["state"] == state.value and body["message_id"] == f"id-{topic}"
    assert body["status"] == settlement.result.status.value
    if settlement.result.errors:
        assert body["errors"] == [e.to_dict() for e in settlement.result.errors]
    assert "boom" not in response.body.decode()


def test_retry_after_is_passed_on(app: App) -> None:
    response = kit.render_delivery(app.deliver(Message("busy")))
    assert response.status == 503 and response.headers["retry-after"] == "7"
    assert "retry-after" not in kit.render_delivery(app.deliver(Message("crash"))).headers


def test_every_state_has_a_code() -> None:
    assert set(kit.DELIVERY_STATUS) == set(State)
    for state, code in kit.DELIVERY_STATUS.items():
        redeliver = state in (State.RETRIED, State.HANDED_BACK)
        assert (code >= 500) if redeliver else (200 <= code < 300), state
