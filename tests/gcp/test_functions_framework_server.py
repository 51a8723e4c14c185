"""The gcp target served by a real `functions-framework` process (gunicorn) on 127.0.0.1.

Run with the framework's default (http) and with FUNCTION_SIGNATURE_TYPE=cloudevent and event,
as event-triggered deployments set it: the target registers itself as an HTTP function under
its --target name, so it still receives the raw request and serves every shape.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from portside.kit.cloudevents import CloudEvent, to_binary, to_dict

from .server import Server

JSON = {"content-type": "application/json"}


def envelope(subscription: str, data: bytes, **attributes: str) -> bytes:
    return json.dumps({
        "message": {"data": base64.b64encode(data).decode(), "messageId": "m-1", "attributes": attributes},
        "subscription": f"projects/portside-test/subscriptions/{subscription}",
    }).encode()


@pytest.fixture(scope="module", params=["default", "cloudevent", "event"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"GOOGLE_CLOUD_PROJECT": "portside-test"}
    if request.param != "default":
        env["FUNCTION_SIGNATURE_TYPE"] = request.param
    running = Server(env, tmp_path_factory.mktemp("ff") / "server.log")
    try:
        yield running
    finally:
        running.stop()


def test_http_route_with_encoded_slash(server: Server) -> None:
    status, headers, body = server.request("GET", "/items/a%2Fb?x=1")
    assert status == 200, server.log()
    assert json.loads(body) == {"id": "a/b", "query": {"x": "1"}}
    assert headers["x-correlation-id"]


def test_framework_answers_robots_txt_itself(server: Server) -> None:
    status, _, body = server.request("GET", "/robots.txt")
    assert status == 404 and b"error" not in body[:20]  # the framework's page, not portside's JSON


def test_unknown_route_is_portside_json(server: Server) -> None:
    status, _, body = server.request("DELETE", "/nowhere")
    assert status == 404
    assert json.loads(body)["error"]["errors"][0]["code"] == "no_route"


def test_binary_cloudevent(server: Server) -> None:
    source = "//storage.googleapis.com/projects/_/buckets/b"
    event = CloudEvent("google.cloud.storage.object.v1.finalized", source,
                       {"bucket": "b", "name": "in/f.txt", "size": "5"}, id="bin-1", subject="objects/in/f.txt",
                       datacontenttype="application/json")
    headers, body = to_binary(event)
    status, answer, _ = server.request("POST", "/", body, headers)
    assert status == 200 and answer["x-portside-delivery"] == "acknowledged", server.log()
    seen = [s for s in server.seen() if s["id"] == "bin-1"]
    assert seen[0]["topic"] == "files.uploaded" and seen[0]["body"]["key"] == "in/f.txt"
    assert seen[0]["body"]["size"] == 5


def test_structured_cloudevent(server: Server) -> None:
    event = CloudEvent("google.cloud.firestore.document.v1.written", "//firestore.googleapis.com/projects/p",
                       {"value": {"name": "doc"}}, id="str-1")
    status, _, _ = server.request("POST", "/", json.dumps(to_dict(event)).encode(),
                                  {"content-type": "application/cloudevents+json"})
    assert status == 200, server.log()
    assert [s["body"] for s in server.seen() if s["id"] == "str-1"] == [{"value": {"name": "doc"}}]


def test_legacy_event(server: Server) -> None:
    legacy = {
        "context": {"eventId": "leg-1", "timestamp": "2024-01-01T00:00:00Z",
                    "eventType": "google.pubsub.topic.publish",
                    "resource": {"service": "pubsub.googleapis.com",
                                 "name": "projects/p/topics/orders-events"}},
        "data": {"data": base64.b64encode(b'{"n": 1}').decode(), "attributes": {"a": "b"}},
    }
    status, _, _ = server.request("POST", "/", json.dumps(legacy).encode(), JSON)
    assert status == 200, server.log()
    [seen] = [s for s in server.seen() if s["id"] == "leg-1"]
    assert seen["topic"] == "audit" and seen["body"] == {"n": 1} and seen["attributes"]["a"] == "b"


def test_push_envelope(server: Server) -> None:
    status, _, _ = server.request("POST", "/", envelope("audit-push", b'{"pushed": true}'), JSON)
    assert status == 200, server.log()
    assert any(s["body"] == {"pushed": True} for s in server.seen())


def test_handler_asking_for_a_retry(server: Server) -> None:
    body = envelope("orders-inbox", b'{"id": "retry", "qty": 1}')
    status, headers, _ = server.request("POST", "/", body, JSON)
    assert status == 503 and headers["retry-after"] == "7"


def test_unbound_event_is_handed_back(server: Server) -> None:
    headers, body = to_binary(CloudEvent("com.example.nobody", "//x", {}, id="nobody-1"))
    status, answer, reply = server.request("POST", "/", body, headers)
    assert status == 500 and answer["x-portside-delivery"] == "handed_back"
    assert b"Traceback" not in reply
    assert not [s for s in server.seen() if s["id"] == "nobody-1"]


@pytest.fixture(scope="module")
def http_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"GOOGLE_CLOUD_PROJECT": "portside-test", "PORTSIDE_GCP_SERVE": "http",
           "FUNCTION_SIGNATURE_TYPE": "cloudevent"}
    running = Server(env, tmp_path_factory.mktemp("ff-http") / "server.log")
    try:
        yield running
    finally:
        running.stop()


def test_serving_http_only_a_forged_event_reaches_no_handler(http_only: Server) -> None:
    status, _, body = http_only.request("POST", "/", envelope("audit-push", b'{"forged": true}'), JSON)
    assert status == 404 and json.loads(body)["error"]["errors"][0]["code"] == "no_route"
    forged = CloudEvent("google.cloud.storage.object.v1.finalized", "//s", {"name": "x"}, id="f")
    headers, ce_body = to_binary(forged)
    assert http_only.request("POST", "/", ce_body, headers)[0] == 404
    assert http_only.seen() == []
    assert http_only.request("GET", "/items/1")[0] == 200


def test_server_log_has_the_startup_warning(tmp_path: Path) -> None:
    running = Server({"GOOGLE_CLOUD_PROJECT": "portside-test"}, tmp_path / "server.log")
    try:
        assert "without verifying event deliveries" in running.log()
    finally:
        running.stop()
