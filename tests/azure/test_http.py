"""The catch-all HTTP function, driven with `func.HttpRequest` objects decoded as the worker
decodes the host's request, answers read back as the worker encodes them for the host."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pydantic import BaseModel

from portside import App, Context, HttpRequest, Result, Service, http
from portside_azure import http as http_shape
from portside_azure.testing_kit import AzureTestingKit, http_request, http_response


class Item(BaseModel):
    name: str


def make_app() -> App:
    service = Service("web")

    @service.handler("files.get")
    def get_file(ctx: Context) -> dict[str, Any]:
        return {
            "key": ctx.message.params.get("key") if ctx.message.params else None,
            "headers": dict(ctx.message.headers),
            "identity": ctx.identity,
            "query": ctx.message.raw.url if ctx.message.raw is not None else None,
        }

    @service.handler("items.search")
    def search(body: dict[str, Any]) -> dict[str, Any]:
        return {"query": body}

    @service.handler("items.create")
    def create(body: Item) -> Result[dict[str, str]]:
        return Result.created(
            {"name": body.name},
            cookies=("a=1; Path=/; HttpOnly", "b=2; Max-Age=60"),
            headers={"location": f"/items/{body.name}"},
        )

    bindings = [
        http("GET /files/{key}", "files.get"),
        http("GET /items", "items.search"),
        http("POST /items", "items.create"),
    ]
    return App(service, bindings, adapter="azure")


@pytest.fixture
def kit(monkeypatch: pytest.MonkeyPatch) -> AzureTestingKit:
    monkeypatch.setenv("PORTSIDE_AZURE_AUTH_LEVEL", "function")
    return AzureTestingKit(make_app(), key="the-function-key")


def test_an_encoded_slash_stays_inside_its_segment(kit: AzureTestingKit) -> None:
    response = kit.http("http", HttpRequest("GET", "/files/reports%2F2026%20Q1.pdf"))
    assert response.status == 200, response.body
    assert json.loads(response.body)["key"] == "reports/2026 Q1.pdf"


def test_the_host_route_value_is_reencoded_once() -> None:
    # What the host passes for /files/a%2Fb%20c%25d: decoded except the encoded slash.
    assert http_shape.encode_path("files/a%2Fb c%d") == "/files/a%2Fb%20c%25d"
    assert http_shape.encode_path("") == "/"


def test_routing_ignores_the_route_prefix(kit: AzureTestingKit) -> None:
    for prefix in ("api", "", "v2/edge"):
        native = http_request(HttpRequest("GET", "/files/x"), key="k", route_prefix=prefix)
        answer = kit._function("http", None)(native, None)
        assert http_response(answer).status == 200, prefix


def test_the_function_key_never_reaches_a_handler(kit: AzureTestingKit) -> None:
    response = kit.http("http", HttpRequest("GET", "/files/x", {"X-Trace": "t-1"}))
    body = json.loads(response.body)
    assert "x-functions-key" not in body["headers"] and body["headers"]["x-trace"] == "t-1"
    searched = kit.http("http", HttpRequest("GET", "/items", query={"tag": ["a", "b"], "q": ["x y"]}))
    assert json.loads(searched.body)["query"] == {"tag": ["a", "b"], "q": "x y"}  # no `code`


def test_cookies_status_and_headers_reach_the_host(kit: AzureTestingKit) -> None:
    response = kit.http(
        "http", HttpRequest("POST", "/items", {"content-type": "application/json"}, body=b'{"name": "lamp"}')
    )
    assert response.status == 201
    assert response.headers["location"] == "/items/lamp"
    assert response.headers["content-type"] == "application/json"
    assert sorted(response.cookies) == ["a=1; HttpOnly; Path=/", "b=2; Max-Age=60"]
    assert json.loads(response.body) == {"name": "lamp"}


def test_errors_use_the_common_format(kit: AzureTestingKit) -> None:
    bad = kit.http("http", HttpRequest("POST", "/items", {"content-type": "application/json"}, body=b"{nope"))
    error = json.loads(bad.body)["error"]
    assert bad.status == 400 and error["errors"][0]["code"] == "malformed_json"
    assert error["correlation_id"] == bad.headers["x-correlation-id"]
    assert kit.http("http", HttpRequest("GET", "/nowhere")).status == 404
    wrong = kit.http("http", HttpRequest("DELETE", "/items"))
    assert wrong.status == 405 and "POST" in wrong.headers["allow"]


def test_head_answers_without_a_body(kit: AzureTestingKit) -> None:
    response = kit.http("http", HttpRequest("HEAD", "/files/x"))
    assert response.status == 200 and response.body == b""


def test_easy_auth_principal_is_the_identity(kit: AzureTestingKit) -> None:
    principal = {"auth_typ": "aad", "name_typ": "name", "claims": [{"typ": "name", "val": "Ada"}]}
    encoded = base64.b64encode(json.dumps(principal).encode()).decode()
    response = kit.http("http", HttpRequest("GET", "/files/x", {"x-ms-client-principal": encoded}))
    assert json.loads(response.body)["identity"] == {
        "provider": "aad",
        "name_claim": "name",
        "claims": {"name": "Ada"},
    }
    assert http_shape.principal("not base64 json") is None


def test_a_defect_reading_the_request_answers_500(
    kit: AzureTestingKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("route_params")

    monkeypatch.setattr(http_shape, "to_request", broken)
    response = kit.http("http", HttpRequest("GET", "/files/x"))
    assert response.status == 500
    assert json.loads(response.body)["error"]["errors"][0]["code"] == "unreadable_event"
