"""The fast lanes (portside.lanes) never change what an Azure function does.

Every request or message is handed twice to the function the generated FunctionApp registered
for its trigger: once as built (with its fast path), once by a FunctionApp whose EntryPoints have
none (the shapes' general path). The native answers (the `func.HttpResponse`, or returning /
raising for redelivery), the handler calls and what was dead-lettered must be the same. The
`func.*` objects are decoded by azure-functions' own converters from the datums the host sends,
as the testing kit builds them, around the common case the lanes serve and with the variations
that must send a request or message back to the general path (route values to re-encode, URLs
`urlsplit` reads its own way, other content types, query parameters the model reads, bodies the
model refuses or that are not UTF-8, envelopes, properties...), and handlers that return every
kind of result or raise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import azure.functions as func
import pytest
from azure.functions import meta
from azure.functions.http import HttpRequestConverter, HttpResponseConverter
from azure.functions.queue import QueueMessageInConverter
from azure.functions.servicebus import ServiceBusMessageInConverter
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from portside import App, Limits, Service, http, queue, subscription
from portside.kit import MISS, EntryPoint, Outgoing
from portside.publisher import InMemoryPublisher
from portside_azure import functionapp
from portside_azure.functionapp import entry_point, generated
from portside_azure.plan import HTTP, SERVICEBUS_QUEUE, SERVICEBUS_TOPIC, STORAGE_QUEUE, Spec
from portside_azure.testing_kit import Context, storage_queue_message
from tests.lane_cases import (
    GENERATED_ID,
    MODES,
    Order,
    RaisingValidator,
    Recorder,
    calls_during,
    http_bindings,
    mostly,
    register,
)

HOST = "https://lanes.azurewebsites.net/api"


# Small limits, so bodies over them (or possibly too deep) are generated: the lanes' cheap checks
# must send them to the general path, which answers too_large / invalid.
LIMITS = Limits(max_body_bytes=2000, max_depth=8)


def build(recorder: Recorder, dead_letter: str | None = None) -> App:
    service = Service("lanes")

    register(service, recorder)

    app = App(
        service,
        [
            *http_bindings(),
            queue("orders", "orders.ingest", dead_letter=dead_letter),
            queue("sb-orders", "orders.ingest", dead_letter=dead_letter, azure={"service": "servicebus"}),
            queue("sb-ordered", "orders.ingest", dead_letter=dead_letter, ordered=True,
                  azure={"service": "servicebus"}),
            subscription("order-events", "orders.ingest", azure={"subscription": "lanes"}),
        ],
        adapter="azure",
        limits=LIMITS,
    )
    app.publisher = InMemoryPublisher()
    return app


Function = Callable[[Any, Any], Any]


def functions(app: App, *, fast: bool) -> dict[tuple[str, str | None], Function]:
    """(trigger kind, binding name) -> the generated function; without fast paths when not `fast`."""
    with pytest.MonkeyPatch.context() as patch:
        if not fast:
            patch.setattr(functionapp, "fast_path", lambda spec: None)
        function_app = functionapp.build(app, {})
    return {
        (spec.kind, getattr(spec.binding, "name", None)): function
        for spec, function in generated(function_app).values()
    }


def answer_of(function: Function, native: Any, context: Context) -> Any:
    """What the host gets: the HttpResponse as the worker encodes it, None, or the exception."""
    try:
        answer = function(native, context)
    except Exception as exc:  # RedeliveryRequested: its class, text and states
        return [type(exc).__name__, str(exc), [s.value for s in getattr(exc, "states", [])]]
    if isinstance(answer, func.HttpResponse):
        return [answer.status_code, answer.mimetype, answer.charset, list(answer.headers.items()),
                answer.get_body(), encoded(answer)]
    return answer


def encoded(answer: func.HttpResponse) -> Any:
    value = HttpResponseConverter.encode(answer, expected_type=func.HttpResponse).value
    cookies = [morsel.OutputString() for cookie in value.get("cookies") or [] for morsel in cookie.values()]
    return [value["status_code"].value, {n: d.value for n, d in value["headers"].items()}, cookies]


Run = tuple[Any, Recorder, App]


def both(key: tuple[str, str | None], native: Any, dead_letter: str | None = None) -> tuple[Run, Run]:
    """(answer, handler calls, App) with the fast path, then without it, for one native input."""
    context = Context(key[0])  # one invocation id for both
    runs = []
    for fast in (True, False):
        recorder = Recorder()
        app = build(recorder, dead_letter)
        runs.append((answer_of(functions(app, fast=fast)[key], native, context), recorder, app))
    return runs[0], runs[1]


def masked(value: Any) -> str:
    """`value` as JSON text with ids portside generated masked: the two runs draw different ones."""
    text = json.dumps(value, default=lambda v: v.decode("latin-1") if isinstance(v, bytes) else str(v))
    return GENERATED_ID.sub("<generated>", text)


def dead_lettered(app: App) -> list[str]:
    sent = app.publisher.sent  # type: ignore[attr-defined]
    return sorted(masked([m.data, dict(m.headers), target]) for m, target in sent)


def assert_same(fast: Run, slow: Run) -> None:
    assert masked(fast[0]) == masked(slow[0])
    assert fast[1].calls == slow[1].calls  # each handler ran once, with the same model
    assert dead_lettered(fast[2]) == dead_lettered(slow[2])


def took_the_lane(key: tuple[str, str | None], native: Any) -> bool:
    """True when the function's fast path answers `native` (the shapes never read it)."""
    app = build(Recorder())
    spec = next(spec for spec, _ in generated(app.entry_point).values()
                if (spec.kind, getattr(spec.binding, "name", None)) == key)
    fast = entry_point(app, spec).fast
    if fast is None:
        return False
    try:
        return fast(native, Context(key[0])) is not MISS
    except Exception:  # raised for redelivery: answered too
        return True


