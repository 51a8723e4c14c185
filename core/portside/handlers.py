"""Handlers keyed by topic: the Service that collects them, each registered Handler (the user
function and the plan its signature gives), and the onion-style middleware around them (each
layer gets the message and the next layer to call).

All inspection happens once, at registration. The per-message callable the plan becomes is
built in invoke.py, when the topic's first message comes (a fast lane needs none: lanes.py).
"""

from __future__ import annotations

import inspect
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from .errors import HandlerDefinitionError
from .message import Message
from .result import Error, Result, Status

HandlerFn = Callable[..., Any]
Next = Callable[[Message], "Result[Any]"]
Middleware = Callable[[Message, Next], "Result[Any]"]
Invoke = Callable[[Message], "Result[Any]"]
# Sends a successful handler's outbox; returns None, or the Result to answer when sending failed.
Flush = Callable[[Message, "list[Message]"], "Result[Any] | None"]
F = TypeVar("F", bound=HandlerFn)

_MESSAGE, _CONTEXT, _BODY = "message", "context", "body"
_PAYLOAD_TYPES = (BaseModel, dict, list, str, int, float, bool, bytes)
# Enum member lookups cost ~100 ns each on 3.11; the per-message path uses these constants.
_OK, _NO_CONTENT = Status.OK, Status.NO_CONTENT
_fast_result = Result._fast


