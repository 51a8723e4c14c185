"""What the fast-lane tests of every adapter share: the model, the handler outcomes and the
helpers that compare an answer given with the fast path to one given without it."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel, field_validator

from portside import Result, Service, http
from portside.kit import HttpBinding


class Order(BaseModel):
    id: str
    qty: int
    mode: str = "none"


class RaisingValidator(BaseModel):
    """A body whose validator fails with something other than ValueError on id "boom": a lane
    must hand such a message to the general path, never let the exception escape."""

    id: str

    @field_validator("id")
    @classmethod
    def no_boom(cls, value: str) -> str:
        if value == "boom":
            raise TypeError("a validator that fails with something other than ValueError")
        return value


# Every kind of result a handler can return, by `Order.mode`, built only when returned (so a
# test of the lane's walk sees only the one result); "raise" raises.
OUTCOMES: dict[str, Callable[[Order], Any]] = {
    "none": lambda order: None,
    "dict": lambda order: {"id": order.id, "qty": order.qty},
    "list": lambda order: [order.qty],
    "created": lambda order: Result.created({"id": order.id}),
    "created-empty": lambda order: Result.created(),
    "accepted": lambda order: Result.accepted(order),
    "ok-model": lambda order: Result.ok(order),
    "header": lambda order: Result.ok({"a": 1}, headers={"Location": "/x"}),
    "cookie": lambda order: Result.ok({"a": 1}, cookies=("s=1; Path=/",)),
    "bytes": lambda order: b"\x00\x01",
    "text": lambda order: "plain",
    "invalid": lambda order: Result.invalid("no"),
    "retry": lambda order: Result.retry("later", after=3),
    "no-content": lambda order: Result.no_content(),
    "unserialisable": lambda order: {"x": object()},
    "odd": lambda order: {1, 2},
}
MODE_NAMES = (*OUTCOMES, "raise")
MODES = st.sampled_from(MODE_NAMES)


def outcome(order: Order) -> Any:
    """What a handler returns for `order.mode`: every kind of result, and an exception."""
    if order.mode == "raise":
        raise RuntimeError("handler failed")
    made = OUTCOMES.get(order.mode)
    return made(order) if made is not None else None


class Recorder:
    """The handler calls of one App, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int, str]] = []

    def record(self, handler: str, order: Order) -> Any:
        self.calls.append((handler, order.id, order.qty, order.mode))
        return outcome(order)


def register(service: Service, recorder: Recorder) -> None:
    """The three model-only handlers (so each has a lane) the tests bind: they record their
    call and return what `Order.mode` asks for."""

    @service.handler("orders.create")
    def create(order: Order) -> Any:
        return recorder.record("create", order)

    @service.handler("orders.ingest")
    def ingest(order: Order) -> Any:
        return recorder.record("ingest", order)

    @service.handler("filler")
    def filler(order: Order) -> Any:
        return recorder.record("filler", order)


def http_bindings() -> list[HttpBinding]:
    """The routes the HTTP lane tests bind: two that lead to a lane (with and without a path
    parameter), a filler, a static route under a parameter's parent, and a HEAD route."""
    return [
        http("GET /r/{id}", "filler"),
        http("HEAD /h/{id}", "filler"),  # answered without its body
        http("POST /orders/{id}", "orders.create"),
        http("POST /orders", "orders.create"),
        http("PUT /orders/static", "filler"),
    ]


def calls_during(fn: Callable[..., Any], *args: Any) -> list[str]:
    """`folder.function` of every Python call while `fn(*args)` runs: the walk of one input,
    counted (a measure that does not flap, unlike a timing)."""
    seen: list[str] = []

    def profile(frame: Any, what: str, arg: Any) -> None:
        if what == "call":
            folder = frame.f_code.co_filename.rsplit("/", 2)[-2:][0]  # "<frozen abc>": itself
            seen.append(f"{folder}.{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        fn(*args)
    finally:
        sys.setprofile(None)
    return seen


def mostly(common: Any, *others: Any, times: int = 3) -> st.SearchStrategy[Any]:
    """`common` `times` times as often as one of `others` (three in four by default): the
    lanes' case must be frequent, and each variation that sends an input to the general path
    must appear."""
    return st.one_of(*(st.just(common) for _ in range(times)), st.sampled_from(others))


GENERATED_ID = re.compile(r"\b[0-9a-f]{12}-[0-9a-f]+\b")  # portside.message.new_id()


def without_generated_ids(answer: Any) -> str:
    """The answer as JSON text with ids portside generated (none was given) masked: the two
    runs draw different ones from one counter."""
    return GENERATED_ID.sub("<generated>", json.dumps(answer, default=str))