def tally(took: bool) -> bool:
    event("takes the lane" if took else "general path")  # --hypothesis-show-statistics
    return took


def assert_biased(taken: list[bool]) -> None:
    """The generated inputs really exercise the lanes: a third or more of them take one."""
    assert sum(taken) * 3 >= len(taken), f"{sum(taken)} of {len(taken)} inputs took the lane"


@st.composite
def bodies(draw: st.DrawFn, ids: st.SearchStrategy[Any]) -> bytes:
    """JSON orders mostly, with what a model refuses, possible envelopes, deep or long bodies,
    text that is not JSON and bytes that are not UTF-8. `ids`: the order's id, or "absent"."""
    body: dict[str, Any] = {"qty": draw(mostly(3, 1, "4", "x", 2.0, -1))}
    found = draw(ids)
    if found != "absent":
        body["id"] = found
    mode = draw(MODES)
    if mode != "none" or draw(st.booleans()):  # else the model's default
        body["mode"] = mode
    if draw(mostly(False, True)):
        body["extra"] = draw(st.sampled_from(
            [[[[1]]], {"deep": [[{"a": [1]}]]}, [[[[[[[[[1]]]]]]]]], "z" * 80, "z" * 600, "z" * 2100,
             "[" * 12, "é" * 30, "é" * 150, '"specversion"']
        ))
    compact = (",", ":") if draw(st.booleans()) else None
    text = json.dumps(body, separators=compact, ensure_ascii=draw(st.booleans()))
    data = text.encode()
    chosen: bytes = draw(mostly(data, b" " + data, b"{}", b"[1]", b"{bad", b"", data + b"]", b"\xff" + data,
                                "\ufeff".encode() + data))
    return chosen


# ------------------------------------------------------------------------------------ HTTP
ROUTES = mostly(("POST", "orders/ord-42"),
    ("POST", "orders/ord-42/"), ("POST", "orders"), ("GET", "r/7"), ("POST", "orders/a%2Fb"),
    ("POST", "/orders/x"), ("POST", "orders//x"), ("POST", "orders/x/y"), ("GET", "orders/1"),
    ("HEAD", "r/7"), ("HEAD", "h/7"), ("PUT", "orders/static"), ("POST", "orders/static"), ("post", "orders/q"),
    ("POST", 'orders/qu"ote'), ("POST", "orders/back\\slash"), ("POST", "orders/é"), ("POST", "nowhere"),
    ("POST", "orders/sp ace"), ("POST", "orders/per%25cent"), ("POST", "orders/a;b=c"), ("POST", ""),
    times=6,
)
CONTENT_TYPES = mostly(
    "application/json", None, "Application/JSON", "application/json; charset=utf-8", "text/plain",
    "application/xml", "application/x-www-form-urlencoded", times=5,
)
# The URL's tail (query, fragment) and the host's params; `None`: the params the URL's query gives
QUERIES = mostly(
    ("", None), ("?source=web", None), ("?qty=9", None), ("?id=zz", None), ("?%71ty=9", None),
    ("?a+b=1", None), ("?mode=raise", None), ("?x=1&qty", None), ("?code=the-key", None),
    ("#frag", None), ("?qty=9#frag", None), ("?a=[1]", None), ("?x=\t1", None), ("?q=é", None),
    ("", {"qty": "9"}), ("", {"source": "web"}), ("", {"mode": "created"}), ("?source=web", {"qty": "9"}),
    times=6,
)
# Where the host says the request went: hosts `urlsplit` refuses (an unclosed IPv6 bracket, a
# full-width colon) fail the general path's reading (a 500), so the lanes must not answer them.
HOSTS = mostly(HOST, "https://[::1/api", "https://lanes\uff1a8080/api", times=8)


