"""Shared pieces of the azure adapter's tests: a service with a handler of every kind, and an
App of it with one binding of every Azure trigger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from portside import (
    OBJECT_CREATED,
    App,
    Context,
    Error,
    Result,
    Service,
    destination,
    event,
    http,
    queue,
    schedule,
    subscription,
)

pytest.importorskip("azure.functions")


class Order(BaseModel):
    sku: str
    qty: int = 1


class Lookup(BaseModel):
    id: str
    tag: list[str] | str | None = None
    code: str | None = None  # the function key's query name: it must never arrive


def make_service() -> Service:
    service = Service("shop")
    seen: list[tuple[str, Any]] = []

    @service.handler("orders.create", publishes=["orders.created"])
    def create(body: Order, ctx: Context) -> Result[dict[str, Any]]:
        if body.sku == "retry":
            return Result.retry(Error("busy", "try again later"))
        if body.sku == "boom":
            raise RuntimeError("handler crashed")
        ctx.publish("orders.created", {"sku": body.sku, "qty": body.qty})
        seen.append(("orders.create", body.model_dump()))
        return Result.created({"sku": body.sku, "qty": body.qty})

    @service.handler("orders.get")
    def get(body: Lookup, ctx: Context) -> dict[str, Any]:
        return {
            "id": body.id,
            "tag": body.tag,
            "code": body.code,
            "headers": dict(ctx.message.headers),
            "identity": ctx.identity,
        }

    @service.handler("files.created")
    def files(body: dict[str, Any]) -> None:
        seen.append(("files.created", body))

    @service.handler("custom.event")
    def custom(body: Any) -> None:
        seen.append(("custom.event", body))

    @service.handler("tick")
    def tick(body: dict[str, Any]) -> None:
        seen.append(("tick", body))
        if body.get("rule") == "failing":
            raise RuntimeError("tick failed")

    service.seen = seen  # type: ignore[attr-defined]
    return service


def every_trigger() -> list[Any]:
    return [
        http("POST /orders", "orders.create"),
        http("GET /orders/{id}", "orders.get"),
        queue("inbox", "orders.create"),
        queue("parked-inbox", "orders.create", dead_letter="orders-poison"),
        queue("sb-inbox", "orders.create", ordered=True, azure={"service": "servicebus"}),
        queue(
            "hub",
            "orders.create",
            dead_letter="orders-poison",
            azure={"service": "eventhubs", "max_retries": 2},
        ),
        subscription("orders-events", "*", azure={"subscription": "audit"}),
        schedule("nightly", "tick", "30 2 * * MON-FRI"),
        schedule("failing", "tick", "rate(5 minutes)"),
        event(OBJECT_CREATED, "files.created"),
        event("Custom.*", "custom.event"),
        destination("orders.created", "orders-events"),
    ]


@pytest.fixture
def service() -> Service:
    return make_service()


@pytest.fixture
def app(service: Service, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.delenv("PORTSIDE_AZURE_AUTH_LEVEL", raising=False)
    monkeypatch.delenv("WEBSITE_TIME_ZONE", raising=False)
    monkeypatch.delenv("PORTSIDE_ADAPTER", raising=False)
    yield App(service, every_trigger(), adapter="azure")
