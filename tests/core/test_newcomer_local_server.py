"""What a newcomer hit on the local server, over a real socket on 127.0.0.1: every answer is the
service's JSON error format with a correlation id; HEAD is GET without the body; CORS on request;
cut-short and oversized bodies are refused, naming the sizes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from typing import Any

import pytest

from portside import App, Limits, Service, http
from portside.local.runtime import LocalRuntime
from tests import samples

ORIGIN = "http://localhost:3000"


def make_app(received: list[Any], *, limit: int | None = None) -> App:
    service = Service("items")

    @service.handler("items.get")
    def get(body: dict[str, Any]) -> dict[str, Any]:
        received.append(body)
        return {"id": body["id"], "name": "chair", "tags": ["wood", "oak"]}

    @service.handler("items.create")
    def create(body: dict[str, Any]) -> dict[str, Any]:
        received.append(body)
        return body

    return App(
        service,
        [http("GET /items/{id}", "items.get"), http("POST /items", "items.create")],
        adapter="local",
        limits=Limits(max_body_bytes=limit) if limit else None,
    )


@pytest.fixture
def received() -> list[Any]:
    return []


def serve(runtime: LocalRuntime) -> Iterator[tuple[str, int]]:
    with runtime.running(port=0) as address:
        yield address


@pytest.fixture
def server(received: list[Any]) -> Iterator[tuple[str, int]]:
    yield from serve(LocalRuntime(make_app(received)))


@pytest.fixture
def cors_server(received: list[Any]) -> Iterator[tuple[str, int]]:
    yield from serve(LocalRuntime(make_app(received), cors=[ORIGIN]))


def request(
    address: tuple[str, int], method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    connection = HTTPConnection(*address, timeout=10)
    try:
        names = {k.replace("_", "-"): v for k, v in headers.items()}
        connection.request(method, path, body=body, headers=names)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def raw_exchange(address: tuple[str, int], data: bytes, *, close_write: bool = False) -> str:
    """Send bytes as they are; read the answer until the server closes the connection."""
    with socket.create_connection(address, timeout=10) as raw:
        raw.sendall(data)
        if close_write:
            raw.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    return received.decode()


def json_error(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """The service's error format: status, message, errors and the correlation id it answered."""
    assert headers["content-type"] == "application/json"
    error: dict[str, Any] = json.loads(body)["error"]
    assert set(error) == {"status", "message", "errors", "correlation_id"}
    assert error["correlation_id"] == headers["x-correlation-id"]
    return error


def test_unknown_methods_answer_in_the_json_format(server: tuple[str, int], received: list[Any]) -> None:
    status, headers, body = request(server, "TRACE", "/items/7", x_correlation_id="trace-1")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    error = json_error(body, headers)
    assert error["status"] == "method_not_allowed" and error["correlation_id"] == "trace-1"

    status, headers, body = request(server, "PROPFIND", "/nowhere")
    assert status == 404 and json_error(body, headers)["errors"][0]["code"] == "no_route"
    assert "<html" not in body.decode().lower() and received == []


def test_head_answers_gets_headers_with_the_real_length_and_no_body(server: tuple[str, int]) -> None:
    get_status, get_headers, get_body = request(server, "GET", "/items/7", x_correlation_id="c-1")
    status, headers, body = request(server, "HEAD", "/items/7", x_correlation_id="c-1")
    assert (status, body) == (get_status, b"") and get_status == 200
    assert int(headers["content-length"]) == len(get_body) > 0
    ignore = {"date"}
    assert {k: v for k, v in headers.items() if k not in ignore} == {
        k: v for k, v in get_headers.items() if k not in ignore
    }


def test_options_without_cors_is_routed_like_any_method(server: tuple[str, int]) -> None:
    status, headers, body = request(
        server, "OPTIONS", "/items", Origin=ORIGIN, Access_Control_Request_Method="POST"
    )
    assert status == 405 and headers["allow"] == "POST"
    assert json_error(body, headers)["status"] == "method_not_allowed"
    assert "access-control-allow-origin" not in headers


