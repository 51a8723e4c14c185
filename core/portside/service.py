"""A service: handlers keyed by topic, written with no knowledge of any transport."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from .errors import HandlerDefinitionError
from .handlers import Handler, HandlerFn
from .pipeline import Middleware

F = TypeVar("F", bound=HandlerFn)


class Service:
    """Collects handlers and service-wide middleware.

    >>> from pydantic import BaseModel
    >>> class Ping(BaseModel):
    ...     text: str
    >>> service = Service("demo")
    >>> @service.handler("demo.ping")
    ... def ping(body: Ping) -> dict[str, str]:
    ...     return {"pong": body.text}
    >>> service.topics
    ('demo.ping',)
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.handlers: dict[str, Handler] = {}
        self.middleware: list[Middleware] = []

    def handler(
        self, topic: str, *, publishes: Sequence[str] = (), middleware: Sequence[Middleware] = ()
    ) -> Callable[[F], F]:
        """Register the decorated function for `topic` (sync or async).

        `publishes` lists the topics it may send with `ctx.publish`; publishing any other raises
        UndeclaredTopic, and building an App fails when one of them has no destination."""
        if not topic or not isinstance(topic, str):
            raise HandlerDefinitionError("a handler topic is a non-empty string, e.g. 'orders.create'")
        if isinstance(publishes, str) or not all(isinstance(t, str) and t for t in publishes):
            raise HandlerDefinitionError(
                f"handler {topic!r}: publishes is a list of topics, e.g. publishes=['orders.created']"
            )

        def register(fn: F) -> F:
            if topic in self.handlers:
                existing = self.handlers[topic].fn
                raise HandlerDefinitionError(
                    f"topic {topic!r} already has handler {existing.__qualname__}; "
                    "one topic has exactly one handler"
                )
            self.handlers[topic] = Handler(topic, fn, middleware, publishes)
            return fn

        return register

    def use(self, middleware: Middleware) -> Middleware:
        """Add service-wide middleware (usable as a decorator); runs around every handler."""
        self.middleware.append(middleware)
        return middleware

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self.handlers)