@st.composite
def http_requests(draw: st.DrawFn) -> func.HttpRequest:
    """A request as the worker decodes the host's (or, now and then, one a test builds)."""
    method, route = draw(ROUTES)
    tail, params = draw(QUERIES)
    if params is None:  # the host's: the URL's query, single-valued
        query = tail.lstrip("?").partition("#")[0]
        params = dict(pair.partition("=")[::2] for pair in query.split("&") if pair)
    headers: dict[str, str] = {"accept": "application/json", "host": "lanes.azurewebsites.net"}
    content_type = draw(CONTENT_TYPES)
    if content_type is not None:
        headers[draw(mostly("content-type", "Content-Type"))] = content_type
    if draw(st.booleans()):
        headers[draw(mostly("x-correlation-id", "X-Correlation-Id"))] = draw(mostly("corr-1", ""))
    if draw(st.booleans()):
        headers["idempotency-key"] = draw(st.sampled_from(["idem-1", ""]))
    if draw(mostly(False, True)):
        headers["x-functions-key"] = "the-key"
    body = draw(bodies(mostly("absent", "in-body", 5)))  # absent: the path's, or none (refused)
    url = f"{draw(HOSTS)}/{route.lstrip('/')}{tail}"
    made = draw(mostly("converter", "by hand", "no route value", times=8))
    if made == "by hand":  # not by the worker's converter: the class azure.functions exports
        return func.HttpRequest(method, url, headers=headers, params=params, route_params={"path": route},
                                body=body)
    datum = meta.Datum(type="http", value={
        "method": meta.Datum(method, "string"),
        "url": meta.Datum(url, "string"),
        "headers": {name: meta.Datum(value, "string") for name, value in headers.items()},
        "query": {name: meta.Datum(value, "string") for name, value in params.items()},
        "params": {} if made == "no route value" else {"path": meta.Datum(route, "string")},
        "body": text_or_bytes(body, draw(st.booleans())),
    })
    decoded: func.HttpRequest = HttpRequestConverter.decode(datum, trigger_metadata={})
    return decoded


def text_or_bytes(data: bytes, as_text: bool) -> meta.Datum:
    """The payload as the host may type it: text when it is UTF-8 (and `as_text`), else bytes."""
    if as_text:
        try:
            return meta.Datum(data.decode("utf-8"), "string")
        except UnicodeDecodeError:
            pass
    return meta.Datum(data, "bytes")


def test_an_http_request_gets_the_same_answer_with_or_without_the_fast_path() -> None:
    taken: list[bool] = []

    @settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(http_requests())
    def check(request: func.HttpRequest) -> None:
        taken.append(tally(took_the_lane((HTTP, None), request)))
        assert_same(*both((HTTP, None), request))

    check()
    assert_biased(taken)


# ------------------------------------------------------------------------------------ messages
def metadata_datums(draw: st.DrawFn, names: dict[str, Any]) -> dict[str, meta.Datum]:
    """Trigger metadata, each field now and then missing."""
    found = {}
    for name, value in names.items():
        if draw(mostly(True, False)):
            found[name] = meta.Datum(value, "int" if isinstance(value, int) else "string")
    return found


MESSAGE_IDS = mostly("ord-1", "absent", 5, times=5)


@st.composite
def storage_queue_messages(draw: st.DrawFn) -> func.QueueMessage:
    """A Storage queue message as the worker decodes it: a plain body mostly, else the envelope
    portside's publisher writes."""
    body = draw(bodies(MESSAGE_IDS))
    made = draw(mostly("converter", "envelope", "by hand", times=6))
    if made == "envelope":
        # its extension attributes hold what an order needs: only its `data` is the body
        outgoing = Outgoing(body, {"x-correlation-id": "corr-9", "qty": "2"}, id="env-1")
        return storage_queue_message(outgoing)
    if made == "by hand":
        return func.QueueMessage(id="m-1", body=body, pop_receipt="r")
    metadata = metadata_datums(draw, {"Id": "m-1", "DequeueCount": draw(st.sampled_from([1, 3])),
                                      "PopReceipt": "r"})
    decoded: func.QueueMessage = QueueMessageInConverter.decode(
        text_or_bytes(body, True), trigger_metadata=metadata
    )
    return decoded


