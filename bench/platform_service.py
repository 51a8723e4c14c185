"""The service every platform benchmark measures, on portside and by hand: POST /orders/{id} as
the 51st route after 50 filler routes, and one queue of orders, with the same model and work."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from portside import App, Message, Result, Service, http, queue

os.environ.setdefault("PORTSIDE_LOG_LEVEL", "CRITICAL")
N_FILLERS = 50


class Order(BaseModel):
    id: str
    qty: int
    sku: str


def price(order: Order) -> int:
    return order.qty * {"SKU-123": 1999}.get(order.sku, 1000)


def filler_method(i: int) -> str:
    return "GET" if i % 2 == 0 else "POST"


def _filler(i: int) -> Callable[..., Any]:
    def filler(message: Message) -> dict[str, Any]:
        return {"route": i, "id": message.params["id"]}

    return filler


def portside_app(adapter: str, queue_name: str) -> App:
    """The service on `adapter`, its orders queue bound as `queue_name`."""
    service = Service("bench")
    bindings = []
    for i in range(N_FILLERS):
        service.handler(f"filler.{i}")(_filler(i))
        bindings.append(http(f"{filler_method(i)} /r{i}/{{id}}", f"filler.{i}"))

    @service.handler("orders.create")
    def create(order: Order) -> Result[dict[str, Any]]:
        return Result.created({"id": order.id, "total": price(order)})

    @service.handler("orders.ingest")
    def ingest(order: Order) -> None:
        price(order)

    routes = [*bindings, http("POST /orders/{id}", "orders.create")]
    return App(service, [*routes, queue(queue_name, "orders.ingest")], adapter=adapter)
