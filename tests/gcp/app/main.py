"""A service on the gcp adapter, used in-process by the tests and as the `--source` of a real
functions-framework server. Handlers record what reached them; GET /seen lists it."""

from __future__ import annotations

import threading
from typing import Any

from pydantic import BaseModel

from portside import (
    OBJECT_CREATED,
    App,
    Context,
    Message,
    Result,
    Service,
    destination,
    event,
    http,
    queue,
    schedule,
    subscription,
)

service = Service("gcp-test")
_lock = threading.Lock()
SEEN: list[dict[str, Any]] = []


def record(message: Message, **fields: Any) -> None:
    with _lock:
        SEEN.append({"topic": message.topic, "id": message.id, "transport": message.transport,
                     "correlation_id": message.correlation_id, **fields})


class NewOrder(BaseModel):
    id: str
    qty: int


@service.handler("orders.create", publishes=["orders.created"])
def create_order(order: NewOrder, message: Message, ctx: Context) -> Result[dict[str, Any]]:
    """`retry` asks for a retry, `boom` raises, a negative qty is invalid (poison)."""
    if order.id == "retry":
        record(message, outcome="retry")
        return Result.retry("try later", after=7)
    if order.id == "boom":
        raise RuntimeError("the handler failed")
    if order.qty < 0:
        return Result.invalid("qty must not be negative")
    record(message, order=order.id, group=message.headers.get("message-group-id"), attempt=message.attempt)
    ctx.publish("orders.created", {"id": order.id})
    return Result.created({"created": order.id})


@service.handler("items.get")
def get_item(body: dict[str, Any], message: Message) -> dict[str, Any]:
    return {"id": message.params.get("id"), "query": {k: v for k, v in body.items() if k != "id"}}


@service.handler("seen.list")
def seen_list() -> list[dict[str, Any]]:
    with _lock:
        return list(SEEN)


@service.handler("audit")
def audit(body: Any, message: Message) -> None:
    identity = message.identity or {}
    record(message, body=body if not isinstance(body, bytes) else body.hex(), attributes=dict(message.headers),
           identity=identity.get("email"))


@service.handler("ticks")
def tick(body: dict[str, Any], message: Message) -> None:
    record(message, body=body)


@service.handler("files.uploaded")
def uploaded(body: dict[str, Any], message: Message) -> None:
    record(message, body=body)


@service.handler("docs.changed")
def docs(body: Any, message: Message) -> None:
    kept = body if not isinstance(body, bytes) else body.hex()
    record(message, body=kept, type=message.headers.get("ce-type"))


def build(adapter: str = "gcp") -> App:
    return App(
        service,
        [
            http("POST /orders", "orders.create"),
            http("GET /items/{id}", "items.get"),
            http("GET /seen", "seen.list"),
            queue("orders-inbox", "orders.create", gcp={"topic": "orders-in"}),
            queue("parked-inbox", "orders.create", dead_letter="orders-dead"),
            queue("ordered-inbox", "orders.create", ordered=True),
            subscription("orders-events", "audit", gcp={"subscription": "audit-push"}),
            schedule("nightly", "ticks", "0 2 * * *"),
            event(OBJECT_CREATED, "files.uploaded"),
            event("google.cloud.firestore.document.v1.*", "docs.changed"),
            event("google.firebase.*", "docs.changed"),
            event("google.cloud.audit.log.v1.written", "docs.changed"),
            event("google.cloud.cloudbuild.build.v1.statusChanged", "docs.changed"),
            destination("orders.created", "orders-events"),
        ],
        adapter=adapter,
    )


app = build()
handler = app.entry_point
