"""The fast path (portside_gcp.fast) never changes an answer.

Every request is sent twice through the Functions Framework's own Flask app (Werkzeug's test
client, as the testing kit does): to the target with its fast path and to one without it
(`Target.fast = None`, the general path only). The answers (status, headers, body), the handler
calls and what was dead-lettered must be the same. Requests are generated around the cases the
lanes serve (an HTTP request to a lane's route; a binary messagePublished CloudEvent or a push
envelope for a lane's subscription) with the variations that must go the general way: bound
routes carrying events, unbound paths, encoded paths, other content types, query parameters the
model reads, bodies and data the model refuses, malformed envelopes and attributes, schedule
ticks, ordered queues, bindings by the message's own topic, tokens to verify, and handlers that
return every kind of result or raise; under each PORTSIDE_GCP_SERVE, with and without OIDC
verification, a base path and dead-letter choices.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from unittest import mock

import flask
from functions_framework import execution_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from werkzeug.test import EnvironBuilder

from portside import (
    App,
    InMemoryPublisher,
    Message,
    Service,
    event,
    http,
    queue,
    schedule,
    subscription,
)
from portside.kit import MISS
from portside_gcp.entry import Target
from portside_gcp.security import TokenVerifier, Unauthenticated, VerifierUnavailable
from portside_gcp.settings import GcpSettings
from portside_gcp.testing_kit import framework_app
from tests.lane_cases import GENERATED_ID, MODE_NAMES, Order, calls_during, mostly, outcome

PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
CALLS: list[tuple[str, Any]] = []  # (handler, its model) in call order


class Tick(BaseModel):
    """Accepts any object: were a tick's data (not its tick body) served by the lane, the
    recorded call would differ."""

    rule: str = "?"


service = Service("gcp-lanes")


@service.handler("orders.create")
def create(order: Order) -> Any:
    CALLS.append(("create", order.model_dump()))
    return outcome(order)


@service.handler("orders.ingest")
def ingest(order: Order) -> Any:
    CALLS.append(("ingest", order.model_dump()))
    return outcome(order)


@service.handler("filler")
def filler(order: Order) -> Any:
    CALLS.append(("filler", order.model_dump()))
    return outcome(order)


@service.handler("ticks")
def tick(body: Tick) -> None:
    CALLS.append(("tick", body.model_dump()))


@service.handler("general")
def general(order: Order, message: Message) -> Any:  # takes its Message: no lane
    CALLS.append(("general", order.model_dump()))
    return outcome(order)


def build_app(dead_letter: str | None, base_path: str) -> App:
    return App(
        service,
        [
            http("GET /r/{id}", "filler"),
            http("POST /orders/{id}", "orders.create"),
            http("POST /orders", "orders.create"),
            http("PUT /orders/static", "filler"),
            queue("orders", "orders.ingest", dead_letter=dead_letter, gcp={"topic": "orders-topic"}),
            queue("ordered", "orders.ingest", ordered=True),
            queue("slow", "general"),
            queue("any", "*"),
            subscription("audit", "orders.ingest", gcp={"subscription": "audit-push"}),
            schedule("tick", "ticks", "rate(5 minutes)", gcp={"topic": "tick-topic"}),
            event(PUBLISHED, "filler"),
        ],
        adapter="gcp",
        base_path=base_path,
    )


class Verifier(TokenVerifier):
    """Google's OIDC check, stubbed: `Bearer good` passes, `Bearer down` finds no certificates."""

    def __init__(self) -> None:
        super().__init__("https://function.example", certs_url="https://certs.invalid")

    def verify(self, authorization: str | None) -> dict[str, Any]:
        if authorization == "Bearer good":
            return {"iss": "https://accounts.google.com", "email": "pusher@p.iam.gserviceaccount.com"}
        if authorization == "Bearer down":
            raise VerifierUnavailable("cannot fetch Google's signing certificates")
        raise Unauthenticated("the delivery's token is not valid")


