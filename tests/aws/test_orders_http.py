"""The examples/orders service behind API Gateway (HTTP and REST APIs) and an ALB on Lambda.

Events are real samples with method, path and body changed, run through the startup file's
own `handler` as Lambda would call it.
"""

from __future__ import annotations

import base64
import copy
import json
import sys
from collections.abc import Callable
from typing import Any

import pytest

from portside import App, InMemoryPublisher, Message, Next, Result
from portside.startup import load_app
from tests import samples

Event = dict[str, Any]
V2_KEYS = set(samples.load("aws/aws-lambda-go/lambda-urls-response.json")) - {"cookies"}
REST_KEYS = set(samples.load("aws/aws-lambda-go/apigw-response.json")) | {"isBase64Encoded"}
ALB_KEYS = set(samples.load("aws/aws-lambda-go/alb-lambda-target-response.json")) - {"headers"}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


def v2_event(method: str, path: str, body: Any = None, *, stage: str = "$default") -> Event:
    event: Event = copy.deepcopy(samples.load("aws/powertools/apiGatewayProxyV2Event.json"))
    event.update(rawPath=path, rawQueryString="", queryStringParameters=None, pathParameters=None)
    event["requestContext"]["http"].update(method=method, path=path)
    event["requestContext"]["stage"] = stage
    event["headers"]["content-type"] = "application/json"
    _set_body(event, body)
    return event


def rest_event(method: str, path: str, body: Any = None) -> Event:
    event: Event = copy.deepcopy(samples.load("aws/aws-lambda-go/apigw-request.json"))
    event.update(
        httpMethod=method, path=path, resource=path, pathParameters=None,
        queryStringParameters=None, multiValueQueryStringParameters=None,
    )
    event["requestContext"].update(httpMethod=method, path="/testStage" + path)
    _set_body(event, body)
    return event


def alb_event(method: str, path: str, body: Any = None) -> Event:
    """Multi-value mode, body base64-encoded as ALB sends request bodies it treats as binary."""
    event: Event = copy.deepcopy(samples.load("aws/powertools/albMultiValueHeadersEvent.json"))
    event.update(httpMethod=method, path=path)
    event["multiValueHeaders"]["content-type"] = ["application/json"]
    if body is not None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        event.update(body=base64.b64encode(raw).decode(), isBase64Encoded=True)
    return event


def _set_body(event: Event, body: Any) -> None:
    if body is None:
        event["body"] = None
    else:
        event["body"] = body.decode() if isinstance(body, bytes) else json.dumps(body)
    event["isBase64Encoded"] = False


