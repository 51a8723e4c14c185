"""Onion-style middleware: each layer gets the message and the next layer to call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .message import Message
from .result import Result

Next = Callable[[Message], "Result[Any]"]
Middleware = Callable[[Message, Next], "Result[Any]"]


def compose(middleware: Sequence[Middleware], endpoint: Next) -> Next:
    """Wrap `endpoint` so that `middleware[0]` is the outermost layer. Done once, at startup."""
    chain = endpoint
    for layer in reversed(middleware):
        chain = _bind(layer, chain)
    return chain


def _bind(layer: Middleware, inner: Next) -> Next:
    def call(message: Message) -> Result[Any]:
        return layer(message, inner)

    call.__qualname__ = getattr(layer, "__qualname__", "middleware")
    return call
