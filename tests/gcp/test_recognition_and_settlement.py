"""Recognition (events never capture a bound route), the four settlements as push answers, and
bad input answered cleanly: through the real target with Werkzeug's test client."""

from __future__ import annotations

import base64
import json
from types import ModuleType
from typing import Any

import pytest

from portside import App, HttpRequest, HttpResponse, State
from portside.kit import DELIVERY_HEADER, Outgoing
from portside.kit.cloudevents import CloudEvent, to_binary

JSON = {"content-type": "application/json"}


def post(kit: Any, path: str, body: bytes, headers: dict[str, str] | None = None) -> HttpResponse:
    response: HttpResponse = kit.send("POST", path, {**JSON, **(headers or {})}, body)
    return response


def deliver(kit: Any, app: App, queue: str, body: bytes, shape: str = "pubsub_push") -> Any:
    return kit.deliver(shape, app.bindings.queue(queue), [Outgoing(body)])


def push(subscription: str, data: bytes, attributes: dict[str, str] | None = None, **message: Any) -> bytes:
    envelope = {
        "message": {"data": base64.b64encode(data).decode(), "messageId": "m-1", "publishTime":
                    "2024-01-01T00:00:00Z", "attributes": attributes or {}, **message},
        "subscription": f"projects/p/subscriptions/{subscription}",
    }
    return json.dumps(envelope).encode()


def no_trace(response: HttpResponse) -> None:
    assert b"Traceback" not in response.body and b'File "' not in response.body
    assert response.headers.get("content-type") == "application/json"
    json.loads(response.body)


def test_a_push_envelope_posted_to_a_bound_route_is_http(kit: Any, main: ModuleType) -> None:
    body = json.loads(push("orders-inbox", b'{"id": "q", "qty": 1}'))
    body.update({"id": "h-1", "qty": 3})
    response = post(kit, "/orders", json.dumps(body).encode())
    assert response.status == 201
    assert json.loads(response.body) == {"created": "h-1"}
    assert [seen["transport"] for seen in main.SEEN] == ["gcp:http"]


def test_cloudevent_headers_on_a_bound_route_are_http(kit: Any, main: ModuleType) -> None:
    headers, _ = to_binary(CloudEvent("google.cloud.storage.object.v1.finalized", "//storage", {}, id="e"))
    response = post(kit, "/orders", b'{"id": "h-2", "qty": 1}', headers)
    assert response.status == 201
    assert main.SEEN[0]["transport"] == "gcp:http"


def test_a_legacy_event_on_a_bound_route_is_http(kit: Any) -> None:
    context = {"eventId": "1", "eventType": "google.pubsub.topic.publish", "resource": "x"}
    legacy = {"context": context, "data": {}}
    response = post(kit, "/orders", json.dumps(legacy).encode())
    assert response.status == 400  # the orders.create body is validated: it is an HTTP request
    assert json.loads(response.body)["error"]["status"] == "invalid"


def test_the_same_envelope_off_route_is_a_delivery(kit: Any, main: ModuleType) -> None:
    response = post(kit, "/", push("orders-inbox", b'{"id": "o-1", "qty": 1}'))
    assert response.status == 200
    assert response.headers[DELIVERY_HEADER] == "acknowledged"
    assert main.SEEN[0]["transport"] == "gcp:pubsub" and main.SEEN[0]["order"] == "o-1"


def test_encoded_slash_stays_in_its_segment(kit: Any) -> None:
    response = kit.http("http", HttpRequest.from_url("GET", "/items/a%2Fb?x=1&x=2"))
    assert response.status == 200
    assert json.loads(response.body) == {"id": "a/b", "query": {"x": ["1", "2"]}}


def test_unknown_route_is_a_json_404(kit: Any) -> None:
    response = kit.http("http", HttpRequest.from_url("GET", "/nowhere"))
    assert response.status == 404
    no_trace(response)


# ---------------------------------------------------------------------------- settlements
def test_acknowledged(kit: Any, app: App) -> None:
    delivered = deliver(kit, app, "orders-inbox", b'{"id": "a", "qty": 1}')
    assert delivered.states == [State.ACKNOWLEDGED]
    assert delivered.native[0].status == 200
    assert [(m.topic, t) for m, t in delivered.published] == [("orders.created", "orders-events")]


def test_retried_is_503_with_retry_after(kit: Any, app: App) -> None:
    delivered = deliver(kit, app, "orders-inbox", b'{"id": "retry", "qty": 1}')
    assert delivered.states == [State.RETRIED]
    answer = delivered.native[0]
    assert answer.status == 503 and answer.headers["retry-after"] == "7"
    assert delivered.redelivered and not delivered.published


def test_a_raising_handler_is_retried_never_acknowledged(kit: Any, app: App) -> None:
    delivered = kit.deliver("cloudevent_binary", app.bindings.queue("orders-inbox"),
                            [Outgoing(b'{"id": "boom", "qty": 1}')])
    assert delivered.states == [State.RETRIED]
    no_trace(delivered.native[0])


