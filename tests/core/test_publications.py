"""Declared publications: checked at startup, sent only after success, retried briefly, at-least-once
with stable ids; logical destinations that, on the local adapter, deliver to the app's own bindings."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from portside import (
    MESSAGE_TOPIC,
    App,
    Context,
    HttpRequest,
    InMemoryPublisher,
    Message,
    PublishError,
    Result,
    Service,
    StartupError,
    State,
    Status,
    UndeclaredTopic,
    destination,
    event,
    http,
    kit,
    queue,
    subscription,
)
from portside import dispatch as dispatch_module
from portside.headers import Headers
from portside.local.runtime import LocalRuntime
from portside.testing import TestClient

EVENTS = destination("orders.placed", "orders-events")


def orders_service(seen: list[Any] | None = None) -> Service:
    svc = Service("orders")
    seen = [] if seen is None else seen

    @svc.handler("orders.place", publishes=["orders.placed"])
    def place(body: dict[str, Any], ctx: Context) -> Result[Any]:
        ctx.publish("orders.placed", {"n": body.get("n"), "key": ctx.message_id})
        ctx.publish("orders.placed", {"n": body.get("n"), "second": True})
        failure = body.get("fail")
        if failure == "raise":
            raise RuntimeError("after publishing")
        if failure == "invalid":
            return Result.invalid("no such product")
        return Result.created({"message_id": ctx.message_id})

    @svc.handler("orders.sneaky", publishes=["orders.placed"])
    def sneaky(message: Message, ctx: Context) -> None:
        try:
            ctx.publish("orders.secret", {"x": 1})
        except UndeclaredTopic as exc:
            seen.append(exc)
            raise

    @svc.handler("audit.queue")
    def audit_queue(message: Message) -> None:
        seen.append(("queue", message.topic, message.headers.get(kit.TOPIC_HEADER), message.body))

    @svc.handler("audit.sub")
    def audit_sub(message: Message) -> None:
        seen.append(("subscription", message.topic, message.headers.get(kit.TOPIC_HEADER), message.body))

    return svc


def routes() -> list[Any]:
    return [http("POST /orders", "orders.place"), http("POST /sneaky", "orders.sneaky"), EVENTS]


def request(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> HttpRequest:
    data = json.dumps(body).encode() if body is not None else b""
    return HttpRequest.from_url(method, url, {"content-type": "application/json", **(headers or {})}, data)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch_module, "PUBLISH_BACKOFF_SECONDS", 0.0)


# ---------------------------------------------------------------- declaring


def test_undeclared_publish_raises_a_clear_error() -> None:
    seen: list[Any] = []
    app = App(orders_service(seen), routes(), adapter="local", publisher=InMemoryPublisher())
    result = app.dispatch(Message("orders.sneaky"))
    assert result.status is Status.ERROR
    [error] = seen
    assert isinstance(error, UndeclaredTopic)
    text = str(error)
    assert "'orders.secret'" in text and "publishes=['orders.secret']" in text
    assert "destination('orders.secret'" in text


def test_undeclared_publish_answers_500_through_the_testing_client(capfd: pytest.CaptureFixture[str]) -> None:
    with TestClient(App(orders_service(), routes(), adapter="local")) as client:
        response = client.post("/sneaky", json={})
        assert response.status == 500
        assert response.json()["error"]["errors"][0]["code"] == "internal_error"
        assert client.published == []
    assert "UndeclaredTopic" in capfd.readouterr().err


def test_undeclared_publish_answers_500_on_the_local_server() -> None:
    runtime = App(orders_service(), routes(), adapter="local").entry_point
    assert isinstance(runtime, LocalRuntime)
    with runtime.running(port=0) as (host, port):
        base = f"http://{host}:{port}"
        status, body = call(base, "POST", "/sneaky", b"{}")
        assert status == 500 and body["error"]["errors"][0]["code"] == "internal_error"
        assert call(base, "GET", "/_portside/published") == (200, [])


def test_building_an_app_fails_naming_the_missing_destination() -> None:
    for adapter in ("local", "aws"):
        with pytest.raises(StartupError) as info:
            App(orders_service(), [http("POST /orders", "orders.place")], adapter=adapter)
        message = str(info.value)
        assert "'orders.place'" in message and "destination('orders.placed'" in message


def test_publishes_must_be_a_list_of_topics() -> None:
    from portside import HandlerDefinitionError

    with pytest.raises(HandlerDefinitionError, match=r"publishes=\['orders.created'\]"):
        Service("s").handler("t", publishes="orders.created")


# ---------------------------------------------------------------- after success


@pytest.mark.parametrize(("failure", "status"), [("raise", 500), ("invalid", 400)])
def test_a_failing_handler_publishes_nothing(failure: str, status: int) -> None:
    app = App(orders_service(), routes(), adapter="local", publisher=InMemoryPublisher())
    response = app.handle_http(request("POST", "/orders", {"n": 1, "fail": failure}))
    assert response.status == status
    assert isinstance(app.publisher, InMemoryPublisher) and app.publisher.sent == []
    ok = app.handle_http(request("POST", "/orders", {"n": 2}))
    assert ok.status == 201
    assert [(m.topic, m.body["n"], target) for m, target in app.publisher.sent] == [
        ("orders.placed", 2, "orders-events"), ("orders.placed", 2, "orders-events")
    ]


class FailingPublisher:
    """Fails the first `failures` sends, then records."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.sent: list[Message] = []

    def publish(self, message: Message, target: str | None) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise PublishError("SNS throttled")
        self.sent.append(message)


