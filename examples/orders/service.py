"""The orders service: cloud-neutral. No import here knows which cloud runs it."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Literal
from uuid import uuid4

from pydantic import BaseModel, Field

from portside import Context, Result, Service

service = Service("orders")


class NewOrder(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(gt=0, le=1000)


class OrderRef(BaseModel):
    id: str


class Order(BaseModel):
    id: str
    sku: str
    qty: int
    status: Literal["open", "cancelled"] = "open"
    created_at: datetime


class OrderStore:
    """In-memory store; a real service would use a database. Thread-safe for the local server."""

    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._lock = threading.Lock()

    def add(self, order: Order) -> None:
        with self._lock:
            self._orders[order.id] = order

    def get(self, order_id: str) -> Order | None:
        with self._lock:
            return self._orders.get(order_id)

    def replace(self, order: Order) -> None:
        self.add(order)

    def clear(self) -> None:
        with self._lock:
            self._orders.clear()


store = OrderStore()


@service.handler("orders.create")
def create_order(new: NewOrder, ctx: Context) -> Result[Order]:
    order = Order(id=uuid4().hex, sku=new.sku, qty=new.qty, created_at=datetime.now(timezone.utc))
    store.add(order)
    ctx.publish("orders.created", order)
    return Result.created(order, headers={"location": f"/orders/{order.id}"})


@service.handler("orders.get")
def get_order(ref: OrderRef) -> Result[Order]:
    order = store.get(ref.id)
    if order is None:
        return Result.not_found(f"order {ref.id} does not exist")
    return Result.ok(order)


@service.handler("orders.cancel")
def cancel_order(ref: OrderRef, ctx: Context) -> Result[Order]:
    order = store.get(ref.id)
    if order is None:
        return Result.not_found(f"order {ref.id} does not exist")
    if order.status == "cancelled":
        return Result.conflict(f"order {ref.id} is already cancelled")
    cancelled = order.model_copy(update={"status": "cancelled"})
    store.replace(cancelled)
    ctx.logger.info("order cancelled", order_id=ref.id)
    ctx.publish("orders.cancelled", {"id": ref.id})
    return Result.ok(cancelled)
