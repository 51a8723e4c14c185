from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from portside import App, Limits, Message, Result, Service, http
from portside.testing import TestClient
from tests.core.conftest import ITEMS_EVENTS


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    app = App(
        service,
        [
            http("POST /items", "items.create"),
            http("GET /items/{name}", "items.get"),
            http("PUT /echo/{id}", "raw.echo"),
            http("GET /boom", "boom"),
            http("GET /bad", "bad.return"),
            http("GET /flaky", "flaky"),
            http("GET /files/{name}", "raw.echo"),
            http("GET /tree/{path+}", "raw.echo"),
            ITEMS_EVENTS,
        ],
        adapter="local",
        limits=Limits(max_body_bytes=1024),
        base_path="/api",
    )
    with TestClient(app) as test_client:
        yield test_client


def test_create_returns_201_and_publishes(client: TestClient) -> None:
    response = client.post("/items", json={"name": "a", "qty": 2}, headers={"X-Correlation-Id": "abc"})
    assert response.status == 201
    assert response.json() == {"name": "a", "qty": 2}
    assert response.headers["x-correlation-id"] == "abc"
    [event] = client.published
    assert (event.topic, event.correlation_id, event.body.name) == ("items.created", "abc", "a")
    assert client.broker.to_target("items-events") == [event]


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
    assert client.post("/apix/items", json={"name": "a", "qty": 1}).status == 404  # whole segments only


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/files/a%2Fb", {"name": "a/b"}),  # an encoded slash stays inside its segment
        ("/files/caf%C3%A9%20menu", {"name": "café menu"}),
        ("/files/100%25", {"name": "100%"}),  # decoded exactly once
        ("/files/a%252Fb", {"name": "a%2Fb"}),
        ("/api/files/x%2F..%2Fy", {"name": "x/../y"}),
        ("/tree/a/b%2Fc", {"path": "a/b/c"}),
    ],
)
def test_paths_are_decoded_once_per_segment(client: TestClient, path: str, params: dict[str, str]) -> None:
    response = client.get(path)
    assert response.status == 200, response.text
    assert response.json()["params"] == params
    assert client.get("/files/a/b").status == 404  # a real slash is two segments


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

    with TestClient(App(svc, [http("GET /t", "t")], adapter="local")) as client:
        response = client.get("/t")
    assert response.status == 500
    assert response.json()["error"]["errors"][0]["code"] == "invalid_response"


def test_binary_payload_and_cookies() -> None:
    svc = Service("s")

    @svc.handler("img")
    def image(message: Message) -> Result[bytes]:
        return Result.ok(b"\x89PNG\r\n", content_type="image/png", cookies=("a=1; Path=/", "b=2"))

    with TestClient(App(svc, [http("GET /img", "img")], adapter="local")) as client:
        response = client.get("/img")
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
