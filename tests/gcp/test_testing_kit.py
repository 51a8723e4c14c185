"""The gcp TestingKit: every message shape it lists delivers to its binding kind through the real
target, states are read back from the native answers, publishes and dead letters are recorded."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from portside import OBJECT_CREATED, App, HttpRequest, State
from portside.kit import Outgoing
from portside.kit import TestingKit as KitProtocol
from portside_gcp.testing_kit import GcpTestingKit


def binding_for(app: App, kind: str) -> Any:
    return {
        "queue": app.bindings.queue("orders-inbox"),
        "subscription": app.bindings.subscription("orders-events"),
        "schedule": app.bindings.schedule("nightly"),
        "event": app.bindings.event(OBJECT_CREATED),
    }[kind]


def body_for(kind: str) -> bytes:
    return {"queue": b'{"id": "q", "qty": 1}', "subscription": b'{"audited": 1}', "schedule": b"{}",
            "event": b'{"bucket": "b", "key": "dir/file.txt", "size": 4}'}[kind]


CASES = [(kind, shape) for kind, shapes in GcpTestingKit.message_shapes(None).items()  # type: ignore[arg-type]
         for shape in shapes]


def test_it_is_a_testing_kit(kit: Any) -> None:
    assert isinstance(kit, GcpTestingKit)
    checked: KitProtocol = kit
    assert checked.adapter == "gcp" and list(checked.http_shapes()) == ["http"]


@pytest.mark.parametrize(("kind", "shape"), CASES, ids=[f"{k}-{s}" for k, s in CASES])
def test_every_shape_delivers_to_its_binding(
    kit: Any, app: App, main: ModuleType, kind: str, shape: str
) -> None:
    binding = binding_for(app, kind)
    outgoing = Outgoing(body_for(kind), {"x-correlation-id": f"c-{kind}-{shape}"})
    delivered = kit.deliver(shape, binding, [outgoing])
    assert delivered.states == [State.ACKNOWLEDGED], delivered.native[0].body
    [seen] = main.SEEN
    assert seen["topic"] == binding.topic
    assert seen["correlation_id"] == f"c-{kind}-{shape}"
    if kind == "event":
        assert seen["body"]["key"] == "dir/file.txt" and seen["body"]["size"] == 4
    if kind == "schedule":
        assert seen["body"]["rule"] == "nightly"
    if kind in ("queue", "subscription") and shape != "legacy_event":
        assert seen["id"] == outgoing.id


def test_redelivered_ids_and_http(kit: Any, app: App) -> None:
    retry = Outgoing(b'{"id": "retry", "qty": 1}')
    fine = Outgoing(b'{"id": "ok", "qty": 1}')
    delivered = kit.deliver("cloudevent_structured", app.bindings.queue("orders-inbox"), [retry, fine])
    assert delivered.states == [State.RETRIED, State.ACKNOWLEDGED]
    assert delivered.redelivered == [retry.id]
    response = kit.http("http", HttpRequest.from_url("POST", "/orders", {"content-type": "application/json"},
                                                     b'{"id": "h", "qty": 2}'))
    assert response.status == 201 and response.headers["content-type"] == "application/json"


def test_unknown_shapes_are_refused(kit: Any, app: App) -> None:
    with pytest.raises(ValueError, match="unknown gcp"):
        kit.deliver("sqs", app.bindings.queue("orders-inbox"), [Outgoing(b"{}")])
    with pytest.raises(ValueError, match="unknown gcp HTTP shape"):
        kit.http("apigw", HttpRequest.from_url("GET", "/"))


def test_legacy_events_need_the_queues_topic(main: ModuleType) -> None:
    from portside import destination, queue

    bindings = [queue("bare", "orders.create"), destination("orders.created", "events")]
    app = App(main.service, bindings, adapter="gcp")
    kit = app.adapter.hook.portside_testing_kit(app=app)
    with pytest.raises(ValueError, match=r"gcp=\{'topic': \.\.\.\}"):
        kit.deliver("legacy_event", app.bindings.queue("bare"), [Outgoing(b"{}")])


def test_translate_reads_without_dispatching(app: App, main: ModuleType) -> None:
    from portside import Headers
    from portside_gcp.native import Request

    body = b'{"message": {"data": "eyJpZCI6ICJ0IiwgInF0eSI6IDF9", "messageId": "t-1"}, ' \
           b'"subscription": "projects/p/subscriptions/orders-inbox"}'
    [message] = app.translate(Request("POST", "/", Headers({"content-type": "application/json"}), body))
    assert (message.topic, message.id, message.body) == ("orders.create", "t-1", {"id": "t", "qty": 1})
    [routed] = app.translate(Request("POST", "/orders", Headers({"content-type": "application/json"}), body))
    assert routed.topic == "orders.create" and routed.transport == "gcp:http"
    assert main.SEEN == []