def test_cors_answers_preflights_and_marks_answers(cors_server: tuple[str, int], received: list[Any]) -> None:
    status, headers, body = request(
        cors_server, "OPTIONS", "/items", Origin=ORIGIN,
        Access_Control_Request_Method="POST", Access_Control_Request_Headers="content-type, x-trace",
    )
    assert (status, body) == (204, b"") and received == []
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-allow-methods"] == "POST"
    assert headers["access-control-allow-headers"] == "content-type, x-trace"
    assert "x-correlation-id" in headers

    status, headers, body = request(
        cors_server, "POST", "/items", b'{"name": "desk"}', Origin=ORIGIN, Content_Type="application/json"
    )
    assert status == 200 and json.loads(body) == {"name": "desk"}
    assert headers["access-control-allow-origin"] == ORIGIN
    assert "x-correlation-id" in headers["access-control-expose-headers"]


def test_cors_refuses_other_origins_and_leaves_same_origin_calls_alone(
    cors_server: tuple[str, int], received: list[Any]
) -> None:
    status, headers, body = request(
        cors_server, "OPTIONS", "/items", Origin="http://evil.example", Access_Control_Request_Method="POST"
    )
    assert status == 403 and "access-control-allow-origin" not in headers
    error = json_error(body, headers)
    assert "http://evil.example" in error["message"] and "--cors" in error["message"]

    status, headers, _ = request(cors_server, "GET", "/items/1")  # no Origin: not a CORS request
    assert status == 200 and "access-control-allow-origin" not in headers and len(received) == 1


def test_a_body_shorter_than_its_content_length_is_refused(
    server: tuple[str, int], received: list[Any]
) -> None:
    reply = raw_exchange(
        server,
        b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n"
        b'X-Correlation-Id: short-1\r\n\r\n{"name": "de',
        close_write=True,
    )
    head, _, body = reply.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400")
    error = json.loads(body)["error"]
    assert error["errors"][0]["code"] == "incomplete_body" and error["correlation_id"] == "short-1"
    assert "12 of the 50 bytes" in error["message"]
    assert received == []  # never processed


def test_413_names_the_real_size_and_limit(received: list[Any]) -> None:
    for runtime in [LocalRuntime(make_app(received, limit=100))]:
        with runtime.running(port=0) as address:
            status, headers, body = request(address, "POST", "/items", b"x" * 5000,
                                            Content_Type="application/json")
            error = json_error(body, headers)
            assert status == 413 and error["status"] == "too_large"
            assert error["message"] == "body is 5000 bytes; the limit is 100 bytes"

            chunked = raw_exchange(
                address,
                b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"40\r\n" + b"a" * 64 + b"\r\n40\r\n" + b"b" * 64 + b"\r\n0\r\n\r\n",
            )
            assert chunked.startswith("HTTP/1.1 413")
            assert "the limit is 100 bytes" in chunked and "128 bytes so far" in chunked
    assert received == []


def test_requests_http_server_itself_refuses_are_json_too(server: tuple[str, int]) -> None:
    reply = raw_exchange(server, b"GET /items/1 extra HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = reply.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400") and "x-correlation-id" in head.lower()
    error = json.loads(body)["error"]
    assert error["status"] == "invalid" and error["correlation_id"] and "Bad request syntax" in error["message"]

    head, _, body = raw_exchange(server, b"GET /items/1 HTTP/3.7\r\nHost: x\r\n\r\n").partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 505") and json.loads(body)["error"]["status"] == "error"


def test_portside_run_cors_option() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "portside.cli", "run", str(samples.ORDERS_MAIN), "--port", "0",
         "--cors", ORIGIN],
        stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert process.stderr is not None
        line = samples.serving_line(process.stderr)
        host, port = line.split("http://")[1].split(" ")[0].split(":")
        deadline = time.monotonic() + 10
        while True:
            try:
                status, headers, _ = request(
                    (host, int(port)), "OPTIONS", "/orders", Origin=ORIGIN, Access_Control_Request_Method="POST"
                )
                break
            except ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert status == 204 and headers["access-control-allow-origin"] == ORIGIN
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/_portside/nothing-here", "unknown_endpoint"),
        ("POST", "/_portside/messages/no.such.topic", "unknown_topic"),
        ("POST", "/_portside/schedules/weekly", "unknown_schedule"),
    ],
)
def test_the_runtimes_own_endpoints_answer_in_the_json_format(
    server: tuple[str, int], method: str, path: str, code: str
) -> None:
    status, headers, body = request(server, method, path, b"{}", X_Correlation_Id="own-1")
    error = json_error(body, headers)
    assert status == 404 and error["correlation_id"] == "own-1" and error["errors"][0]["code"] == code
