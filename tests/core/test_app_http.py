from __future__ import annotations

import json

import pytest

from portside import App, Limits, Message, Result, Service, http
from portside.testing import TestClient


@pytest.fixture
def client(service: Service) -> TestClient:
    app = App(
        service,
        [
            http("POST /items", "items.create"),
            http("GET /items/{name}", "items.get"),
            http("PUT /echo/{id}", "raw.echo"),
            http("GET /boom", "boom"),
            http("GET /bad", "bad.return"),
            http("GET /flaky", "flaky"),
        ],
        adapter="local",
        limits=Limits(max_body_bytes=1024),
        base_path="/api",
    )
    return TestClient(app)


def test_create_returns_201_and_publishes(client: TestClient) -> None:
    response = client.post("/items", json={"name": "a", "qty": 2}, headers={"X-Correlation-Id": "abc"})
    assert response.status == 201
    assert response.json() == {"name": "a", "qty": 2}
    assert response.headers["x-correlation-id"] == "abc"
    assert [m.topic for m in client.published] == ["items.created"]


def test_params_rule_path_over_body_over_query(client: TestClient) -> None:
    body = client.put("/echo/7?id=q&extra=1&tag=a&tag=b", json={"id": "b", "x": 1}).json()["body"]
    assert body == {"id": "7", "extra": "1", "tag": ["a", "b"], "x": 1}
    # GET: path and query params validate into the handler's model
    response = client.get("/items/widget?qty=3")
    assert response.status == 200 and response.json() == {"name": "widget", "qty": 3}


def test_non_object_body_is_passed_as_is(client: TestClient) -> None:
    echoed = client.put("/echo/1", json=[1, 2]).json()
    assert echoed["body"] == [1, 2] and echoed["params"] == {"id": "1"}


def test_base_path_and_trailing_slash(client: TestClient) -> None:
    assert client.post("/api/items/", json={"name": "a", "qty": 1}).status == 201


def test_errors_are_structured_and_never_leak(client: TestClient) -> None:
    cases = {
        ("POST", "/items", b"{nope", "application/json"): (400, "malformed_json"),
        ("POST", "/items", b'{"name": 1}', "application/json"): (400, "string_type"),
        ("POST", "/items", b"<a/>", "application/xml"): (415, "unsupported_media_type"),
        ("POST", "/items", b"[" + b"0," * 600 + b"0]", "application/json"): (413, "body_too_large"),
        ("GET", "/nowhere", b"", None): (404, "no_route"),
        ("DELETE", "/items", b"", None): (405, "method_not_allowed"),
        ("GET", "/boom", b"", None): (500, "internal_error"),
        ("GET", "/bad", b"", None): (500, "invalid_response"),
        ("GET", "/flaky", b"", None): (503, "retry_later"),
    }
    for (method, path, data, content_type), (status, code) in cases.items():
        headers = {"content-type": content_type} if content_type else {}
        response = client.request(method, path, data=data, headers=headers)
        assert response.status == status, (method, path, response.text)
        error = response.json()["error"]
        assert code in [e["code"] for e in error["errors"]], error
        assert error["correlation_id"] == response.headers["x-correlation-id"]
        assert "Traceback" not in response.text and "secret internals" not in response.text


def test_405_has_allow_and_503_has_retry_after(client: TestClient) -> None:
    assert client.delete("/items").headers["allow"] == "POST"
    assert client.get("/flaky").headers["retry-after"] == "3"


def test_unserialisable_payload_becomes_500() -> None:
    svc = Service("s")

    @svc.handler("t")
    def handler(message: Message) -> Result[object]:
        return Result.ok({"when": object()})

    response = TestClient(App(svc, [http("GET /t", "t")], adapter="local")).get("/t")
    assert response.status == 500
    assert response.json()["error"]["errors"][0]["code"] == "invalid_response"


def test_binary_payload_and_cookies() -> None:
    svc = Service("s")

    @svc.handler("img")
    def image(message: Message) -> Result[bytes]:
        return Result.ok(b"\x89PNG\r\n", content_type="image/png", cookies=("a=1; Path=/", "b=2"))

    response = TestClient(App(svc, [http("GET /img", "img")], adapter="local")).get("/img")
    assert response.body == b"\x89PNG\r\n"
    assert response.headers["content-type"] == "image/png"
    assert response.cookies == ["a=1; Path=/", "b=2"]


def test_head_has_no_body(client: TestClient) -> None:
    response = client.request("HEAD", "/items/a?qty=1")
    assert response.status == 200 and response.body == b""


def test_logs_are_json_with_correlation_id(client: TestClient, capfd: pytest.CaptureFixture[str]) -> None:
    client.get("/boom", headers={"x-correlation-id": "trace-me"})
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    crash = next(line for line in lines if line["message"] == "handler raised")
    assert crash["correlation_id"] == "trace-me"
    assert crash["level"] == "ERROR" and "RuntimeError" in crash["exception"]
