"""The orders service: cloud-neutral. No import here knows which cloud runs it."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Literal
from uuid import uuid4

from pydantic import BaseModel, Field

from portside import Context, Message, Result, Service

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

    def cancel(self, order_id: str) -> Order | None:
        """The order, cancelled (already cancelled ones unchanged), or None when unknown."""
        with self._lock:
            order = self._orders.get(order_id)
            if order is not None and order.status != "cancelled":
                order = self._orders[order_id] = order.model_copy(update={"status": "cancelled"})
            return order

    def clear(self) -> None:
        with self._lock:
            self._orders.clear()


class AuditLog:
    """What the audit handler saw arrive on `orders-events`: (event topic, order id, status)."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def add(self, entry: tuple[str, str, str]) -> None:
        with self._lock:
            self.entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()


store = OrderStore()
audit_log = AuditLog()


@service.handler("orders.create", publishes=["orders.created"])
def create_order(new: NewOrder, ctx: Context) -> Result[Order]:
    order = Order(id=uuid4().hex, sku=new.sku, qty=new.qty, created_at=datetime.now(timezone.utc))
    store.add(order)
    ctx.publish("orders.created", order)  # sent once this handler has succeeded
    return Result.created(order, headers={"location": f"/orders/{order.id}"})


@service.handler("orders.get")
def get_order(ref: OrderRef) -> Result[Order]:
    order = store.get(ref.id)
    if order is None:
        return Result.not_found(f"order {ref.id} does not exist")
    return Result.ok(order)


@service.handler("orders.cancel", publishes=["orders.cancelled"])
def cancel_order(ref: OrderRef, ctx: Context) -> Result[Order]:
    """Safe to retry: cancelling a cancelled order answers 200 with it and publishes again
    (delivery is at-least-once, so consumers deduplicate by the event's id anyway)."""
    order = store.cancel(ref.id)
    if order is None:
        return Result.not_found(f"order {ref.id} does not exist")
    ctx.logger.info("order cancelled", order_id=ref.id)
    ctx.publish("orders.cancelled", order)
    return Result.ok(order)


@service.handler("orders.audit")
def audit_order_event(order: Order, message: Message, ctx: Context) -> None:
    """Every event on `orders-events` (created and cancelled); the binding names this handler,
    the event's own topic travels with it as the `portside-topic` header."""
    event = message.headers.get("portside-topic") or ""
    audit_log.add((event, order.id, order.status))
    ctx.logger.info("order event audited", event=event, order_id=order.id, message_id=ctx.message_id)