class Service:
    """Collects handlers and service-wide middleware.

    >>> service = Service("demo")
    >>> @service.handler("demo.ping", publishes=["demo.pinged"])
    ... def ping(message: Message) -> None:
    ...     pass
    >>> service.topics, service.handlers["demo.ping"].publishes
    (('demo.ping',), frozenset({'demo.pinged'}))
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


def to_result(value: Any) -> Result[Any]:
    """Normalise what a handler returned: Result, model, JSON value, bytes or None."""
    if value is None:
        return _fast_result(_NO_CONTENT, None)
    if isinstance(value, Result):
        return value
    if isinstance(value, _PAYLOAD_TYPES):
        return _fast_result(_OK, value)
    return Result(
        Status.ERROR,
        None,
        (
            Error(
                "invalid_response",
                f"handler returned {type(value).__name__}; return a Result, a pydantic model, "
                "a JSON value, bytes or None",
            ),
        ),
    )


class Handler:
    """A registered handler: topic, user function, per-handler middleware, the topics it
    publishes, and its parameter plan."""

    def __init__(
        self, topic: str, fn: HandlerFn, middleware: Sequence[Middleware] = (), publishes: Sequence[str] = ()
    ) -> None:
        self.topic = topic
        self.fn = fn
        self.middleware = tuple(middleware)
        self.publishes = frozenset(publishes)
        self.plan, self.body_type = _plan(fn)
        self.adapted: tuple[Callable[[Any], Any], Callable[[Any], Any]] | None = None
        self._defers_json: bool | None = None  # see defers_json

    @property
    def is_async(self) -> bool:
        """True for an `async def` handler. Asked when its chain or lane is built, for the few
        topics that need one, not at registration (a cold start registers every handler)."""
        return inspect.iscoroutinefunction(self.fn)

    def adapt_body_type(self) -> None:
        """Build the TypeAdapter a body type other than a model needs. The App does it when it
        is built (its dispatcher comes later, on first use), so a type pydantic cannot validate
        still fails at startup, and a forward reference resolved by then still works."""
        if self.adapted is None and not _is_model_or_any(self.body_type):
            try:
                self.adapted = _adapter_validators(self.body_type)
            except Exception as exc:
                raise HandlerDefinitionError(
                    f"handler {self.topic!r}: pydantic cannot validate its body type "
                    f"{self.body_type!r} ({type(exc).__name__}: {exc}). Annotate the body with a "
                    "pydantic model, a type pydantic validates (list[Model], dict[str, int]...) or Any."
                ) from exc

    @property
    def validates_body(self) -> bool:
        """True when the body is validated (or parsed) before the handler runs."""
        return _BODY in self.plan

    @property
    def defers_json(self) -> bool:
        """True when JSON text may be validated directly (codec.LazyJson) with the same outcome
        as validating the parsed value: the body is validated first and nothing in its schema is
        strict (strict fields accept more from JSON text, e.g. a UUID string, than from Python)."""
        defers = self._defers_json
        if defers is None:  # decided once: the App asks for every handler, twice
            body_type = self.body_type
            if not self.validates_body:
                defers = False
            elif isinstance(body_type, type) and issubclass(body_type, BaseModel):
                defers = not _is_strict(body_type.__pydantic_core_schema__)
            else:
                defers = body_type in (None, Any, object)
            self._defers_json = defers
        return defers

    def model_fields(self) -> frozenset[str] | None:
        """The input names of the body's pydantic model (fields and string aliases) when it
        ignores unknown names (pydantic's default), else None (every name may matter)."""
        body_type = self.body_type
        if not (isinstance(body_type, type) and issubclass(body_type, BaseModel)):
            return None
        if body_type.model_config.get("extra", "ignore") != "ignore":
            return None
        names: set[str] = set()
        for name, field in body_type.model_fields.items():
            names.add(name)
            for alias in (field.alias, field.validation_alias):
                if isinstance(alias, str):
                    names.add(alias)
                elif alias is not None:  # AliasPath / AliasChoices: cannot tell cheaply
                    return None
        return frozenset(names)


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


def deferrable_topics(handlers: Mapping[str, Handler], outer: Sequence[Middleware]) -> frozenset[str]:
    """Topics whose JSON may be parsed lazily (codec.LazyJson): the handler validates its body
    before running (and not strictly) and no middleware (`outer`: the App's and the Service's)
    could read the body first, so every outcome is the one eager decoding would give."""
    if outer:
        return frozenset()
    return frozenset(
        topic for topic, handler in handlers.items() if handler.defers_json and not handler.middleware
    )


def _is_model_or_any(body_type: Any) -> bool:
    return (
        body_type is None
        or body_type is Any
        or body_type is object
        or (isinstance(body_type, type) and issubclass(body_type, BaseModel))
    )


def _adapter_validators(body_type: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    from pydantic import TypeAdapter

    adapter = TypeAdapter(body_type)
    return adapter.validate_python, adapter.validate_json


def _is_strict(schema: Any) -> bool:
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("strict") is True:
                return True
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return False


def _plan(fn: HandlerFn) -> tuple[tuple[str, ...], Any]:
    name = getattr(fn, "__qualname__", None) or repr(fn)
    plan: list[str] = []
    body_type: Any = None
    context = _context_class()
    for param_name, annotation in _parameters(fn, name):
        if annotation is Message:
            plan.append(_MESSAGE)
        elif context is not None and annotation is context:
            plan.append(_CONTEXT)
        elif annotation is inspect.Parameter.empty:
            raise HandlerDefinitionError(
                f"handler {name}: parameter {param_name!r} has no annotation. Annotate it with a "
                "pydantic model (the validated body), Message, Context, or Any (the raw body)."
            )
        elif body_type is not None:
            raise HandlerDefinitionError(
                f"handler {name}: parameters {param_name!r} and an earlier one both claim the "
                "body. A handler takes at most one body parameter."
            )
        else:
            body_type = annotation
            plan.append(_BODY)
    return tuple(plan), body_type


def _context_class() -> type | None:
    """portside.Context, when something imported it: only then can a handler name it, and a
    service whose handlers never do starts without loading its module."""
    module = sys.modules.get(__package__ + ".context")
    return None if module is None else module.Context


_VARIADIC = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def _parameters(fn: HandlerFn, name: str) -> list[tuple[str, Any]]:
    """(name, resolved annotation or Parameter.empty) of each parameter, in order.

    A plain function annotated with classes only (`order: Order`, no defaults) is read from
    its code object: what `inspect.signature` and `typing.get_type_hints` would say, at a
    twentieth of their cost, which a service with many handlers pays at every cold start."""
    code = getattr(fn, "__code__", None)
    annotations = getattr(fn, "__annotations__", None)
    if (
        type(fn) is types.FunctionType
        and code is not None
        and not code.co_flags & _VARIADIC
        and fn.__defaults__ is None
        and not fn.__kwdefaults__
        and isinstance(annotations, dict)
        and all(isinstance(value, type) for key, value in annotations.items() if key != "return")
    ):
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        return [(param, annotations.get(param, inspect.Parameter.empty)) for param in names]
    try:
        hints = typing.get_type_hints(fn)
    except Exception as exc:
        raise HandlerDefinitionError(
            f"cannot resolve the annotations of handler {name}: {exc}. Import every type its "
            "signature names at module level."
        ) from exc
    found = []
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise HandlerDefinitionError(
                f"handler {name}: *args/**kwargs are not supported; declare a body model, "
                "a Message or a Context parameter"
            )
        found.append((param.name, hints.get(param.name, inspect.Parameter.empty)))
    return found