def test_dead_lettered_goes_to_the_target_then_acks(kit: Any, app: App) -> None:
    delivered = deliver(kit, app, "parked-inbox", b'{"id": "d", "qty": -1}')
    assert delivered.states == [State.DEAD_LETTERED]
    assert delivered.native[0].status == 200
    [(parked, target)] = delivered.dead_lettered
    assert target == "orders-dead" and parked.data == b'{"id": "d", "qty": -1}'
    assert parked.headers["x-portside-error"].startswith("invalid")


def test_handed_back_without_a_dead_letter_target(kit: Any, app: App) -> None:
    delivered = deliver(kit, app, "orders-inbox", b'{"id": "d", "qty": -1}')
    assert delivered.states == [State.HANDED_BACK]
    assert delivered.native[0].status == 500


def test_an_unbound_event_is_handed_back(kit: Any, main: ModuleType) -> None:
    headers, body = to_binary(CloudEvent("com.example.unbound", "//x", {"a": 1}, id="u-1"))
    response = post(kit, "/", body, headers)
    assert response.status == 500 and response.headers[DELIVERY_HEADER] == "handed_back"
    assert "com.example.unbound" in json.loads(response.body)["errors"][0]["message"]
    assert main.SEEN == []


def test_an_unbound_subscription_is_handed_back(kit: Any) -> None:
    response = post(kit, "/", push("nobody-listens", b"{}"))
    assert response.status == 500
    assert "queue('nobody-listens', topic)" in json.loads(response.body)["errors"][0]["message"]


def test_ordering_key_and_attempt_reach_the_handler(kit: Any, app: App, main: ModuleType) -> None:
    outgoing = Outgoing(b'{"id": "k", "qty": 1}', {"k": "v"}, group="key-1", attempt=3)
    delivered = kit.deliver("pubsub_push", app.bindings.queue("ordered-inbox"), [outgoing])
    assert delivered.states == [State.ACKNOWLEDGED]
    assert main.SEEN[0]["group"] == "key-1" and main.SEEN[0]["attempt"] == 3


def test_pubsub_data_is_json_when_it_parses_else_bytes(kit: Any, main: ModuleType) -> None:
    response = post(kit, "/", push("audit-push", b"\x00\x01binary", {"portside-topic": "x"}))
    assert response.status == 200
    assert main.SEEN[0]["body"] == b"\x00\x01binary".hex()
    assert main.SEEN[0]["attributes"]["portside-topic"] == "x"
    main.SEEN.clear()
    assert post(kit, "/", push("audit-push", b'{"a": [1]}')).status == 200
    assert main.SEEN[0]["body"] == {"a": [1]}


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"content-type": "application/json"}, b'{"message": {"data": ', 404),  # not JSON: not an event
        ({"content-type": "application/cloudevents+json"}, b"{not json", 500),
        ({"content-type": "application/cloudevents+json"}, b'{"specversion": "1.0"}', 500),
        ({"ce-specversion": "1.0", "ce-type": "t"}, b"{}", 500),  # lacks id and source
        ({"content-type": "application/cloudevents+json"}, b"[" * 5000 + b"]" * 5000, 500),
        ({"content-type": "application/json"}, b'{"message": {"data": "***", "messageId": "1"}, '
                                                b'"subscription": "orders-inbox"}', 500),
        ({"content-type": "application/json"}, b'{"message": {"attributes": [1]}, "subscription": "s"}', 500),
        ({"content-type": "application/json"}, b'{"context": {"eventType": "nope"}, "data": {}}', 500),
    ],
    ids=["malformed-json", "structured-not-json", "structured-incomplete", "binary-incomplete", "too-deep",
         "bad-base64", "bad-attributes", "unknown-legacy-type"],
)
def test_bad_input_never_gives_a_stack_trace_or_a_success(
    kit: Any, main: ModuleType, headers: dict[str, str], body: bytes, status: int
) -> None:
    response = kit.send("POST", "/", headers, body)
    assert response.status == status
    no_trace(response)
    assert main.SEEN == []


def test_oversize_request_is_413(kit: Any, app: App) -> None:
    body = b'{"pad": "' + b"x" * (app.limits.max_body_bytes * 2) + b'"}'
    response = kit.send("POST", "/", {"content-type": "application/json"}, body)
    assert response.status == 413
    no_trace(response)
    assert "limit" in json.loads(response.body)["error"]["message"]


def test_oversize_pubsub_data_is_poison_not_success(kit: Any, main: ModuleType) -> None:
    from portside import Limits

    small = main.build()
    small.limits = Limits(max_body_bytes=1000)  # the target reads limits when it is built
    small_kit = small.adapter.hook.portside_testing_kit(app=small)
    response = small_kit.send("POST", "/", {"content-type": "application/json"},
                              push("orders-inbox", b'{"id": "' + b"x" * 1100 + b'", "qty": 1}'))
    assert response.status == 500
    assert json.loads(response.body)["status"] == "too_large"