def test_a_failed_send_is_retried_inside_the_invocation() -> None:
    publisher = FailingPublisher(failures=dispatch_module.PUBLISH_ATTEMPTS - 1)
    app = App(orders_service(), routes(), adapter="local", publisher=publisher)
    assert app.handle_http(request("POST", "/orders", {"n": 1})).status == 201
    assert len(publisher.sent) == 2 and publisher.attempts == dispatch_module.PUBLISH_ATTEMPTS + 1


def test_a_send_that_keeps_failing_answers_503_over_http(capfd: pytest.CaptureFixture[str]) -> None:
    publisher = FailingPublisher(failures=10**6)
    app = App(orders_service(), routes(), adapter="local", publisher=publisher)
    response = app.handle_http(request("POST", "/orders", {"n": 1}))
    assert response.status == 503 and response.headers["retry-after"] == "1"
    error = json.loads(response.body)["error"]
    assert error["status"] == "retry_later" and error["errors"][0]["code"] == "publish_failed"
    assert publisher.attempts == dispatch_module.PUBLISH_ATTEMPTS  # the first send, retried, then given up
    assert "SNS throttled" in capfd.readouterr().err


def test_a_send_that_keeps_failing_retries_a_queue_message() -> None:
    app = App(orders_service(), [*routes(), queue("orders-in", "orders.place", dead_letter="orders-dlq")],
              adapter="local", publisher=FailingPublisher(failures=10**6))
    settlement = app.deliver(app.receive(kit.Inbound("orders.place", b'{"n": 1}', transport="test-queue")),
                             dead_letter="orders-dlq")
    assert settlement.state is State.RETRIED and settlement.result.status is Status.RETRY_LATER


# ---------------------------------------------------------------- ids


def test_idempotency_key_becomes_the_message_id_and_outbound_ids_are_stable() -> None:
    app = App(orders_service(), routes(), adapter="local", publisher=InMemoryPublisher())
    publisher = app.publisher
    assert isinstance(publisher, InMemoryPublisher)

    def place(key: str | None) -> tuple[str, list[str]]:
        publisher.clear()
        headers = {kit.IDEMPOTENCY_HEADER: key} if key else {}
        response = app.handle_http(request("POST", "/orders", {"n": 1}, {**headers}))
        assert response.status == 201
        return json.loads(response.body)["message_id"], [m.id for m in publisher.messages]

    first_id, first_out = place("order-42")
    again_id, again_out = place("order-42")
    other_id, other_out = place("order-43")
    assert first_id == again_id == "order-42" and other_id == "order-43"
    assert first_out == again_out and len(set(first_out)) == 2  # two messages, two ids, both stable
    assert not set(first_out) & set(other_out)
    assert place(None)[1] != place(None)[1]  # without a key every request is new


def test_a_redelivered_queue_message_publishes_the_same_ids() -> None:
    app = App(orders_service(), routes(), adapter="local", publisher=InMemoryPublisher())
    publisher = app.publisher
    assert isinstance(publisher, InMemoryPublisher)
    for attempt in (1, 2):
        inbound = kit.Inbound("orders.place", b'{"n": 1}', transport="test-queue", id="sqs-1", attempt=attempt)
        assert app.deliver(app.receive(inbound)).state is State.ACKNOWLEDGED
    ids = [m.id for m in publisher.messages]
    assert len(ids) == 4 and ids[:2] == ids[2:]
    assert all(m.correlation_id == "sqs-1" for m in publisher.messages)


# ---------------------------------------------------------------- logical destinations, local


def test_logical_destination_reaches_the_apps_own_queue_and_subscription() -> None:
    seen: list[Any] = []
    app = App(orders_service(seen), [*routes(), queue("orders-events", "audit.queue"),
                                    subscription("orders-events", "audit.sub")], adapter="local")
    with TestClient(app) as client:
        response = client.post("/orders", json={"n": 7}, headers={"x-correlation-id": "corr-7"})
        assert response.status == 201
        assert [s.state for s in client.settlements] == [State.ACKNOWLEDGED] * 4
        assert {s.message.correlation_id for s in client.settlements if s.message} == {"corr-7"}
    # The binding's topic picks the handler; the message's own topic stays readable as a header.
    assert sorted(seen, key=str) == sorted([
        ("queue", "audit.queue", "orders.placed", {"n": 7, "key": response.json()["message_id"]}),
        ("queue", "audit.queue", "orders.placed", {"n": 7, "second": True}),
        ("subscription", "audit.sub", "orders.placed", {"n": 7, "key": response.json()["message_id"]}),
        ("subscription", "audit.sub", "orders.placed", {"n": 7, "second": True}),
    ], key=str)


