"""Mutated event requests (hypothesis) against a service whose every handler fails: no input may
raise out of the target, show a stack trace, or get a success code (a success would mean a
failed or unread message was acknowledged)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portside import App, Result, Service, event, queue, schedule, subscription

service = Service("always-fails")


@service.handler("fails")
def fails(body: Any) -> Result[Any]:
    return Result.retry("always")


@service.handler("crashes")
def crashes(body: Any) -> None:
    raise RuntimeError("secret detail")


SEEDS: list[tuple[dict[str, str], Any]] = [
    ({"content-type": "application/json"},
     {"message": {"data": base64.b64encode(b'{"a": 1}').decode(), "messageId": "1", "attributes": {"x": "y"},
                  "orderingKey": "k", "publishTime": "2024-01-01T00:00:00Z"},
      "subscription": "projects/p/subscriptions/inbox", "deliveryAttempt": 2}),
    ({"content-type": "application/cloudevents+json"},
     {"specversion": "1.0", "id": "e", "source": "//storage.googleapis.com/projects/_/buckets/b",
      "type": "google.cloud.storage.object.v1.finalized", "data": {"bucket": "b", "name": "n", "size": "3"}}),
    ({"content-type": "application/cloudevents+json"},
     {"specversion": "1.0", "id": "e", "source": "//pubsub.googleapis.com/projects/p/topics/events",
      "type": "google.cloud.pubsub.topic.v1.messagePublished",
      "data": {"message": {"data": "e30=", "messageId": "2"}, "subscription": "projects/p/subscriptions/s"}}),
    ({"content-type": "application/json"},
     {"context": {"eventId": "3", "timestamp": "2024-01-01T00:00:00Z",
                  "eventType": "google.pubsub.topic.publish",
                  "resource": {"service": "pubsub.googleapis.com", "name": "projects/p/topics/events"}},
      "data": {"data": "e30=", "attributes": {"portside-schedule": "tick"}}}),
    ({"content-type": "application/json"},
     {"eventId": "4", "eventType": "providers/firebase.auth/eventTypes/user.create", "resource": "projects/p",
      "timestamp": "2024-01-01T00:00:00Z", "data": {"uid": "u", "metadata": {"createdAt": "x"}}}),
    ({"ce-specversion": "1.0", "ce-id": "5", "ce-source": "//x",
      "ce-type": "google.cloud.audit.log.v1.written", "content-type": "application/json"},
     {"protoPayload": {"a": 1}}),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def mutate(document: Any, path: list[int], value: Any, drop: bool) -> Any:
    """Replace (or drop) the value at a position chosen by `path` inside `document`."""
    if not path or not isinstance(document, (dict, list)) or not document:
        return value
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = keys[path[0] % len(keys)]
    copy: Any = dict(document) if isinstance(document, dict) else list(document)
    if drop and len(path) == 1 and isinstance(copy, dict):
        del copy[key]
    else:
        copy[key] = mutate(copy[key], path[1:], value, drop)
    return copy


@st.composite
def requests(draw: st.DrawFn) -> tuple[dict[str, str], bytes]:
    headers, document = SEEDS[draw(st.integers(0, len(SEEDS) - 1))]
    headers = dict(headers)
    how = draw(st.sampled_from(["value", "drop", "bytes", "header"]))
    if how in ("value", "drop"):
        path = draw(st.lists(st.integers(0, 10), min_size=1, max_size=4))
        document = mutate(document, path, draw(json_values), how == "drop")
        return headers, json.dumps(document).encode()
    body = json.dumps(document).encode()
    if how == "bytes":
        cut = draw(st.integers(0, len(body)))
        return headers, body[:cut] + draw(st.binary(max_size=8)) + body[cut + draw(st.integers(0, 3)):]
    name = draw(st.sampled_from(["ce-specversion", "ce-type", "ce-id", "ce-source", "content-type"]))
    headers[name] = draw(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30))
    return headers, body


@pytest.fixture(scope="module")
def target() -> Any:
    app = App(service, [
        queue("inbox", "fails"),
        subscription("events", "fails"),
        schedule("tick", "crashes", "rate(5 minutes)"),
        event("google.*", "crashes"),
        event("*", "fails"),
    ], adapter="gcp")
    kit = app.adapter.hook.portside_testing_kit(app=app)
    kit.flask_app.config["PROPAGATE_EXCEPTIONS"] = True  # anything escaping the target fails the test
    return kit


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_mutated_events_never_succeed_or_crash(target: Any, request: tuple[dict[str, str], bytes]) -> None:
    headers, body = request
    answer = target.send("POST", "/", headers, body)
    assert not 200 <= answer.status < 300, (answer.status, answer.body)
    assert b"Traceback" not in answer.body and b"secret detail" not in answer.body
    if answer.body:
        json.loads(answer.body)


@pytest.mark.parametrize(("headers", "document"), SEEDS, ids=[f"seed-{i}" for i in range(len(SEEDS))])
def test_every_seed_reaches_a_failing_handler(target: Any, headers: dict[str, str], document: Any) -> None:
    answer = target.send("POST", "/", headers, json.dumps(document).encode())
    assert answer.status == 503, answer.body  # retried: the handler ran and asked for a retry (or crashed)
