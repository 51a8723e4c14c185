"""Validation errors name the field (`qty: Input should be a valid integer`), never the model."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from portside import App, HttpRequest, Message, Service, http
from portside.testing import TestClient


class InternalLineItemRecord(BaseModel):
    sku: str = Field(min_length=1)
    qty: int


class InternalCatRecord(BaseModel):
    kind: Literal["cat"] = "cat"
    meows: int


class InternalDogRecord(BaseModel):
    kind: Literal["dog"] = "dog"
    barks: int


class InternalOrderRecord(BaseModel):
    lines: list[InternalLineItemRecord]
    pet: InternalCatRecord | InternalDogRecord | None = None


CLASS_NAMES = ("InternalLineItemRecord", "InternalCatRecord", "InternalDogRecord", "InternalOrderRecord")


@pytest.fixture
def app() -> App:
    service = Service("shop")

    @service.handler("orders.create")
    def create(order: InternalOrderRecord) -> InternalOrderRecord:
        return order

    @service.handler("lines.add")
    def add(line: InternalLineItemRecord) -> InternalLineItemRecord:
        return line

    return App(service, [http("POST /orders", "orders.create"), http("POST /lines", "lines.add")],
               adapter="local")


def post(app: App, path: str, body: Any) -> dict[str, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = app.handle_http(HttpRequest("POST", path, body=data))
    assert response.status == 400, response.body
    assert not any(name in response.body.decode() for name in CLASS_NAMES), response.body
    error: dict[str, Any] = json.loads(response.body)["error"]
    return error


def test_the_message_starts_with_the_field(app: App) -> None:
    error = post(app, "/lines", {"sku": "A1", "qty": "three"})
    assert error["message"] == "qty: Input should be a valid integer, unable to parse string as an integer"
    assert error["errors"] == [{"code": "int_parsing", "message": error["message"], "field": "qty"}]


def test_nested_fields_are_dotted_paths(app: App) -> None:
    error = post(app, "/orders", {"lines": [{"sku": "", "qty": 1}, {"sku": "B"}]})
    assert [(e["field"], e["message"]) for e in error["errors"]] == [
        ("lines.0.sku", "lines.0.sku: String should have at least 1 character"),
        ("lines.1.qty", "lines.1.qty: Field required"),
    ]


@pytest.mark.parametrize("body", [[1, 2], "text", 5])
def test_a_body_that_is_not_an_object_is_told_so_without_the_class(app: App, body: Any) -> None:
    error = post(app, "/lines", body)
    assert error["errors"] == [
        {"code": "model_type", "message": "body: Input should be a JSON object"}
    ]


def test_union_members_are_not_named(app: App) -> None:
    error = post(app, "/orders", {"lines": [], "pet": {"meows": "loud"}})
    fields = [e["field"] for e in error["errors"]]
    assert fields == ["pet.meows", "pet.barks"]
    assert error["errors"][1]["message"] == "pet.barks: Field required"

    error = post(app, "/orders", {"lines": [], "pet": 7})
    assert error["errors"] == [{"code": "model_type", "message": "pet: Input should be a JSON object",
                                "field": "pet"}]


def test_queued_messages_and_the_testing_client_get_the_same_errors(app: App) -> None:
    result = app.dispatch(Message("lines.add", {"qty": 2}))
    [error] = result.errors
    assert (error.field, error.message) == ("sku", "sku: Field required")
    with TestClient(app) as client:
        answer = client.post("/lines", json={"sku": "A", "qty": [1]})
        assert answer.json()["error"]["message"] == "qty: Input should be a valid integer"