@st.composite
def servicebus_messages(draw: st.DrawFn) -> func.ServiceBusMessage:
    """A Service Bus message as the worker decodes it, with properties as portside's publisher
    sets them mostly (topic and correlation id), else properties and content types that change
    how the body is read."""
    body = draw(bodies(MESSAGE_IDS))
    properties = draw(mostly(
        {"portside-topic": "orders.ingest", "x-correlation-id": "c-9"}, {}, {"Content-Type": "text/plain"},
        {"content-type": "application/json"}, {"portside-topic": "elsewhere"}, {"count": 5, "flag": True},
    ))
    fields: dict[str, Any] = {"MessageId": "sb-1", "DeliveryCount": draw(st.sampled_from([1, 4])),
                              "SessionId": "session-1", "CorrelationId": "broker-corr"}
    if draw(mostly(True, False)):
        fields["ContentType"] = draw(mostly("application/json", "", "text/plain",
                                            "application/json; charset=utf-8"))
    metadata = metadata_datums(draw, fields)
    metadata["ApplicationProperties"] = meta.Datum(json.dumps(properties), "json")
    metadata["UserProperties"] = meta.Datum(json.dumps(properties), "json")
    if draw(mostly(False, True, times=8)):  # by hand: the class azure.functions exports
        return func.ServiceBusMessage(body=body, content_type=fields.get("ContentType"))
    decoded = ServiceBusMessageInConverter.decode(text_or_bytes(body, True), trigger_metadata=metadata)
    assert isinstance(decoded, func.ServiceBusMessage)
    return decoded


MESSAGE_FUNCTIONS = {
    (STORAGE_QUEUE, "orders"): storage_queue_messages(),
    (SERVICEBUS_QUEUE, "sb-orders"): servicebus_messages(),
    (SERVICEBUS_QUEUE, "sb-ordered"): servicebus_messages(),
    (SERVICEBUS_TOPIC, "order-events"): servicebus_messages(),
}


@st.composite
def messages(draw: st.DrawFn) -> tuple[tuple[str, str | None], Any]:
    key = draw(st.sampled_from(sorted(MESSAGE_FUNCTIONS)))
    return key, draw(MESSAGE_FUNCTIONS[key])


def test_a_message_settles_the_same_with_or_without_the_fast_path() -> None:
    taken: list[bool] = []

    @settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(messages(), st.sampled_from([None, "drop", "orders-dlq"]))
    def check(keyed: tuple[tuple[str, str | None], Any], dead_letter: str | None) -> None:
        key, native = keyed
        taken.append(tally(took_the_lane(key, native)))
        assert_same(*both(key, native, dead_letter))

    check()
    assert_biased(taken)


# ------------------------------------------------------------------------------------ the lane is taken


OURS = ("portside.", "kit.", "portside_azure.")


def common_request() -> func.HttpRequest:
    datum = meta.Datum(type="http", value={
        "method": meta.Datum("POST", "string"),
        "url": meta.Datum(f"{HOST}/orders/ord-42?source=web", "string"),
        "headers": {"content-type": meta.Datum("application/json", "string"),
                    "user-agent": meta.Datum("curl/8.5.0", "string")},
        "query": {"source": meta.Datum("web", "string")},
        "params": {"path": meta.Datum("orders/ord-42", "string")},
        "body": meta.Datum('{"qty":3,"mode":"created"}', "string"),
    })
    decoded: func.HttpRequest = HttpRequestConverter.decode(datum, trigger_metadata={})
    return decoded


def test_a_common_request_takes_the_lane_and_builds_no_message() -> None:
    recorder = Recorder()
    function = functions(build(recorder), fast=True)[(HTTP, None)]
    context = Context("http")
    answer = function(common_request(), context)  # warm
    assert answer.status_code == 201 and json.loads(answer.get_body()) == {"id": "ord-42"}
    assert answer.headers["x-correlation-id"] == context.invocation_id
    calls = [c for c in calls_during(function, common_request(), context) if c.startswith(OURS)]
    assert not [c for c in calls if c.endswith("__init__")], calls  # no Message, HttpRequest...
    # function, entry, fast path, lane, router, the handler and its result: a short, fixed walk
    assert len(calls) <= 14, calls
    assert recorder.calls == [("create", "ord-42", 3, "created")] * 2