Build = Callable[..., Event]
SOURCES: dict[str, tuple[Build, set[str], str]] = {
    "http-api": (v2_event, V2_KEYS, "headers"),
    "rest": (rest_event, REST_KEYS, "headers"),
    "alb": (alb_event, ALB_KEYS, "multiValueHeaders"),
}


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header whichever map carries it (ALB multi-value mode uses lists)."""
    for key in ("headers", "multiValueHeaders"):
        for found, value in (response.get(key) or {}).items():
            if found.lower() == name:
                return value[-1] if isinstance(value, list) else str(value)
    return None


def body(response: dict[str, Any]) -> Any:
    assert response["isBase64Encoded"] is False
    return json.loads(response["body"])


@pytest.fixture
def app() -> App:
    app = load_app(samples.ORDERS_MAIN, adapter="aws")
    app.publisher = InMemoryPublisher()
    module = sys.modules[app.service.handlers["orders.create"].fn.__module__]
    module.store.clear()
    return app


def call(app: App, event: Event) -> dict[str, Any]:
    response: dict[str, Any] = app.entry_point(event, None)
    json.dumps(response)
    return response


@pytest.mark.parametrize("source", SOURCES)
def test_create_then_get_then_cancel(app: App, source: str) -> None:
    build, keys, _ = SOURCES[source]
    created = call(app, build("POST", "/orders", {"sku": "book-1", "qty": 2}))
    assert created["statusCode"] == 201, created["body"]
    assert set(created) == keys
    order = body(created)
    assert order["sku"] == "book-1" and order["qty"] == 2 and order["status"] == "open"
    assert header(created, "location") == f"/orders/{order['id']}"
    assert header(created, "content-type") == "application/json"
    if source == "alb":
        assert created["statusDescription"] == "201 Created"
    published = app.publisher.to("orders.created")  # type: ignore[attr-defined]
    assert [m.body.id for m in published] == [order["id"]]
    assert {target for _, target in app.publisher.sent} == {"orders-events"}  # type: ignore[attr-defined]

    got = call(app, build("GET", f"/orders/{order['id']}"))
    assert got["statusCode"] == 200
    assert body(got) == order

    cancelled = call(app, build("POST", f"/orders/{order['id']}/cancel"))
    assert cancelled["statusCode"] == 200
    assert body(cancelled)["status"] == "cancelled"

    # Cancelling is safe to retry: the same answer, and the event published again.
    again = call(app, build("POST", f"/orders/{order['id']}/cancel"))
    assert again["statusCode"] == 200
    assert set(again) == keys
    assert body(again) == body(cancelled)
    events = app.publisher.to("orders.cancelled")  # type: ignore[attr-defined]
    assert [(m.body.id, m.body.status) for m in events] == [(order["id"], "cancelled")] * 2
    # Published ids derive from the request's id: a redelivered request (same API Gateway
    # request id) publishes the same id again, so consumers can deduplicate; ALB has none.
    assert (events[0].id == events[1].id) is (source != "alb")


@pytest.mark.parametrize("source", SOURCES)
def test_cancelling_an_unknown_order_is_404_and_publishes_nothing(app: App, source: str) -> None:
    build, keys, _ = SOURCES[source]
    response = call(app, build("POST", "/orders/nope/cancel"))
    assert response["statusCode"] == 404 and set(response) == keys
    assert body(response)["error"]["message"] == "order nope does not exist"
    assert app.publisher.messages == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("source", SOURCES)
def test_malformed_json_is_a_structured_400(app: App, source: str) -> None:
    build, keys, _ = SOURCES[source]
    response = call(app, build("POST", "/orders", b'{"sku": "book-1", "qty": '))
    assert response["statusCode"] == 400
    assert set(response) == keys
    error = body(response)["error"]
    assert error["status"] == "invalid"
    assert [e["code"] for e in error["errors"]] == ["malformed_json"]
    assert error["correlation_id"] == header(response, "x-correlation-id")
    assert "Traceback" not in response["body"] and "File \"" not in response["body"]
    assert app.publisher.messages == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("source", SOURCES)
def test_wrong_field_types_give_one_error_per_field(app: App, source: str) -> None:
    build, _, _ = SOURCES[source]
    response = call(app, build("POST", "/orders", {"sku": 5, "qty": "many"}))
    assert response["statusCode"] == 400
    errors = body(response)["error"]["errors"]
    assert sorted(e["field"] for e in errors) == ["qty", "sku"]


@pytest.mark.parametrize("source", SOURCES)
def test_unknown_route_is_404(app: App, source: str) -> None:
    build, keys, _ = SOURCES[source]
    response = call(app, build("GET", "/customers/7"))
    assert response["statusCode"] == 404
    assert set(response) == keys
    assert body(response)["error"]["errors"][0]["code"] == "no_route"


@pytest.mark.parametrize("source", SOURCES)
def test_wrong_method_is_405_with_allow(app: App, source: str) -> None:
    build, keys, _ = SOURCES[source]
    response = call(app, build("DELETE", "/orders/abc"))
    assert response["statusCode"] == 405
    assert set(response) == keys
    assert header(response, "allow") == "GET, HEAD"
    assert header(call(app, build("GET", "/orders")), "allow") == "POST"


@pytest.mark.parametrize("source", SOURCES)
def test_trailing_slash_reaches_the_route(app: App, source: str) -> None:
    build, _, _ = SOURCES[source]
    created = call(app, build("POST", "/orders/", {"sku": "pen", "qty": 1}))
    assert created["statusCode"] == 201
    order_id = body(created)["id"]
    assert call(app, build("GET", f"/orders/{order_id}/"))["statusCode"] == 200


def test_named_http_api_stage_is_not_part_of_the_route(app: App) -> None:
    created = call(app, v2_event("POST", "/prod/orders", {"sku": "a", "qty": 1}, stage="prod"))
    assert created["statusCode"] == 201
    order_id = body(created)["id"]
    assert call(app, v2_event("GET", f"/prod/orders/{order_id}", stage="prod"))["statusCode"] == 200


@pytest.mark.parametrize("source", ["http-api", "rest"])
def test_custom_domain_base_path_is_stripped(app: App, source: str) -> None:
    mapped = App(app.service, app.bindings, adapter="aws", base_path="/api",
                 publisher=InMemoryPublisher())
    build, _, _ = SOURCES[source]
    created = call(mapped, build("POST", "/api/orders", {"sku": "a", "qty": 1}))
    assert created["statusCode"] == 201, created["body"]
    assert call(mapped, build("GET", f"/api/orders/{body(created)['id']}"))["statusCode"] == 200


# Cookies and binary bodies: the orders handlers return neither, so an app middleware stands in
# for a handler answering `Result.ok(..., cookies=[...])` or bytes on the real GET route.
COOKIES = ("last_order=42; Path=/; HttpOnly", "theme=dark; Max-Age=600")


def web_extras(message: Message, call_next: Next) -> Result[Any]:
    result = call_next(message)
    if message.topic != "orders.get" or not result.is_success:
        return result
    if message.headers.get("accept") == "image/png":
        return Result.ok(PNG, content_type="image/png")
    return Result.ok(result.payload, cookies=COOKIES)


@pytest.fixture
def web(app: App) -> tuple[App, str]:
    extended = App(app.service, app.bindings, adapter="aws", middleware=[web_extras],
                   publisher=InMemoryPublisher())
    created = call(extended, v2_event("POST", "/orders", {"sku": "mug", "qty": 3}))
    return extended, body(created)["id"]


def test_cookies_land_in_cookies_list_on_http_api(web: tuple[App, str]) -> None:
    extended, order_id = web
    response = call(extended, v2_event("GET", f"/orders/{order_id}"))
    assert response["cookies"] == list(COOKIES)
    assert set(response) == V2_KEYS | {"cookies"}
    assert header(response, "set-cookie") is None


def test_cookies_land_in_multi_value_set_cookie_on_rest(web: tuple[App, str]) -> None:
    extended, order_id = web
    response = call(extended, rest_event("GET", f"/orders/{order_id}"))
    assert set(response) == REST_KEYS
    assert response["multiValueHeaders"]["Set-Cookie"] == list(COOKIES)


@pytest.mark.parametrize("source", SOURCES)
def test_binary_payload_is_base64(web: tuple[App, str], source: str) -> None:
    extended, order_id = web
    build, keys, _ = SOURCES[source]
    event = build("GET", f"/orders/{order_id}")
    for key in ("headers", "multiValueHeaders"):
        headers = event.get(key)
        if isinstance(headers, dict):
            for name in [n for n in headers if n.lower() == "accept"]:
                del headers[name]
            headers["accept"] = ["image/png"] if key == "multiValueHeaders" else "image/png"
    response = call(extended, event)
    assert response["statusCode"] == 200
    assert set(response) == keys
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == PNG
    assert header(response, "content-type") == "image/png"