# (PORTSIDE_GCP_SERVE, verify tokens, base path, the orders queue's dead letter)
Config = tuple[str, bool, str, "str | None"]
COMMON: Config = ("all", False, "", None)


class Variant:
    """One target (with or without its fast path) behind the Functions Framework's Flask app."""

    def __init__(self, config: Config, fast: bool) -> None:
        serve, verify, base_path, dead_letter = config
        self.app = build_app(dead_letter, base_path)
        settings = GcpSettings(serve, audience="https://function.example" if verify else None)
        self.target = Target(self.app, settings, Verifier() if verify else None)
        if not fast:
            self.target.fast = None
        target = self.target

        def handler(request: Any) -> Any:
            return target(request)

        flask_app = framework_app(handler)
        flask_app.config["PROPAGATE_EXCEPTIONS"] = True  # anything escaping the target is compared
        self.client = flask_app.test_client(use_cookies=False)

    def send(self, request: Sent, framework: bool = True) -> tuple[Any, list[tuple[str, Any]], list[str]]:
        """(the answer, the handler calls, what was dead-lettered) for one request, through the
        Functions Framework's app (which gives each request an execution id: here always the
        same one) or straight to the target (a Flask request with no execution id)."""
        _, method, url, headers, body = request
        self.app.publisher = publisher = InMemoryPublisher()
        CALLS.clear()
        try:
            if framework:
                with mock.patch.object(execution_id, "_generate_execution_id", return_value="ffexecution1"):
                    reply = self.client.open(url, method=method, headers=list(headers.items()), data=body)
            else:
                reply = self.target(flask_request(method, url, headers, body))
            content = reply.get_data()
            assert reply.content_length == len(content)  # compared apart: generated ids vary in length
            kept = [(k, v) for k, v in reply.headers.items() if k != "Content-Length"]
            answer: Any = (reply.status_code, kept, content)
        except Exception as exc:
            answer = (type(exc).__name__, str(exc))
        parked = [json.dumps([m.data, dict(m.headers), target], default=str) for m, target in publisher.sent]
        return answer, list(CALLS), parked