@pytest.mark.parametrize("key", sorted(MESSAGE_FUNCTIONS))
def test_a_common_message_takes_the_lane_and_builds_no_message(key: tuple[str, str | None]) -> None:
    recorder = Recorder()
    function = functions(build(recorder), fast=True)[key]
    body = '{"id":"o-1","qty":1}'
    if key[0] == STORAGE_QUEUE:
        native: Any = QueueMessageInConverter.decode(
            meta.Datum(body, "string"), trigger_metadata={"Id": meta.Datum("m-1", "string")})
    else:
        native = ServiceBusMessageInConverter.decode(meta.Datum(body, "string"), trigger_metadata={
            "MessageId": meta.Datum("m-1", "string"), "ContentType": meta.Datum("application/json", "string"),
            "UserProperties": meta.Datum(json.dumps({"x-correlation-id": "c-1"}), "json"),
            "ApplicationProperties": meta.Datum(json.dumps({"x-correlation-id": "c-1"}), "json"),
        })
    assert function(native, Context(key[0])) is None
    calls = [c for c in calls_during(function, native, Context(key[0])) if c.startswith(OURS)]
    assert not [c for c in calls if c.endswith("__init__")], calls  # no Message, Inbound, Batch...
    # function, entry, fast path, the shape's common-case check (properties: two more)
    assert len(calls) <= 10, calls
    assert recorder.calls == [("ingest", "o-1", 1, "none")] * 2


def test_a_failed_message_is_dead_lettered_once_and_the_handler_is_not_run_again() -> None:
    recorder = Recorder()
    app = build(recorder, dead_letter="orders-dlq")
    function = functions(app, fast=True)[(STORAGE_QUEUE, "orders")]

    def deliver(message_id: str, body: str) -> Any:
        native = QueueMessageInConverter.decode(
            meta.Datum(body, "string"), trigger_metadata={"Id": meta.Datum(message_id, "string")})
        return answer_of(function, native, Context(STORAGE_QUEUE))

    # Refused by the handler: dead-lettered, and the host deletes it (the function returns).
    assert deliver("a", '{"id":"a","qty":1,"mode":"invalid"}') is None
    # The handler raised: retried (the function raises, so the host redelivers it).
    name, text, states = deliver("b", '{"id":"b","qty":1,"mode":"raise"}')
    assert name == "RedeliveryRequested" and "ids: b" in text and states == ["retried"]
    assert [call[1] for call in recorder.calls] == ["a", "b"]
    sent = app.publisher.sent  # type: ignore[attr-defined]
    assert [(message.data, target) for message, target in sent] == [
        (b'{"id":"a","qty":1,"mode":"invalid"}', "orders-dlq")
    ]


def test_an_app_without_lanes_has_no_fast_path() -> None:
    service = Service("mw")

    @service.handler("t")
    def handle(order: Order) -> None:
        return None

    app = App(service, [http("POST /t", "t"), queue("q", "t")], adapter="azure",
              middleware=[lambda message, call_next: call_next(message)])
    assert app.lanes == {}
    for spec in (Spec("http", HTTP, None), Spec("queue_q", STORAGE_QUEUE, app.bindings.queue("q"))):
        entry: EntryPoint = entry_point(app, spec)
        assert entry.fast is None


@pytest.mark.parametrize("identifier", ["fine", "boom"])
def test_a_validator_that_raises_settles_alike(identifier: str) -> None:
    """Such a message goes to the general path, which answers it as a handler failure: it
    never escapes the fast path as an exception of its own."""
    outcomes = []
    for fast in (True, False):
        service = Service("validators")

        @service.handler("t")
        def handle(body: RaisingValidator) -> None:
            return None

        app = App(service, [queue("orders", "t")], adapter="azure")
        native = QueueMessageInConverter.decode(
            meta.Datum(json.dumps({"id": identifier}), "string"),
            trigger_metadata={"Id": meta.Datum("m-1", "string")},
        )
        outcomes.append(masked(answer_of(functions(app, fast=fast)[(STORAGE_QUEUE, "orders")],
                                         native, Context(STORAGE_QUEUE))))
    assert outcomes[0] == outcomes[1]