def test_events_destination_reaches_matching_event_bindings() -> None:
    seen: list[Any] = []
    svc = orders_service(seen)

    @svc.handler("audit.event")
    def audit_event(message: Message) -> None:
        seen.append(("event", message.topic, message.headers.get(kit.TOPIC_HEADER)))

    app = App(svc, [http("POST /orders", "orders.place"), destination("orders.placed", "bus", channel="events"),
                    event("orders.*", "audit.event")], adapter="local")
    with TestClient(app) as client:
        assert client.post("/orders", json={"n": 1}).status == 201
    assert seen == [("event", "audit.event", "orders.placed")] * 2


def test_message_topic_binding_dispatches_by_the_messages_topic() -> None:
    seen: list[Any] = []
    svc = orders_service(seen)

    @svc.handler("orders.placed")
    def placed(body: dict[str, Any]) -> None:
        seen.append(("placed", body["n"]))

    app = App(svc, [*routes(), queue("orders-events", MESSAGE_TOPIC)], adapter="local")
    with TestClient(app) as client:
        assert client.post("/orders", json={"n": 3}).status == 201
        assert [s.state for s in client.settlements] == [State.ACKNOWLEDGED] * 2
    assert seen == [("placed", 3), ("placed", 3)]


def test_message_topic_binding_hands_back_a_message_without_a_topic_or_handler() -> None:
    app = App(orders_service(), [*routes(), queue("mixed", MESSAGE_TOPIC)], adapter="local",
              publisher=InMemoryPublisher())
    binding = app.bindings.queue("mixed")
    no_topic = app.receive(kit.Inbound(
        kit.resolve_topic(binding, Headers({})), b'{"n": 1}', transport="test-queue",
        unroutable=kit.unroutable_reason(binding, "queue 'mixed'", "bind it"),
    ))
    topic = kit.resolve_topic(binding, Headers({kit.TOPIC_HEADER: "orders.unknown"}))
    unknown = app.receive(kit.Inbound(topic, b"{}", transport="test-queue"))
    without, unserved = app.deliver(no_topic), app.deliver(unknown)
    assert without.state is unserved.state is State.HANDED_BACK
    assert kit.TOPIC_HEADER in without.result.errors[0].message
    assert unserved.result.status is Status.NOT_FOUND
    # ...and through the local channel: a topic nobody handles is handed back and kept
    with TestClient(App(orders_service(), [*routes(), queue("orders-events", MESSAGE_TOPIC)],
                        adapter="local")) as client:
        client.post("/orders", json={"n": 1})
        assert [s.state for s in client.settlements] == [State.HANDED_BACK] * 2
        assert [letter.state for letter in client.dead_letters] == ["handed_back"] * 2


def test_a_fixed_binding_topic_wins_over_the_topic_attribute() -> None:
    app = App(orders_service(), [*routes(), queue("q", "audit.queue")], adapter="local")
    binding = app.bindings.queue("q")
    headers = Headers({kit.TOPIC_HEADER: "orders.sneaky"})
    assert kit.resolve_topic(binding, headers) == "audit.queue"


def test_published_messages_travel_through_the_local_runtime() -> None:
    seen: list[Any] = []
    app = App(orders_service(seen), [*routes(), subscription("orders-events", "audit.sub")], adapter="local")
    runtime = app.entry_point
    assert isinstance(runtime, LocalRuntime)
    with runtime.running(port=0) as (host, port):
        status, _ = call(f"http://{host}:{port}", "POST", "/orders", b'{"n": 5}')
        assert status == 201
        runtime.queue.join()
    assert [entry[:3] for entry in seen] == [("subscription", "audit.sub", "orders.placed")] * 2


def test_native_identifiers_fail_on_the_local_adapter_naming_the_binding() -> None:
    arn = "arn:aws:sns:us-east-1:123456789012:orders-events"
    with pytest.raises(StartupError) as info:
        App(orders_service(), [http("POST /orders", "orders.place"), destination("orders.placed", arn)],
            adapter="local")
    assert f"destination('orders.placed', {arn!r})" in str(info.value) and "logical name" in str(info.value)
    dlq = "https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq"
    with pytest.raises(StartupError, match=r"queue binding 'orders-in' \(dead_letter=\) names 'https://sqs"):
        App(orders_service(), [*routes(), queue("orders-in", "orders.place", dead_letter=dlq)], adapter="local")
    with pytest.raises(StartupError, match=r"App\(dead_letter=...\)"):
        App(orders_service(), routes(), adapter="local", dead_letter="arn:aws:sqs:us-east-1:1:dlq")


def call(base: str, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(base + path, data=body, method=method,
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    return status, json.loads(raw) if raw else None