def flask_request(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Any:
    """The Flask request Werkzeug's test client would build, without the framework around it."""
    built = EnvironBuilder(method=method, path=url, headers=list(headers.items()), data=body)
    return flask.Request(built.get_environ())


VARIANTS: dict[tuple[Config, bool], Variant] = {}


def variant(config: Config, fast: bool) -> Variant:
    found = VARIANTS.get((config, fast))
    if found is None:
        found = VARIANTS[(config, fast)] = Variant(config, fast)
    return found


# ------------------------------------------------------------------------------------ requests
# (kind, method, url, headers, body)
Sent = tuple[str, str, str, dict[str, str], "bytes | None"]


class Draw:
    """Draws for one request: a plain one (about one in two) takes the common value of every
    choice, so that the lanes' case stays frequent however many variations a request has."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.plain = draw(st.booleans())

    def __call__(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.draw(strategy)

    def pick(self, common: Any, *others: Any) -> Any:
        return common if self.plain else self.draw(mostly(common, *others))

    def maybe(self, usual: bool = False) -> bool:
        """A variation that is absent (or, with `usual`, present) from a plain request."""
        return usual if self.plain else bool(self.draw(mostly(usual, not usual)))


CONFIGS = mostly(
    COMMON, ("all", False, "", "drop"), ("all", False, "", "orders-dlq"),
    ("all", True, "", None), ("http", False, "", None), ("events", False, "", None),
    ("all", False, "/api", None), ("events", True, "", "drop"),
)
PATHS = (
    ("POST", "/orders/ord-42/"), ("POST", "/orders"), ("GET", "/r/7"), ("POST", "/orders/a%2Fb"),
    ("POST", "/orders/x/y"), ("GET", "/orders/1"), ("HEAD", "/r/7"), ("PUT", "/orders/static"),
    ("POST", "/orders/static"), ("POST", "/orders/qu%22ote"), ("POST", "/orders/%C3%A9"),
    ("POST", "/nowhere"), ("POST", "/api/orders/ord-42"), ("POST", "/"),
)
CONTENT_TYPES = (None, "Application/JSON", "application/json; charset=utf-8", "text/plain", "application/xml")
QUERIES = ("source=web", "qty=9", "id=zz", "%71ty=9", "a+b=1", "mode=raise", "x=1&qty")
TOKENS = (None, "Bearer bad", "Bearer down")
EVENT_PATHS = ("/orders", "/orders/ord-1", "/elsewhere", "/projects/p/topics/audit", "/api", "/r/7")


def body_text(draw: Draw) -> str | None:
    """An order's JSON (its handler's outcome by `mode`); else what the model or limits refuse."""
    common = ["none", "none", "created", "dict"]
    mode = draw(st.sampled_from(common if draw.plain else [*common, *MODE_NAMES]))
    body: dict[str, Any] = {"qty": draw.pick(3, 1, "4", "x", 2.0, -1)}
    if draw.maybe(usual=True):
        body["id"] = draw.pick("in-body", 5)
    body["mode"] = mode
    if draw.maybe():
        body["extra"] = draw(st.sampled_from([[[[1]]], {"deep": [[{"a": [1]}]]}, "z" * 80, "[" * 40]))
    text = json.dumps(body, separators=(",", ":") if draw(st.booleans()) else None)
    picked: str | None = draw.pick(text, " " + text, "{}", "[1]", "{bad", None, "", text + "]", "\ufeff" + text)
    return picked


@st.composite
def http_requests(draw: st.DrawFn) -> Sent:
    one = Draw(draw)
    method, path = one.pick(("POST", "/orders/ord-42"), *PATHS)
    headers: dict[str, str] = {"Accept": "application/json"}
    content_type = one.pick("application/json", *CONTENT_TYPES)
    if content_type is not None:
        headers[one.pick("Content-Type", "content-type")] = content_type
    if draw(st.booleans()):
        headers[one.pick("X-Correlation-Id", "x-correlation-id")] = one.pick("corr-1", "")
    if draw(st.booleans()):
        headers["Idempotency-Key"] = one.pick("idem-1", "")
    if one.maybe(usual=True):
        headers["Function-Execution-Id"] = one.pick("exec-1", "")
    if one.maybe():  # events' marks on a bound route: HTTP all the same
        headers.update({"ce-specversion": "1.0", "ce-type": PUBLISHED, "ce-id": "e", "ce-source": "//x"})
    if one.maybe():
        headers["Authorization"] = draw(st.sampled_from(["Bearer good", "Bearer bad"]))
    text = body_text(one)
    body = text.encode() if text is not None else None
    if one.maybe():
        body = b"\xff" + (body or b"")  # not UTF-8
    query = one.pick("", *QUERIES)
    return "http", method, path + ("?" + query if query else ""), headers, body


def pubsub_message(draw: Draw) -> Any:
    text = body_text(draw)
    message: dict[str, Any] = {}
    if text is not None:
        data = base64.b64encode(text.encode()).decode()
        message["data"] = draw.pick(data, data.rstrip("="), "not base64!", 42, "")
    key = draw.pick("messageId", "message_id", None)
    if key is not None:
        message[key] = draw.pick("m-1", "")
    attributes = draw.pick(
        draw(st.sampled_from([None, {}, {"origin": "billing"}, {"x-correlation-id": "c-9"}])),
        {"X-Correlation-Id": ""}, {"content-type": "text/plain"}, {"content-type": "application/json"},
        {"Content-Type": ""}, {"portside-schedule": "tick"}, {"portside-topic": "orders.ingest"}, {"a": 5}, [],
    )
    if attributes is not None:
        message["attributes"] = attributes
    if draw(st.booleans()):
        message["publishTime"] = "2026-01-01T00:00:00Z"
    if draw.maybe():
        message["orderingKey"] = "k-1"
    return draw.pick(message, "not a message", None)


def envelope(draw: Draw) -> dict[str, Any]:
    document: dict[str, Any] = {"message": pubsub_message(draw)}
    name = draw.pick(draw(st.sampled_from(["orders", "audit-push"])), "audit", "ordered", "slow", "any",
                     "unknown", "", None)
    if name is not None:
        document["subscription"] = f"projects/p/subscriptions/{name}" if name else ""
    if draw.maybe():
        document["deliveryAttempt"] = draw(st.sampled_from([2, "3", 0]))
    return document


def encoded(draw: Draw, document: Any) -> bytes | None:
    body = json.dumps(document).encode()
    picked: bytes | None = draw.pick(body, b"", None, b"[1]", b"{bad", b"  " + body, body + b"x")
    return picked


@st.composite
def cloudevent_requests(draw: st.DrawFn) -> Sent:
    one = Draw(draw)
    headers: dict[str, str] = {"ce-specversion": one.pick("1.0", "")}
    if one.maybe(usual=True):
        headers["ce-id"] = "e-1"
    topic = one.pick("orders-topic", "tick-topic", "audit", "unknown", None)
    headers["ce-source"] = f"//pubsub.googleapis.com/projects/p/topics/{topic}" if topic else "//storage/b"
    headers["ce-type"] = one.pick(PUBLISHED, "google.cloud.audit.log.v1.written")
    content_type = one.pick("application/json", None, "application/json; charset=utf-8", "text/plain")
    if content_type is not None:
        headers["Content-Type"] = content_type
    if draw(st.booleans()):
        headers["ce-subscription"] = "projects/p/subscriptions/orders"
    if one.maybe():
        headers["X-Correlation-Id"] = draw(st.sampled_from(["corr-http", ""]))
    if one.maybe():
        headers["ce-correlationid"] = "corr-ce"
    token = one.pick("Bearer good", *TOKENS)
    if token is not None:
        headers["Authorization"] = token
    if draw(st.booleans()):
        headers["Function-Execution-Id"] = "exec-2"
    method = one.pick("POST", "PUT", "GET")
    return "cloudevent", method, one.pick("/", *EVENT_PATHS), headers, encoded(one, envelope(one))


@st.composite
def push_requests(draw: st.DrawFn) -> Sent:
    one = Draw(draw)
    headers: dict[str, str] = {}
    content_type = one.pick(draw(st.sampled_from(["application/json", None])), "text/json",
                            "application/cloudevents+json", "application/json; charset=utf-8")
    if content_type is not None:
        headers["Content-Type"] = content_type
    token = one.pick("Bearer good", *TOKENS)
    if token is not None:
        headers["Authorization"] = token
    document: Any = envelope(one)
    if one.maybe():
        document["context"] = {"eventId": "1"}
    method = one.pick("POST", "PUT")
    return "push", method, one.pick("/", *EVENT_PATHS), headers, encoded(one, document)


REQUESTS = st.one_of(http_requests(), cloudevent_requests(), push_requests())
def masked(value: Any) -> str:
    """`value` as JSON with ids portside generated masked: the two runs draw different ones."""
    return GENERATED_ID.sub("<generated>", json.dumps(value, default=repr))


# ------------------------------------------------------------------------------------ the property
@settings(max_examples=600, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(CONFIGS, REQUESTS, mostly(True, False))
def test_a_request_gets_the_same_answer_with_or_without_the_fast_path(
    config: Config, request: Sent, framework: bool
) -> None:
    fast_answer, fast_calls, fast_parked = variant(config, True).send(request, framework)
    slow_answer, slow_calls, slow_parked = variant(config, False).send(request, framework)
    assert masked(fast_answer) == masked(slow_answer)
    assert fast_calls == slow_calls  # each handler ran once, with the same model
    assert masked(fast_parked) == masked(slow_parked)


def test_a_third_or_more_of_the_generated_requests_take_the_lane() -> None:
    """The property above is only worth its examples if the lanes' case is frequent."""
    target = variant(COMMON, True).target
    fast = target.fast
    assert fast is not None
    taken: dict[str, list[bool]] = {"http": [], "cloudevent": [], "push": []}
    kind = [""]

    def counting(flask_request: Any) -> Any:
        answer = fast(flask_request)
        taken[kind[0]].append(answer is not MISS)
        return answer

    target.fast = counting
    try:
        @settings(max_examples=300, database=None, derandomize=True, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(REQUESTS)
        def send(request: Sent) -> None:
            kind[0] = request[0]
            variant(COMMON, True).send(request)

        send()
    finally:
        target.fast = fast
    every = [hit for hits in taken.values() for hit in hits]
    assert sum(every) >= len(every) / 3, {k: (sum(v), len(v)) for k, v in taken.items()}
    for name, hits in taken.items():
        assert sum(hits) >= len(hits) / 4, (name, sum(hits), len(hits))


# ------------------------------------------------------------------------------------ the lane is taken


# What the general path builds and the lane does not.
BUILT = ("Message.__init__", "Headers.__init__", "Request.__init__", "HttpRequest.__init__",
         "Batch.__init__", "Inbound.__init__", "CloudEvent.__init__", "Received.__init__", "Source.__init__",
         "HttpResponse.__init__", "Settlement.__init__")
OURS = ("portside.", "kit.", "portside_gcp.")
ORDER = json.dumps({"id": "ord-42", "qty": 3, "mode": "created"}).encode()


def _taken(target: Target, request: Callable[[], Any]) -> list[str]:
    assert target.fast is not None and target.fast(request()) is not MISS
    target(request())  # warm
    CALLS.clear()
    calls = list(calls_during(target, request()))
    assert len(CALLS) == 1, CALLS
    built = [call for call in calls if call.startswith(OURS) and call.endswith(BUILT)]
    assert built == [], built
    return calls


def test_a_common_http_request_takes_the_lane_and_builds_no_message() -> None:
    target = variant(COMMON, True).target
    headers = {"content-type": "application/json", "function-execution-id": "exec-1"}
    calls = _taken(target, lambda: flask_request("POST", "/orders/ord-42", headers, ORDER))
    ours = [call for call in calls if call.startswith(OURS)]
    assert len(ours) <= 12, ours


def test_a_common_cloudevent_and_push_take_the_lane_and_build_no_message() -> None:
    target = variant(("all", True, "", None), True).target  # verified, as deployments should be
    data = base64.b64encode(json.dumps({"id": "o-1", "qty": 1}).encode()).decode()
    envelope = json.dumps({"message": {"data": data, "messageId": "m-7", "attributes": {}},
                           "subscription": "projects/p/subscriptions/orders"}).encode()
    event = {"ce-specversion": "1.0", "ce-id": "m-7", "ce-type": PUBLISHED,
             "ce-source": "//pubsub.googleapis.com/projects/p/topics/orders-topic",
             "content-type": "application/json", "authorization": "Bearer good"}
    push = {"content-type": "application/json", "authorization": "Bearer good"}
    for headers in (event, push):
        _taken(target, lambda headers=headers: flask_request("POST", "/", headers, envelope))  # type: ignore[misc]
        answer = target(flask_request("POST", "/", headers, envelope))
        assert answer.status_code == 200 and answer.json["state"] == "acknowledged"
        assert answer.json["message_id"] == answer.json["correlation_id"] == "m-7"


def test_an_app_whose_handlers_read_more_than_their_model_has_no_fast_path() -> None:
    only = Service("no-lanes")

    @only.handler("t")
    def handle(order: Order, message: Message) -> None:
        return None

    app = App(only, [http("POST /t", "t"), queue("q", "t")], adapter="gcp")
    assert app.lanes == {} and Target(app, GcpSettings()).fast is None
