"""The contract's cases, written once against `portside.kit.TestingKit`.

Each case is a function of a target (one adapter's kit and one native shape) that raises
AssertionError when the adapter diverges; `HTTP_CASES` and `MESSAGE_CASES` list them with the
shapes they apply to. The suite runs them (test_contract.py); test_suite_catches_divergence.py
runs them against deliberately broken kits to show they catch a divergence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from portside import App, HttpRequest, HttpResponse, Message
from portside.kit import Delivered, Outgoing, TestingKit

from . import contract_app as contract
from .native_answers import (
    ATTEMPT,
    ATTRIBUTES,
    BINARY,
    DEAD,
    DOCUMENT,
    PARKING,
    RAW,
    REDELIVER,
    SENDER_ID,
    HttpRow,
    MessageRow,
    check_native,
    expected_states,
    http_row,
    message_row,
)

ERROR_KEYS = {"status", "message", "errors", "correlation_id"}


# ====================================================================== HTTP
@dataclass
class HttpTarget:
    adapter: str
    shape: str
    kit: TestingKit

    @property
    def row(self) -> HttpRow:
        return http_row(self.adapter, self.shape)

    def send(
        self, method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> HttpResponse:
        response = self.kit.http(self.shape, HttpRequest.from_url(method, url, headers, body))
        native = getattr(self.kit, "last_native", None)
        row = self.row
        if row.keys is not None and isinstance(native, dict):
            assert set(native) <= row.keys, f"native response keys {sorted(native)} beyond {sorted(row.keys)}"
            assert row.required <= set(native), f"native response lacks {sorted(row.required - set(native))}"
        return response

    def post_json(self, url: str, value: Any, headers: dict[str, str] | None = None) -> HttpResponse:
        return self.send("POST", url, {"content-type": "application/json", **(headers or {})},
                         json.dumps(value).encode())


def body_of(response: HttpResponse) -> Any:
    assert response.headers.get("content-type", "").startswith("application/json"), response.headers
    return json.loads(response.body)


def error_of(response: HttpResponse, status: int, code: str) -> dict[str, Any]:
    """The JSON error format: every key, the code, and the correlation id of the answer."""
    assert response.status == status, f"expected {status}, got {response.status}: {response.body!r:.300}"
    error = body_of(response)["error"]
    assert set(error) == ERROR_KEYS, f"error format keys: {sorted(error)}"
    assert error["status"] and error["message"], error
    assert [e["code"] for e in error["errors"]][:1] == [code], error
    assert error["correlation_id"] == response.headers.get("x-correlation-id"), (error, response.headers)
    return dict(error)


def echo_of(response: HttpResponse) -> dict[str, Any]:
    assert response.status == 200, f"expected 200, got {response.status}: {response.body!r:.300}"
    return dict(body_of(response))


def not_found(t: HttpTarget) -> None:
    error_of(t.send("GET", "/nowhere"), 404, "no_route")


def method_not_allowed(t: HttpTarget) -> None:
    response = t.send("DELETE", "/echo")
    error_of(response, 405, "method_not_allowed")
    assert response.headers.get("allow") == "POST", response.headers


def path_and_query(t: HttpTarget) -> None:
    echo = echo_of(t.send("GET", "/items/42?tag=a&tag=b&q=hello%20world"))
    assert echo["params"] == {"id": "42"}, echo
    tags = ["a", "b"] if t.row.repeated_query else "b"
    assert echo["body"] == {"id": "42", "tag": tags, "q": "hello world"}, echo


def trailing_slash(t: HttpTarget) -> None:
    assert echo_of(t.send("GET", "/items/42/"))["params"] == {"id": "42"}


def encoded_slash(t: HttpTarget) -> None:
    response = t.send("GET", "/files/reports%2F2026.csv")
    if t.row.encoded_slash:
        assert echo_of(response)["params"] == {"name": "reports/2026.csv"}
    else:
        error_of(response, 404, "no_route")


def encoded_segment(t: HttpTarget) -> None:
    assert echo_of(t.send("GET", "/files/caf%C3%A9%20menu"))["params"] == {"name": "café menu"}


def json_body(t: HttpTarget) -> None:
    sent = {"a": [1, {"b": "ü"}], "n": None}
    assert echo_of(t.post_json("/echo", sent))["body"] == sent


def binary_request(t: HttpTarget) -> None:
    response = t.send("POST", "/echo", {"content-type": "application/octet-stream"}, contract.PNG)
    error_of(response, 415, "unsupported_media_type")


def base64_request(t: HttpTarget) -> None:
    """Bytes that are not UTF-8 (platforms base64 them) reach the app unchanged."""
    response = t.send("POST", "/echo", {"content-type": "text/plain"}, b"caf\xe9 \xff")
    assert echo_of(response)["body"] == "caf\ufffd \ufffd"


def binary_response(t: HttpTarget) -> None:
    response = t.send("GET", "/blob")
    assert response.status == 200 and response.headers.get("content-type") == "image/png", response
    assert response.body == contract.PNG, response.body


def invalid_json(t: HttpTarget) -> None:
    response = t.send("POST", "/echo", {"content-type": "application/json"}, b'{"a": ')
    error_of(response, 400, "malformed_json")


def too_large(t: HttpTarget) -> None:
    body = json.dumps({"pad": "x" * (contract.LIMIT + 10)}).encode()
    error_of(t.send("POST", "/echo", {"content-type": "application/json"}, body), 413, "body_too_large")


def too_deep(t: HttpTarget) -> None:
    body = ("[" * 40 + "]" * 40).encode()
    error_of(t.send("POST", "/echo", {"content-type": "application/json"}, body), 400, "too_deep")


def created(t: HttpTarget) -> None:
    response = t.post_json("/things", {})
    assert response.status == 201, response
    assert response.headers.get("location") == "/things/t-1", response.headers
    assert body_of(response) == {"id": "t-1"}


def no_content(t: HttpTarget) -> None:
    response = t.send("DELETE", "/things/7")
    assert response.status == 204 and response.body == b"", response


def validation_error(t: HttpTarget) -> None:
    error = error_of(t.post_json("/orders", {"sku": "", "qty": 0}), 400, "string_too_short")
    assert {e.get("field") for e in error["errors"]} == {"sku", "qty"}, error


def conflict(t: HttpTarget) -> None:
    error = error_of(t.post_json("/conflict", {}), 409, "conflict")
    assert error["message"] == "the thing already exists", error


def retry_after(t: HttpTarget) -> None:
    response = t.post_json("/busy", {})
    error_of(response, 503, "retry_later")
    assert response.headers.get("retry-after") == "7", response.headers


def crash(t: HttpTarget) -> None:
    response = t.post_json("/crash", {})
    error = error_of(response, 500, "internal_error")
    assert error["correlation_id"] in error["message"], error
    assert b"secret" not in response.body and b"Traceback" not in response.body, response.body


def cookie(value: str) -> tuple[str, frozenset[str]]:
    """A Set-Cookie value as its name=value and its attributes (names in lower case, any order):
    some platforms re-serialise cookies, which keeps what they mean."""
    first, *attributes = [part.strip() for part in value.split(";") if part.strip()]
    named = {a.split("=", 1)[0].lower() + ("=" + a.split("=", 1)[1] if "=" in a else "") for a in attributes}
    return first, frozenset(named)


def response_cookies(t: HttpTarget) -> None:
    response = t.send("GET", "/cookies")
    assert response.status == 200, response
    assert [cookie(c) for c in response.cookies] == [cookie(c) for c in contract.COOKIES], response.cookies
    assert response.headers.get("x-extra") == "yes", response.headers
    assert "set-cookie" not in response.headers, response.headers


def request_cookies(t: HttpTarget) -> None:
    echo = echo_of(t.send("GET", "/cookies", {"cookie": "a=1; b=2"}))
    assert echo["cookie"] == "a=1; b=2", echo


def cookies_stay_with_the_caller(t: HttpTarget) -> None:
    """A request carries the cookies its caller sends, never those of an earlier answer."""
    assert t.send("GET", "/cookies").cookies, "the first answer sets cookies"
    echo = echo_of(t.send("GET", "/cookies"))
    assert echo["cookie"] is None, f"a cookie no caller sent reached the handler: {echo['cookie']!r}"


def correlation_in(t: HttpTarget) -> None:
    response = t.post_json("/echo", {}, {"x-correlation-id": "corr-http-1"})
    assert response.headers.get("x-correlation-id") == "corr-http-1", response.headers
    assert echo_of(response)["correlation_id"] == "corr-http-1"


def correlation_out(t: HttpTarget) -> None:
    response = t.post_json("/echo", {})
    sent = response.headers.get("x-correlation-id")
    assert sent and echo_of(response)["correlation_id"] == sent, response


def idempotency_key(t: HttpTarget) -> None:
    echo = echo_of(t.post_json("/echo", {}, {"idempotency-key": "key-123"}))
    assert echo["id"] == "key-123", echo


def publish_declared(t: HttpTarget) -> None:
    response = t.post_json("/publish", {})
    assert response.status == 201 and body_of(response) == {"published": True}, response


def publish_undeclared(t: HttpTarget) -> None:
    error_of(t.post_json("/undeclared", {}), 500, "internal_error")


def head(t: HttpTarget) -> None:
    response = t.send("HEAD", "/items/1")
    assert response.status == 200 and response.body == b"", response


HTTP_CASES: tuple[Callable[[HttpTarget], None], ...] = (
    not_found, method_not_allowed, path_and_query, trailing_slash, encoded_slash, encoded_segment,
    json_body, binary_request, base64_request, binary_response, invalid_json, too_large, too_deep,
    created, no_content, validation_error, conflict, retry_after, crash, request_cookies,
    response_cookies, cookies_stay_with_the_caller, correlation_in, correlation_out, idempotency_key,
    publish_declared, publish_undeclared, head,
)


# ====================================================================== messages
@dataclass
class MessageTarget:
    adapter: str
    shape: str
    kind: str
    kit: TestingKit
    app: App

    @property
    def row(self) -> MessageRow:
        return message_row(self.adapter, self.shape)

    @property
    def carries(self) -> frozenset[str]:
        return self.row.carries_for(self.kind)

    def binding(self, variant: str) -> Any:
        name = contract.binding_name(self.row, self.kind, variant)
        found = getattr(self.app.bindings, self.kind)(name)
        assert found is not None, f"the contract app has no {self.kind} binding {name!r}"
        return found

    def outgoing(self, behaviour: str = "ok", variant: str = "plain", **fields: Any) -> Outgoing:
        """A message asking its handler for `behaviour`, as a sender of this kind puts it."""
        if self.kind == "event" and (self.row.event_names or variant == "object"):
            data = {"bucket": "contract-bucket", "key": f"{behaviour}/photo 1.jpg", "size": 3}
        elif self.kind == "schedule":
            data = {}
        else:
            data = {"do": behaviour}
        headers = fields.pop("headers", None)
        return Outgoing(json.dumps(data).encode(), headers, **fields)

    def deliver(self, variant: str, messages: Sequence[Outgoing]) -> Delivered:
        return self.kit.deliver(self.shape, self.binding(variant), messages)

    def settles(self, delivered: Delivered, sent: Sequence[Outgoing], behaviours: Sequence[str],
                variant: str, groups: Sequence[str | None] | None = None) -> None:
        """States, redeliveries, dead letters and the native answer, all as the table says."""
        expected = expected_states(self.row, behaviours, self.binding(variant), groups)
        assert delivered.states == expected, (
            f"states {[s.value for s in delivered.states]}, expected {[s.value for s in expected]}")
        again = [m.id for m, state in zip(sent, expected, strict=True) if state in REDELIVER]
        assert delivered.redelivered == again, f"redelivered {delivered.redelivered}, expected {again}"
        parked = sum(state is DEAD for state in expected)
        assert len(delivered.dead_lettered) == parked, f"dead-lettered {delivered.dead_lettered!r}"
        assert all(target == PARKING for _, target in delivered.dead_lettered), delivered.dead_lettered
        check_native(self.row, expected, delivered)

    def seen(self, count: int | None = None) -> list[Message]:
        if count is not None:
            ran = len(contract.SEEN)
            assert ran == count, f"the handler ran {ran} time(s), expected {count}"
        return list(contract.SEEN)


def body_seen(t: MessageTarget, message: Message) -> Any:
    """What the sender sent, as the handler sees it on this shape (the table's body view)."""
    body = message.body
    view = t.row.body_view
    if view and isinstance(body, dict):
        body = {k: v for k, v in (body.get(view) or {}).items() if k != "pk"}
    return body


def one(t: MessageTarget, behaviour: str, variant: str, **fields: Any) -> Delivered:
    sent = [t.outgoing(behaviour, variant, **fields)]
    delivered = t.deliver(variant, sent)
    t.settles(delivered, sent, [behaviour], variant)
    return delivered


def ack(t: MessageTarget) -> None:
    delivered = one(t, "ok", "plain")
    [message] = t.seen(1)
    assert message.topic == "work", message
    assert delivered.published == [], delivered.published


def retry(t: MessageTarget) -> None:
    one(t, "retry", "retry" if t.kind == "schedule" else "plain")
    assert t.seen() and all(m.topic == "work" for m in t.seen())


def crash_retried(t: MessageTarget) -> None:
    one(t, "crash", "plain")


def poison_handed_back(t: MessageTarget) -> None:
    one(t, "poison", "plain")


def poison_dead_lettered(t: MessageTarget) -> None:
    sent = t.outgoing("poison", "dl")
    delivered = t.deliver("dl", [sent])
    t.settles(delivered, [sent], ["poison"], "dl")
    [(parked, _)] = delivered.dead_lettered
    assert (parked.headers.get("x-portside-error") or "").startswith("invalid:"), parked.headers
    assert parked.topic == "work", parked


def poison_dropped(t: MessageTarget) -> None:
    one(t, "poison", "drop")


def poison_hand_back(t: MessageTarget) -> None:
    one(t, "poison", "back")


def retry_with_dead_letter(t: MessageTarget) -> None:
    one(t, "retry", "dl")


def _kept(t: MessageTarget, data: bytes, headers: dict[str, str] | None = None) -> Message:
    """Deliver unreadable `data` by the dl binding: it is dead-lettered, nothing lost."""
    sent = Outgoing(data, headers)
    delivered = t.deliver("dl", [sent])
    t.settles(delivered, [sent], ["poison"], "dl")
    t.seen(0)
    [(parked, _)] = delivered.dead_lettered
    kept = parked.data if parked.data is not None else parked.body
    kept = kept.encode() if isinstance(kept, str) else kept
    assert kept == data, f"the dead-lettered body {kept!r:.100} is not the one received {data!r:.100}"
    return parked


def _arrives_as_bytes(t: MessageTarget, data: bytes, headers: dict[str, str] | None = None) -> None:
    """The table's documented difference (`untyped`): data reaches the handler as the bytes sent."""
    sent = Outgoing(data, headers)
    t.settles(t.deliver("plain", [sent]), [sent], ["ok"], "plain")
    [message] = t.seen(1)
    assert message.body == data, f"the data should arrive as the bytes sent, got {message.body!r:.100}"


def invalid_json_kept(t: MessageTarget) -> None:
    data = b'{"do": '
    if t.row.untyped == "json-else-bytes":  # Pub/Sub data without a content type is opaque
        _arrives_as_bytes(t, data)
        return
    parked = _kept(t, data)
    assert (parked.headers.get("x-portside-error") or "").startswith("invalid: malformed_json"), parked.headers


def too_large_kept(t: MessageTarget) -> None:
    parked = _kept(t, json.dumps({"pad": "x" * (contract.LIMIT + 10)}).encode())
    assert (parked.headers.get("x-portside-error") or "").startswith("too_large:"), parked.headers


def too_deep_kept(t: MessageTarget) -> None:
    parked = _kept(t, ("[" * 40 + "]" * 40).encode())
    assert "too_deep" in (parked.headers.get("x-portside-error") or ""), parked.headers


def binary_kept(t: MessageTarget) -> None:
    headers = {"content-type": "application/octet-stream"} if ATTRIBUTES in t.carries else None
    if t.row.untyped == "json-else-bytes" and t.kind == "event":  # a CloudEvent's declared binary data
        _arrives_as_bytes(t, contract.PNG, headers)
        return
    _kept(t, contract.PNG, headers)


def message_id(t: MessageTarget) -> None:
    sent = t.outgoing(id="contract-message-1")
    t.settles(t.deliver("plain", [sent]), [sent], ["ok"], "plain")
    [message] = t.seen(1)
    assert message.id == "contract-message-1", message


def stable_id(t: MessageTarget) -> None:
    """A redelivery carries the id of the first delivery (handlers deduplicate by it)."""
    first = t.outgoing()
    again = Outgoing(first.data, first.headers, id=first.id, attempt=2)
    t.deliver("plain", [first])
    t.deliver("plain", [again])
    ids = [m.id for m in t.seen(2)]
    assert ids[0] == ids[1], f"ids differ between deliveries of one message: {ids}"


def attempt_count(t: MessageTarget) -> None:
    sent = t.outgoing(attempt=3)
    t.deliver("plain", [sent])
    [message] = t.seen(1)
    assert message.attempt == (3 if ATTEMPT in t.carries else 1), message.attempt


def correlation_in(t: MessageTarget) -> None:
    sent = t.outgoing(headers={"x-correlation-id": "corr-contract-1"})
    t.deliver("plain", [sent])
    [message] = t.seen(1)
    assert message.correlation_id == "corr-contract-1", message


def publish_declared(t: MessageTarget) -> None:
    sent = t.outgoing("publish")
    delivered = t.deliver("plain", [sent])
    t.settles(delivered, [sent], ["publish"], "plain")
    [(out, target)] = delivered.published
    [message] = t.seen(1)
    assert (out.topic, target) == (contract.DONE, contract.DONE_TARGET), (out, target)
    assert out.correlation_id == message.correlation_id, (out.correlation_id, message.correlation_id)
    assert out.body == {"after": message.id}, out.body
    again = t.deliver("plain", [Outgoing(sent.data, sent.headers, id=sent.id, attempt=2)])
    if len({m.id for m in t.seen()}) == 1:  # a redelivery publishes the same id (deduplicable)
        assert [m.id for m, _ in again.published] == [out.id], again.published


def publish_undeclared(t: MessageTarget) -> None:
    delivered = one(t, "undeclared", "plain")
    assert delivered.published == [], delivered.published


def publish_then_fail(t: MessageTarget) -> None:
    delivered = one(t, "publish-then-retry", "plain")
    assert delivered.published == [], "a handler that fails must publish nothing"


def partial_batch(t: MessageTarget) -> None:
    behaviours = ["ok", "retry", "poison", "ok"]
    sent = [t.outgoing(b, "dl") for b in behaviours]
    t.settles(t.deliver("dl", sent), sent, behaviours, "dl")


def ordered(t: MessageTarget) -> None:
    """A message to redeliver holds back the later ones of its group (its shard, its partition)."""
    plan = [("g1", "ok"), ("g1", "retry"), ("g1", "ok"), ("g2", "ok")]
    sent = [t.outgoing(b, "ordered", group=g) for g, b in plan]
    delivered = t.deliver("ordered", sent)
    t.settles(delivered, sent, [b for _, b in plan], "ordered", [g for g, _ in plan])


def topic_from_message(t: MessageTarget) -> None:
    one(t, "ok", "bytopic", headers={"portside-topic": "work"})
    assert len(t.seen(1)) == 1


def topic_missing(t: MessageTarget) -> None:
    one(t, "unroutable", "bytopic")
    t.seen(0)


def binding_topic_wins(t: MessageTarget) -> None:
    one(t, "ok", "plain", headers={"portside-topic": "other"})
    t.seen(1)
    assert contract.OTHER == [], "a binding with its own topic must not dispatch by portside-topic"


def object_created(t: MessageTarget) -> None:
    sent = t.outgoing("ok", "object")
    t.settles(t.deliver("object", [sent]), [sent], ["ok"], "object")
    [message] = t.seen(1)
    body = message.body
    assert isinstance(body, dict), body
    seen = (body.get("bucket"), body.get("key"), body.get("size"))
    assert seen == ("contract-bucket", "ok/photo 1.jpg", 3), body


def body_as_sent(t: MessageTarget) -> None:
    sent = {"do": "ok", "text": "ünïcode", "n": [1, 2.5, None, True]}
    t.deliver("plain", [Outgoing(json.dumps(sent).encode())])
    [message] = t.seen(1)
    assert body_seen(t, message) == sent, message.body


def schedule_fires(t: MessageTarget) -> None:
    one(t, "ok", "plain")
    [message] = t.seen(1)
    assert message.body.get("rule") == t.binding("plain").name and message.body.get("time"), message.body


@dataclass(frozen=True)
class MessageCase:
    run: Callable[[MessageTarget], None]
    kinds: frozenset[str] = frozenset({"queue", "subscription", "event"})
    needs: frozenset[str] = frozenset()
    variant: str = "plain"
    batch: bool = False

    @property
    def name(self) -> str:
        return self.run.__name__

    def applies(self, row: MessageRow, kind: str) -> bool:
        return (
            kind in self.kinds and self.needs <= row.carries_for(kind) and (row.batch or not self.batch)
            and contract.has_variant(row, kind, self.variant)
        )


_ALL = frozenset({"queue", "subscription", "event", "schedule"})
_QUEUED = frozenset({"queue", "subscription"})
MESSAGE_CASES: tuple[MessageCase, ...] = (
    MessageCase(ack, _ALL),
    MessageCase(retry, _ALL),
    MessageCase(crash_retried),
    MessageCase(poison_handed_back),
    MessageCase(poison_dead_lettered, variant="dl"),
    MessageCase(poison_dropped, variant="drop"),
    MessageCase(poison_hand_back, variant="back"),
    MessageCase(retry_with_dead_letter, variant="dl"),
    MessageCase(invalid_json_kept, needs=frozenset({RAW}), variant="dl"),
    MessageCase(too_large_kept, needs=frozenset({RAW}), variant="dl"),
    MessageCase(too_deep_kept, needs=frozenset({RAW}), variant="dl"),
    MessageCase(binary_kept, needs=frozenset({BINARY}), variant="dl"),
    MessageCase(message_id, needs=frozenset({SENDER_ID})),
    MessageCase(stable_id),
    MessageCase(attempt_count),
    MessageCase(correlation_in, needs=frozenset({ATTRIBUTES})),
    MessageCase(publish_declared),
    MessageCase(publish_undeclared),
    MessageCase(publish_then_fail),
    MessageCase(partial_batch, variant="dl", batch=True),
    MessageCase(ordered, frozenset({"queue"}), variant="ordered"),
    MessageCase(topic_from_message, _QUEUED, variant="bytopic"),
    MessageCase(topic_missing, _QUEUED, variant="bytopic"),
    MessageCase(binding_topic_wins, _QUEUED, needs=frozenset({ATTRIBUTES})),
    MessageCase(object_created, frozenset({"event"}), variant="object"),
    MessageCase(body_as_sent, needs=frozenset({DOCUMENT})),
    MessageCase(schedule_fires, frozenset({"schedule"})),
)

