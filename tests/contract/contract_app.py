"""The service every adapter runs in the contract suite, and the App built around it per adapter.

Message handlers act on what the message asks (`{"do": "retry"}`, an object key `retry/...`, a
schedule named `...-retry`), so one handler exercises every settlement on every shape. The App
has, per native message shape the adapter's kit serves, one binding per variant: `plain` (no
dead-letter choice), `dl` (dead-lettered into PARKING), `drop`, `back` (HAND_BACK), `ordered`,
`bytopic` (MESSAGE_TOPIC) and `object` (OBJECT_CREATED); schedules have `plain` and `retry`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, Field

from portside import (
    MESSAGE_TOPIC,
    OBJECT_CREATED,
    App,
    Context,
    Limits,
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
from portside.bindings import Binding

from .native_answers import ATTRIBUTES, DEAD_LETTER, MessageRow, message_row

LIMIT = 16 * 1024  # max_body_bytes of the contract app
DONE, DONE_TARGET = "work.done", "done-channel"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe"
COOKIES = ("session=abc123; Path=/; HttpOnly", "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/")

# What the handlers saw, in order; the suite clears it before each case.
SEEN: list[Message] = []
OTHER: list[Message] = []

service = Service("contract")


def behaviour_of(body: Any) -> str:
    """What a message asks its handler to do (ok unless it says otherwise)."""
    if not isinstance(body, dict):
        return "ok"
    image = body.get("new_image")
    if isinstance(image, dict):
        body = image
    if isinstance(body.get("do"), str):
        return str(body["do"])
    if isinstance(body.get("key"), str):
        return str(body["key"]).split("/", 1)[0]
    if isinstance(body.get("rule"), str):
        return "retry" if str(body["rule"]).endswith("-retry") else "ok"
    return "ok"


@service.handler("work", publishes=[DONE])
def work(message: Message, ctx: Context) -> Result[Any]:
    SEEN.append(message)
    behaviour = behaviour_of(message.body)
    if behaviour == "retry":
        return Result.retry("the contract asks for a retry")
    if behaviour == "poison":
        return Result.invalid("the contract says this message is poison")
    if behaviour == "crash":
        raise RuntimeError("contract crash: secret detail")
    if behaviour in ("publish", "publish-then-retry"):
        ctx.publish(DONE, {"after": message.id})
        return Result.retry("after publishing") if behaviour == "publish-then-retry" else Result.ok()
    if behaviour == "undeclared":
        ctx.publish("not.declared", {"after": message.id})
    return Result.ok({"seen": message.id})


@service.handler("other")
def other(message: Message) -> None:
    OTHER.append(message)


# ---------------------------------------------------------------------- HTTP handlers
class Order(BaseModel):
    sku: str = Field(min_length=1)
    qty: int = Field(gt=0, le=100)


def echoed(message: Message) -> dict[str, Any]:
    SEEN.append(message)
    return {
        "body": message.body,
        "params": dict(message.params),
        "id": message.id,
        "correlation_id": message.correlation_id,
        "cookie": message.headers.get("cookie"),
    }


@service.handler("http.echo")
def http_echo(message: Message) -> dict[str, Any]:
    return echoed(message)


@service.handler("http.blob")
def http_blob() -> Result[Any]:
    return Result.ok(PNG, content_type="image/png")


@service.handler("http.create")
def http_create(message: Message) -> Result[Any]:
    return Result.created({"id": "t-1"}, headers={"location": "/things/t-1"})


@service.handler("http.delete")
def http_delete() -> Result[Any]:
    return Result.no_content()


@service.handler("http.order")
def http_order(order: Order) -> Result[Any]:
    return Result.created(order)


@service.handler("http.conflict")
def http_conflict() -> Result[Any]:
    return Result.conflict("the thing already exists")


@service.handler("http.busy")
def http_busy() -> Result[Any]:
    return Result.retry("busy", after=7)


@service.handler("http.crash")
def http_crash() -> None:
    raise RuntimeError("contract crash: secret detail")


@service.handler("http.cookies")
def http_cookies(message: Message) -> Result[Any]:
    return Result.ok(echoed(message), cookies=COOKIES, headers={"x-extra": "yes"})


@service.handler("http.publish", publishes=[DONE])
def http_publish(ctx: Context) -> Result[Any]:
    ctx.publish(DONE, {"from": "http"})
    return Result.created({"published": True})


@service.handler("http.undeclared")
def http_undeclared(ctx: Context) -> None:
    ctx.publish("not.declared", {})


HTTP_BINDINGS: tuple[Binding, ...] = (
    http("POST /echo", "http.echo"),
    http("GET /items/{id}", "http.echo"),
    http("GET /files/{name}", "http.echo"),
    http("GET /blob", "http.blob"),
    http("POST /things", "http.create"),
    http("DELETE /things/{id}", "http.delete"),
    http("POST /orders", "http.order"),
    http("POST /conflict", "http.conflict"),
    http("POST /busy", "http.busy"),
    http("POST /crash", "http.crash"),
    http("GET /cookies", "http.cookies"),
    http("POST /publish", "http.publish"),
    http("POST /undeclared", "http.undeclared"),
)

VARIANTS: Mapping[str, Sequence[str]] = {
    "queue": ("plain", "dl", "drop", "back", "ordered", "bytopic"),
    "subscription": ("plain", "dl", "drop", "back", "bytopic"),
    "event": ("plain", "dl", "drop", "back", "object"),
    "schedule": ("plain", "retry"),
}


def binding_name(row: MessageRow, kind: str, variant: str) -> str:
    """The name (an event binding's pattern) of one variant's binding on a shape."""
    if kind == "event":
        if variant == "object":
            return OBJECT_CREATED
        return row.event_names.get(variant) or f"contract.{row.shape}.{variant}"
    return f"{kind}-{row.shape}-{variant}{row.suffix}"


def has_variant(row: MessageRow, kind: str, variant: str) -> bool:
    if variant == "bytopic" and ATTRIBUTES not in row.carries_for(kind):
        return False
    return variant in VARIANTS[kind] and variant not in row.refuses


def message_bindings(adapter: str, shapes: Mapping[str, Sequence[str]]) -> list[Binding]:
    """One binding per variant for every (kind, shape) the adapter's kit serves."""
    made: dict[tuple[str, str], Binding] = {}
    for kind, names in shapes.items():
        for shape in names:
            row = message_row(adapter, shape)
            for variant in VARIANTS.get(kind, ()):
                if not has_variant(row, kind, variant):
                    continue
                name = binding_name(row, kind, variant)
                if (kind, name) not in made:
                    made[(kind, name)] = _binding(row, kind, variant, name)
    return list(made.values())


def _binding(row: MessageRow, kind: str, variant: str, name: str) -> Binding:
    topic = MESSAGE_TOPIC if variant == "bytopic" else "work"
    dead_letter = DEAD_LETTER.get(variant) or row.poison_default
    options = {adapter: {key: value.format(name=name) if isinstance(value, str) else value
                         for key, value in values.items()}
               for adapter, values in row.options.get(kind, {}).items()}
    if kind == "queue":
        return queue(name, topic, dead_letter=dead_letter, ordered=variant == "ordered", **options)
    if kind == "subscription":
        return subscription(name, topic, dead_letter=dead_letter, **options)
    if kind == "event":
        return event(name, topic, dead_letter=dead_letter, **options)
    if kind == "schedule":
        return schedule(name, topic, "0 2 * * *", **options)
    raise ValueError(f"the contract suite has no bindings of kind {kind!r}")


@contextmanager
def _exactly(adapter: str) -> Iterator[None]:
    """PORTSIDE_ADAPTER would override the adapter each App is built for."""
    saved = os.environ.pop("PORTSIDE_ADAPTER", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["PORTSIDE_ADAPTER"] = saved


def probe_app(adapter: str) -> App:
    """An App with HTTP bindings only: enough to ask an adapter's kit which shapes it serves."""
    with _exactly(adapter):
        return App(service, [*HTTP_BINDINGS, destination(DONE, DONE_TARGET)], adapter=adapter,
                   limits=Limits(max_body_bytes=LIMIT))


def contract_app(adapter: str, shapes: Mapping[str, Sequence[str]]) -> App:
    """The contract App on `adapter`, with bindings for every message shape in `shapes`."""
    bindings = [*HTTP_BINDINGS, *message_bindings(adapter, shapes), destination(DONE, DONE_TARGET)]
    with _exactly(adapter):
        return App(service, bindings, adapter=adapter, limits=Limits(max_body_bytes=LIMIT))
