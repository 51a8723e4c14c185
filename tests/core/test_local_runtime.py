"""The local adapter over a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from portside import App, Context, Limits, Message, Result, Service, State, destination, http, queue
from portside.local.runtime import LocalRuntime
from portside.startup import load_app
from tests import samples
from tests.core.conftest import Item


def call(
    base: str, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            status, got = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, dict(error.headers)
    return status, {k.lower(): v for k, v in got.items()}, json.loads(raw) if raw else None


@pytest.fixture
def orders() -> Iterator[tuple[str, LocalRuntime]]:
    app = load_app(samples.ORDERS_MAIN, adapter="local")
    runtime = app.entry_point
    assert isinstance(runtime, LocalRuntime)
    with runtime.running(port=0) as (host, port):
        yield f"http://{host}:{port}", runtime


def test_orders_over_http(orders: tuple[str, LocalRuntime]) -> None:
    base, runtime = orders
    status, headers, order = call(base, "POST", "/orders", b'{"sku":"A1","qty":2}',
                                  **{"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 201 and order["sku"] == "A1" and order["status"] == "open"
    assert headers["location"] == f"/orders/{order['id']}"
    assert call(base, "GET", f"/orders/{order['id']}/")[2] == order
    status, _, cancelled = call(base, "POST", f"/orders/{order['id']}/cancel")
    assert status == 200 and cancelled["status"] == "cancelled"
    assert call(base, "POST", f"/orders/{order['id']}/cancel")[:3:2] == (200, cancelled)  # idempotent
    assert call(base, "GET", "/orders/unknown")[0] == 404
    status, headers, error = call(base, "DELETE", "/orders")
    assert status == 405 and headers["allow"] == "POST"
    json_type = {"Content-Type": "application/json"}
    status, _, error = call(base, "POST", "/orders", b'{"sku": "", "qty": 0}', **json_type)
    assert status == 400 and {e["field"] for e in error["error"]["errors"]} == {"sku", "qty"}
    published = call(base, "GET", "/_portside/published")[2]
    assert [p["topic"] for p in published] == ["orders.created", "orders.cancelled", "orders.cancelled"]
    assert {p["target"] for p in published} == {"orders-events"}
    assert published[0]["correlation_id"] != published[1]["correlation_id"]
    runtime.queue.join()  # the audit subscription on orders-events got every event
    audited = [(m.topic, s.state.value) for m, s in runtime.queue.settled]
    assert audited == [("orders.audit", "acknowledged")] * 3


def test_path_segments_are_decoded_once_by_the_server(orders: tuple[str, LocalRuntime]) -> None:
    base, _ = orders
    status, _, error = call(base, "GET", "/orders/a%2Fb")  # one segment: the id is "a/b"
    assert status == 404 and error["error"]["message"] == "order a/b does not exist"
    status, _, error = call(base, "GET", "/orders/a/b")
    assert status == 404 and error["error"]["errors"][0]["code"] == "no_route"
    status, _, error = call(base, "GET", "/orders/50%25%20off")
    assert error["error"]["message"] == "order 50% off does not exist"


def test_health(orders: tuple[str, LocalRuntime]) -> None:
    base, _ = orders
    status, _, health = call(base, "GET", "/_portside/health")
    assert status == 200 and health["service"] == "orders" and "POST /orders" in health["routes"]


def test_message_endpoint_queues_and_keeps_what_it_hands_back(orders: tuple[str, LocalRuntime]) -> None:
    base, runtime = orders
    runtime.queue.backoff = 0.001
    status, _, accepted = call(base, "POST", "/_portside/messages/orders.create", b'{"sku":"Q","qty":1}')
    assert status == 202 and accepted["status"] == "queued"
    assert call(base, "POST", "/_portside/messages/orders.create", b"{broken")[0] == 202
    runtime.queue.join()
    [letter] = call(base, "GET", "/_portside/dead-letters")[2]
    assert letter["body"] == "{broken" and letter["state"] == "handed_back" and letter["target"] is None
    assert letter["reason"].startswith("malformed_json")
    assert call(base, "POST", "/_portside/messages/no.such.topic", b"{}")[0] == 404
    assert call(base, "GET", "/_portside/nothing")[0] == 404


def test_message_endpoint_waits_and_answers_with_the_settlement(orders: tuple[str, LocalRuntime]) -> None:
    base, _ = orders
    path = "/_portside/messages/orders.create?wait=true"
    status, headers, body = call(base, "POST", path, b'{"sku":"W","qty":3}', **{"Idempotency-Key": "k-1"})
    assert status == 200 and headers["x-portside-delivery"] == "acknowledged"
    assert body["state"] == "acknowledged" and body["status"] == "created" and body["message_id"] == "k-1"
    status, headers, body = call(base, "POST", path, b'{"sku": 1}')
    assert status == 500 and body["state"] == "handed_back" and body["status"] == "invalid"
    assert {e["field"] for e in body["errors"]} == {"sku", "qty"}
    letters = call(base, "GET", "/_portside/dead-letters")[2]
    assert [(x["state"], x["id"]) for x in letters] == [("handed_back", body["message_id"])]


def test_message_endpoint_dead_letters_into_the_apps_target() -> None:
    svc = Service("s")

    @svc.handler("t")
    def handler(item: Item) -> None:
        return None

    runtime = App(svc, adapter="local", dead_letter="poison").entry_point
    with runtime.running(port=0) as (host, port):
        base = f"http://{host}:{port}"
        status, headers, body = call(base, "POST", "/_portside/messages/t?wait=true", b'{"qty": "x"}',
                                     **{"Content-Type": "application/json", "X-Tenant": "acme"})
        assert status == 200  # kept in its target: must not be pushed again
        assert headers["x-portside-delivery"] == body["state"] == "dead_lettered"
        [letter] = call(base, "GET", "/_portside/dead-letters")[2]
    assert (letter["target"], letter["state"], letter["body"]) == ("poison", "dead_lettered", '{"qty": "x"}')
    assert letter["headers"]["x-tenant"] == "acme" and letter["headers"]["content-type"] == "application/json"
    assert letter["headers"]["x-portside-error"].startswith("invalid")
    assert letter["headers"]["x-portside-source"] == "local-queue"


def test_retries_then_hands_back() -> None:
    attempts: list[int] = []
    svc = Service("retry")

    @svc.handler("flaky")
    def flaky(message: Message) -> Result[None]:
        attempts.append(message.attempt)
        if message.body.get("recover_on") == message.attempt:
            return Result.ok()
        return Result.retry("busy")

    runtime = App(svc, adapter="local").entry_point
    runtime.queue.backoff = 0.001
    runtime.enqueue(Message("flaky", {"recover_on": 2}))
    runtime.enqueue(Message("flaky", {"recover_on": 99}))
    runtime.queue.join()
    assert attempts == [1, 2, 1, 2, 3]
    [letter] = runtime.broker.dead_letters
    assert letter.state == "handed_back" and "gave up after 3 attempts" in letter.reason
    assert [s.state for _, s in runtime.queue.settled] == [State.ACKNOWLEDGED, State.HANDED_BACK]
    runtime.queue.stop()


def test_published_messages_reach_the_apps_own_queue() -> None:
    svc = Service("chain")
    seen: list[Any] = []

    @svc.handler("first", publishes=["second"])
    def first(item: Item, ctx: Context) -> None:
        ctx.publish("second", {"name": item.name.upper(), "qty": item.qty})

    @svc.handler("second")
    def second(item: Item) -> None:
        seen.append(item)

    app = App(svc, [destination("second", "chain-q"), queue("chain-q", "second")], adapter="local")
    runtime = app.entry_point
    runtime.app.dispatch(Message("first", {"name": "a", "qty": 1}))
    runtime.queue.join()
    assert seen == [Item(name="A", qty=1)]
    runtime.queue.stop()


def test_oversized_request_gets_413() -> None:

    svc = Service("s")

    @svc.handler("t")
    def handler(message: Message) -> None:
        return None

    runtime = App(svc, [http("POST /t", "t")], adapter="local", limits=Limits(max_body_bytes=100)).entry_point
    with runtime.running(port=0) as (host, port):
        status, _, body = call(f"http://{host}:{port}", "POST", "/t", b"[" + b"1," * 200 + b"1]")
    assert status == 413 and body["error"]["status"] == "too_large"


def test_portside_run_serves_and_stops_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "portside.cli", "run", str(samples.ORDERS_MAIN), "--port", "0"],
        stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert process.stderr is not None
        line = samples.serving_line(process.stderr)
        assert "serving orders on http://127.0.0.1:" in line
        base = line.split(" on ")[1].split(" ")[0]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                status, _, order = call(base, "POST", "/orders", b'{"sku":"A1","qty":2}')
                break
            except urllib.error.URLError:
                time.sleep(0.05)
        assert status == 201 and order["qty"] == 2
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert '"stopped"' in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()


def test_schedules_tick_locally_and_fire_on_request() -> None:
    from portside import schedule
    from portside.bindings import rate_seconds
    from portside.local.scheduler import LocalScheduler

    assert rate_seconds("rate(5 minutes)") == 300 and rate_seconds("rate(1 day)") == 86400
    assert rate_seconds("0 2 * * *") is None
    svc = Service("timers")
    ticks: list[Any] = []

    @svc.handler("tick")
    def on_tick(message: Message) -> None:
        ticks.append(message.body)

    runtime = App(svc, [schedule("every-minute", "tick", "rate(1 minute)"),
                        schedule("nightly", "tick", "0 2 * * *")], adapter="local").entry_point
    runtime.scheduler = LocalScheduler(runtime, scale=0.001)  # a minute becomes 60 ms
    with runtime.running(port=0) as (host, port):
        deadline = time.monotonic() + 5
        while len(ticks) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(ticks) >= 2 and ticks[0]["rule"] == "every-minute" and "T" in ticks[0]["time"]
        base = f"http://{host}:{port}"
        status, _, accepted = call(base, "POST", "/_portside/schedules/nightly")
        assert status == 202 and accepted["topic"] == "tick"
        runtime.queue.join()
        assert any(t["rule"] == "nightly" for t in ticks)
        assert call(base, "POST", "/_portside/schedules/weekly")[0] == 404


def test_chunked_bodies_and_broken_framing(orders: tuple[str, LocalRuntime]) -> None:
    import http.client
    import socket
    from urllib.parse import urlsplit

    base, _ = orders
    host, port = urlsplit(base).hostname, urlsplit(base).port
    connection = http.client.HTTPConnection(host, port, timeout=10)
    pieces = iter([b'{"sku": "CH', b'UNK", "qty": 2}'])
    connection.request("POST", "/orders", body=pieces, encode_chunked=True,
                       headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    response = connection.getresponse()
    assert response.status == 201 and json.loads(response.read())["sku"] == "CHUNK"
    connection.close()

    with socket.create_connection((host, port), timeout=10) as raw:
        raw.sendall(b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n{}")
        received = b""
        while chunk := raw.recv(65536):  # the server answers, then closes the connection
            received += chunk
        reply = received.decode()
    assert reply.startswith("HTTP/1.1 400") and "Content-Length must be a number" in reply
    assert "Traceback" not in reply


def test_cloudevents_are_delivered_to_the_event_binding_of_their_type() -> None:
    """POST /_portside/events takes a CloudEvent in binary or structured mode, as Eventarc and
    Event Grid deliver them, and answers with the delivery's state (kit.render_delivery)."""
    from portside import App, Headers, HttpRequest, Service, event
    from portside.kit import cloudevents
    from portside.local.runtime import LocalRuntime

    seen: list[Message] = []
    service = Service("events")

    @service.handler("files.uploaded")
    def uploaded(message: Message) -> None:
        seen.append(message)

    runtime = LocalRuntime(App(service, [event("object.created", "files.uploaded")], adapter="local"))
    ce = cloudevents.CloudEvent("object.created", "//storage/bucket", {"key": "a.txt"}, id="e-1",
                                extensions={"correlationid": "c-9"})
    headers, body = cloudevents.to_binary(ce)
    answer = runtime.handle(HttpRequest("POST", "/_portside/events", Headers(headers), body=body))
    assert answer.status == 200 and json.loads(answer.body)["state"] == "acknowledged"
    assert seen[0].body == {"key": "a.txt"} and seen[0].id == "e-1" and seen[0].correlation_id == "c-9"
    structured = json.dumps(cloudevents.to_dict(ce)).encode()
    answer = runtime.handle(HttpRequest("POST", "/_portside/events",
                                        Headers({"content-type": cloudevents.STRUCTURED}), body=structured))
    assert answer.status == 200 and seen[1].body == {"key": "a.txt"}
    unbound = cloudevents.CloudEvent("other.type", "//x", {"a": 1})
    headers, body = cloudevents.to_binary(unbound)
    answer = runtime.handle(HttpRequest("POST", "/_portside/events", Headers(headers), body=body))
    assert answer.status == 500 and json.loads(answer.body)["state"] == "handed_back"  # never lost
    plain = Headers({"content-type": "text/plain"})
    refused = runtime.handle(HttpRequest("POST", "/_portside/events", plain, body=b"hi"))
    assert refused.status == 400
    assert json.loads(refused.body)["error"]["errors"][0]["code"] == "not_a_cloudevent"
