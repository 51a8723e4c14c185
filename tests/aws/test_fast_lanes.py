"""The fast lanes (portside.lanes) never change an answer.

Every event is answered twice, by the Lambda entry point with its fast path and by one without
it (the shapes' general path), and the two native answers, the handler calls and what was
dead-lettered must be the same. The events are generated around the common case the lanes
serve, with the variations that must send a request or record back to the general path (header
names in capitals, other content types, query parameters the model reads, encoded paths, bodies
the model refuses, possible envelopes, message attributes...), and handlers that return every
kind of result or raise.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portside import App, Service, http, queue
from portside.kit import MISS, EntryPoint
from portside.publisher import InMemoryPublisher
from portside_aws.entry import entry_point
from portside_aws.settings import AwsSettings
from tests.lane_cases import (
    MODES,
    Order,
    RaisingValidator,
    Recorder,
    calls_during,
    http_bindings,
    mostly,
    register,
    without_generated_ids,
)

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"
OTHER_ARN = "arn:aws:sqs:us-east-1:123456789012:elsewhere"


def build(recorder: Recorder, dead_letter: str | None = None) -> App:
    service = Service("lanes")

    register(service, recorder)

    app = App(
        service,
        [
            *http_bindings(),
            queue("orders", "orders.ingest", dead_letter=dead_letter),
        ],
        adapter="aws",
    )
    app.publisher = InMemoryPublisher()
    return app


def general(app: App) -> EntryPoint:
    """The same entry point without its fast path: every event through the shapes."""
    entry = entry_point(app, AwsSettings())
    entry.fast = None
    return entry


class Context:
    aws_request_id = "lambda-request-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lanes"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def both(event_json: str, dead_letter: str | None = None) -> tuple[Any, Any, Recorder, Recorder, list[App]]:
    """(fast answer, general answer, their handler calls, the two Apps) for one event."""
    answers = []
    recorders = []
    apps = []
    for fast in (True, False):
        recorder = Recorder()
        app = build(recorder, dead_letter)
        entry = entry_point(app, AwsSettings()) if fast else general(app)
        try:
            answer: Any = entry(json.loads(event_json), Context())
        except Exception as exc:  # Redeliver: compare its class and text
            answer = (type(exc).__name__, str(exc))
        answers.append(answer)
        recorders.append(recorder)
        apps.append(app)
    return answers[0], answers[1], recorders[0], recorders[1], apps


# ------------------------------------------------------------------------------------ HTTP
PATHS = mostly(("POST", "/orders/ord-42"),
    ("POST", "/orders/ord-42"), ("POST", "/orders/ord-42/"), ("POST", "/orders"), ("GET", "/r/7"),
    ("POST", "/orders/a%2Fb"), ("POST", "//orders/x"), ("POST", "/orders/x/y"), ("GET", "/orders/1"),
    ("HEAD", "/r/7"), ("HEAD", "/h/7"), ("PUT", "/orders/static"), ("POST", "/orders/static"),
    ("post", "/orders/q"),
    ("POST", '/orders/qu"ote'), ("POST", "/orders/back\\slash"), ("POST", "/orders/é"),
    ("POST", "/nowhere"), ("POST", "/orders/sp ace"),
)
CONTENT_TYPES = mostly(
    "application/json", None, "Application/JSON", "application/json; charset=utf-8", "text/plain",
    "application/xml",
)
QUERIES = mostly("source=web", "", "qty=9", "id=zz", "%71ty=9", "a+b=1", "mode=raise", "x=1&qty")


@st.composite
def bodies(draw: st.DrawFn) -> str | None:
    mode = draw(MODES)
    body: dict[str, Any] = {"qty": draw(mostly(3, 1, "4", "x", 2.0, -1))}
    if draw(st.booleans()):
        body["id"] = draw(st.sampled_from(["in-body", 5]))
    body["mode"] = mode
    if draw(mostly(False, True)):
        body["extra"] = draw(st.sampled_from([[[[1]]], {"deep": [[{"a": [1]}]]}, "z" * 80, "[" * 40]))
    text = json.dumps(body, separators=(",", ":") if draw(st.booleans()) else None)
    return draw(mostly(text, " " + text, "{}", "[1]", "{bad", None, "", text + "]"))


@st.composite
def http_events(draw: st.DrawFn) -> str:
    method, path = draw(PATHS)
    headers: dict[str, Any] = {"accept": "application/json", "host": "example.com"}
    content_type = draw(CONTENT_TYPES)
    if content_type is not None:
        headers[draw(mostly("content-type", "Content-Type"))] = content_type
    if draw(st.booleans()):
        headers[draw(mostly("x-correlation-id", "X-Correlation-Id"))] = draw(mostly("corr-1", 7))
    if draw(st.booleans()):
        headers["idempotency-key"] = draw(st.sampled_from(["idem-1", ""]))
    if draw(mostly(False, True)):
        headers["x-odd"] = draw(st.sampled_from([None, 5]))
    if draw(st.booleans()):  # capitals in a name no lane reads (AWS's own samples have them)
        headers["User-Agent"] = "curl/8.5.0"
    body = draw(bodies())
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": draw(QUERIES),
        "headers": headers,
        "requestContext": {
            "http": {"method": method, "path": path},
            "requestId": draw(mostly("req-1", "", None)),
            "stage": draw(mostly("$default", "prod")),
            "domainName": "abc.execute-api.us-east-1.amazonaws.com",
        },
        "isBase64Encoded": False,
    }
    if draw(st.booleans()):
        event["cookies"] = ["a=1", "b=2"]
    return with_body(draw, event, body)


def with_body(draw: st.DrawFn, event: dict[str, Any], body: str | None) -> str:
    """The event as JSON with its body: as drawn, or now and then flagged base64."""
    if body is not None:
        event["body"] = body
    if draw(st.integers(0, 9)) == 0:
        event["isBase64Encoded"] = True
        event["body"] = "eyJxdHkiOjF9"
    return json.dumps(event)


def answered_alike(event: str) -> None:
    """The event gets the same answer, and the same handler calls, with and without lanes."""
    fast, slow, fast_calls, slow_calls, _ = both(event)
    assert without_generated_ids(fast) == without_generated_ids(slow)
    assert fast_calls.calls == slow_calls.calls  # each handler ran once, with the same model


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(http_events())
def test_an_http_request_gets_the_same_answer_with_or_without_the_fast_path(event: str) -> None:
    answered_alike(event)


# ------------------------------------------------------------------------------------ REST API
@st.composite
def rest_events(draw: st.DrawFn) -> str:
    """REST API (payload 1.0) events: header names as clients spell them, the multi-value maps
    the general reader prefers when they have entries, and the query as maps."""
    method, path = draw(PATHS)
    headers: dict[str, Any] = {"Accept": "application/json", "Host": "abc.execute-api.us-east-1.amazonaws.com"}
    content_type = draw(CONTENT_TYPES)
    if content_type is not None:
        headers[draw(mostly("Content-Type", "content-type", "CONTENT-TYPE"))] = content_type
    if draw(st.booleans()):
        headers[draw(mostly("X-Correlation-Id", "x-correlation-id"))] = draw(mostly("corr-1", 7, None))
    if draw(st.booleans()):
        headers["Idempotency-Key"] = draw(st.sampled_from(["idem-1", ""]))
    query = draw(mostly(
        {"source": "web"}, None, {}, {"qty": "9"}, {"%71ty": "9"}, {"mode": "raise"}, {"a+b": "1"},
    ))
    event: dict[str, Any] = {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "queryStringParameters": query,
        "requestContext": {"requestId": draw(mostly("req-1", "", None)), "stage": "prod",
                           "identity": {"sourceIp": "198.51.100.7"}},
        "isBase64Encoded": False,
    }
    multi = draw(mostly("same", "absent", "empty", "repeated", "odd"))
    if multi == "same":
        event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        event["multiValueQueryStringParameters"] = (
            {name: [value] for name, value in query.items()} if query is not None else None
        )
    elif multi == "empty":
        event["multiValueHeaders"] = {}
    elif multi == "repeated":
        event["multiValueHeaders"] = {**{n: [v] for n, v in headers.items()}, "content-type": ["text/plain"]}
    elif multi == "odd":
        event["headers"] = ["not", "a", "map"]
    return with_body(draw, event, draw(bodies()))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rest_events())
def test_a_rest_api_request_gets_the_same_answer_with_or_without_the_fast_path(event: str) -> None:
    answered_alike(event)


def test_a_common_rest_api_request_takes_the_lane() -> None:
    app = build(Recorder())
    event = {
        "resource": "/orders/{id}", "path": "/orders/ord-42", "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "User-Agent": "curl/8.5.0"},
        "multiValueHeaders": {"Content-Type": ["application/json"], "User-Agent": ["curl/8.5.0"]},
        "queryStringParameters": {"source": "web"}, "multiValueQueryStringParameters": {"source": ["web"]},
        "requestContext": {"requestId": "req-1", "stage": "prod"}, "body": '{"qty":3,"mode":"created"}',
        "isBase64Encoded": False,
    }
    fast = entry_point(app, AwsSettings()).fast
    assert fast is not None
    answer = fast(dict(event), Context())
    assert answer is not MISS and answer["statusCode"] == 201
    assert answer["headers"]["x-correlation-id"] == "req-1"


# ------------------------------------------------------------------------------------ SQS
@st.composite
def sqs_records(draw: st.DrawFn) -> dict[str, Any]:
    number = draw(st.integers(0, 10_000))
    body = draw(bodies())
    record: dict[str, Any] = {
        "messageId": draw(mostly(f"m-{number}", "")),
        "receiptHandle": "h",
        "body": body if body is not None else draw(st.sampled_from([None, 5])),
        "attributes": {"ApproximateReceiveCount": draw(st.sampled_from(["1", "3"]))},
        "messageAttributes": draw(mostly(
            {}, None,
            {"content-type": {"stringValue": "text/plain", "dataType": "String"}},
            {"x-correlation-id": {"stringValue": "c-9", "dataType": "String"}},
            {"Content-Type": {"stringValue": "application/json", "dataType": "String"}},
            {"portside-topic": {"stringValue": "elsewhere", "dataType": "String"},
             "trace": {"binaryValue": "AAE=", "dataType": "Binary"}},
            {"broken": "not an attribute"},
            [],
        )),
        "eventSource": "aws:sqs",
        "eventSourceARN": draw(mostly(QUEUE_ARN, OTHER_ARN, None)),
        "awsRegion": "us-east-1",
    }
    if draw(st.integers(0, 12)) == 0:
        record["body"] = json.dumps({"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:t",
                                     "MessageId": "sns-1", "Message": json.dumps({"id": "a", "qty": 1})})
    return record


@st.composite
def sqs_events(draw: st.DrawFn) -> str:
    records: list[Any] = draw(st.lists(sqs_records(), min_size=1, max_size=8))
    if draw(st.integers(0, 15)) == 0:
        records.append("not a record")
    return json.dumps({"Records": records})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sqs_events(), st.sampled_from([None, "drop", "orders-dlq"]))
def test_an_sqs_batch_settles_the_same_with_or_without_the_fast_path(
    event: str, dead_letter: str | None
) -> None:
    fast, slow, fast_calls, slow_calls, apps = both(event, dead_letter)
    assert without_generated_ids(fast) == without_generated_ids(slow)
    # The same handler calls, perhaps in another order: the lane runs common records first.
    assert sorted(fast_calls.calls) == sorted(slow_calls.calls)
    parked = [
        sorted(json.dumps([m.data, dict(m.headers), target], default=str)
               for m, target in app.publisher.sent)  # type: ignore[attr-defined]
        for app in apps
    ]
    assert without_generated_ids(parked[0]) == without_generated_ids(parked[1])


ATTRIBUTE_VARIANTS = [
    None, {}, [], "", 0, {"broken": "not an attribute"},
    {"content-type": {"stringValue": "text/plain", "dataType": "String"}},
    {"Content-Type": {"stringValue": "application/json", "dataType": "String"}},
    {"x-correlation-id": {"stringValue": "c-9", "dataType": "String"}},
    {"portside-topic": {"stringValue": "elsewhere", "dataType": "String"}},
]


@pytest.mark.parametrize("attributes", ATTRIBUTE_VARIANTS, ids=repr)
@pytest.mark.parametrize("body", ['{"id":"a","qty":1}', '{"id":"a","qty":1,"mode":"raise"}', "plain text"])
def test_each_kind_of_message_attributes_settles_the_same(attributes: Any, body: str) -> None:
    record = {"messageId": "m-1", "body": body, "eventSource": "aws:sqs", "eventSourceARN": QUEUE_ARN,
              "messageAttributes": attributes}
    fast, slow, fast_calls, slow_calls, _ = both(json.dumps({"Records": [record]}))
    assert without_generated_ids(fast) == without_generated_ids(slow)
    assert fast_calls.calls == slow_calls.calls


def test_a_failed_record_is_dead_lettered_once_and_the_handler_is_not_run_again() -> None:
    records = [
        {"messageId": message_id, "body": body, "eventSourceARN": QUEUE_ARN, "eventSource": "aws:sqs"}
        for message_id, body in [
            ("ok", '{"id":"a","qty":1}'),
            ("boom", '{"id":"b","qty":1,"mode":"raise"}'),
            ("bad", '{"id":"c","qty":"x"}'),
        ]
    ]
    recorder = Recorder()
    app = build(recorder, dead_letter="orders-dlq")
    answer = app.entry_point({"Records": records}, Context())
    # The raising handler is retried (reported); the invalid body is dead-lettered, not reported.
    assert answer == {"batchItemFailures": [{"itemIdentifier": "boom"}]}
    assert [call[1] for call in recorder.calls] == ["a", "b"]
    sent = app.publisher.sent  # type: ignore[attr-defined]
    assert [(message.data, target) for message, target in sent] == [('{"id":"c","qty":"x"}', "orders-dlq")]


# ------------------------------------------------------------------------------------ the lane is taken


HTTP_EVENT = {
    "version": "2.0", "routeKey": "$default", "rawPath": "/orders/ord-42", "rawQueryString": "source=web",
    "headers": {"content-type": "application/json", "user-agent": "curl/8.5.0"},
    "requestContext": {"http": {"method": "POST", "path": "/orders/ord-42"}, "requestId": "req-1",
                       "stage": "$default"},
    "body": '{"qty":3,"mode":"created"}', "isBase64Encoded": False,
}


def test_a_common_request_takes_the_lane_and_builds_no_message() -> None:
    app = build(Recorder())
    entry = app.entry_point
    fast = entry_point(app, AwsSettings()).fast
    assert fast is not None and fast(dict(HTTP_EVENT), Context()) is not MISS
    entry(dict(HTTP_EVENT), Context())  # warm: shape modules imported
    calls = list(calls_during(entry, dict(HTTP_EVENT), Context()))
    assert not [c for c in calls if c.endswith("__init__")], calls  # no Message, HttpRequest...
    # entry, fast path, shape, lane, router, the handler and its result: a short, fixed walk
    assert len(calls) <= 12, calls


def test_a_common_sqs_batch_takes_the_lane_and_builds_no_message() -> None:
    app = build(Recorder())
    records = [{"messageId": f"m{i}", "body": f'{{"id":"o{i}","qty":1}}', "eventSourceARN": QUEUE_ARN,
                "eventSource": "aws:sqs", "messageAttributes": {}} for i in range(10)]
    event = {"Records": records}
    assert app.entry_point(event, Context()) == {"batchItemFailures": []}
    calls = list(calls_during(app.entry_point, event, Context()))
    assert not [c for c in calls if c.endswith("__init__")], calls
    assert len([c for c in calls if c.endswith(".ingest")]) == 10
    ours = [c for c in calls if c.startswith(("portside", "kit."))]
    # entry, fast path, predicates, the lane lookup; per record at most the envelope check
    assert len(ours) <= 8 + 10, ours


@pytest.mark.parametrize("middleware", [True, False])
def test_an_app_with_middleware_has_no_lanes(middleware: bool) -> None:
    service = Service("mw")

    @service.handler("t")
    def handle(order: Order) -> None:
        return None

    app = App(service, [http("POST /t", "t")], adapter="aws",
              middleware=[lambda message, call_next: call_next(message)] if middleware else [])
    assert (app.lanes == {}) is middleware
    assert (entry_point(app, AwsSettings()).fast is None) is middleware


@pytest.mark.parametrize("identifier", ["fine", "boom"])
def test_a_validator_that_raises_is_answered_alike(identifier: str) -> None:
    answers = []
    for fast in (True, False):
        service = Service("validators")

        @service.handler("t")
        def handle(body: RaisingValidator) -> dict[str, str]:
            return {"id": body.id}

        app = App(service, [http("POST /t/{id}", "t"), queue("orders", "t")], adapter="aws")
        entry = entry_point(app, AwsSettings())
        if not fast:
            entry.fast = None
        request = {**HTTP_EVENT, "rawPath": f"/t/{identifier}", "body": "{\"note\":1}"}
        request["requestContext"] = {**HTTP_EVENT["requestContext"], "http": {"method": "POST"}}
        record = {"messageId": "m", "body": json.dumps({"id": identifier}), "eventSource": "aws:sqs",
                  "eventSourceARN": QUEUE_ARN}
        answers.append((entry(request, Context()), entry({"Records": [record]}, Context())))
    assert without_generated_ids(answers[0]) == without_generated_ids(answers[1])
    assert answers[0][0]["statusCode"] == (200 if identifier == "fine" else 500)


def test_a_defect_reading_a_request_after_its_handler_ran_is_a_clean_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Ran is rendered with the general path's request; should reading it fail (a defect),
    the answer is the general path's 500 for an unreadable request, not an exception."""
    from portside_aws import apigw_v2

    recorder = Recorder()
    app = build(recorder)
    monkeypatch.setattr(apigw_v2, "to_request", lambda *args: 1 / 0)
    request = {**HTTP_EVENT, "body": '{"qty":3,"mode":"header"}'}  # a Ran: headers need rendering
    answer = app.entry_point(request, Context())
    assert answer["statusCode"] == 500
    assert json.loads(answer["body"])["error"]["errors"][0]["code"] == "unreadable_event"
    assert len(recorder.calls) == 1


def test_a_repeated_query_string_is_answered_alike_each_time() -> None:
    """The lane remembers the last query string that names none of its model's fields; the
    answers stay the general path's, whatever the order of queries."""
    entry = entry_point(build(Recorder()), AwsSettings())
    general_entry = general(build(Recorder()))
    for query in ["source=web", "source=web", "mode=raise", "source=web", "qty=9&source=web", "source=web"]:
        event = {**HTTP_EVENT, "rawQueryString": query, "body": '{"qty":3}'}
        assert entry(dict(event), Context()) == general_entry(dict(event), Context()), query
