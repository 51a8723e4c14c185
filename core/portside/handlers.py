"""Turn a user function into a fast `Message -> Result` callable, driven by its signature.

All inspection happens once, at registration; the per-message path is a precompiled closure.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from .codec import BodyError, LazyJson
from .context import Context
from .errors import HandlerDefinitionError
from .message import Message
from .pipeline import Middleware
from .result import Error, Result, Status

HandlerFn = Callable[..., Any]
Invoke = Callable[[Message], "Result[Any]"]
# Sends a successful handler's outbox; returns None, or the Result to answer when sending failed.
Flush = Callable[[Message, "list[Message]"], "Result[Any] | None"]

_MESSAGE, _CONTEXT, _BODY = "message", "context", "body"
_PAYLOAD_TYPES = (BaseModel, dict, list, str, int, float, bool, bytes)
# Enum member lookups cost ~100 ns each on 3.11; the per-message path uses these constants.
_OK, _NO_CONTENT, _INVALID = Status.OK, Status.NO_CONTENT, Status.INVALID
_SUCCESS = frozenset({Status.OK, Status.CREATED, Status.ACCEPTED, Status.NO_CONTENT})
_fast_result = Result._fast


# pydantic messages that name the model class (a server-side detail) instead of what to send.
_OBJECT_EXPECTED = frozenset({"model_type", "dataclass_type", "model_attributes_type"})


def validation_errors(exc: ValidationError) -> tuple[Error, ...]:
    """One Error per failing field, with a dotted field path (`items.0.qty`) and a message that
    starts with it (`qty: Input should be a valid integer`); `body` when the whole body is wrong.

    Messages never name the model class: a body that is not an object is told to be a JSON
    object, and a union's member names are left out of the path. Malformed JSON met while
    validating deferred text gets the code eager decoding gives."""
    out = []
    classes: frozenset[str] | None = None
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        kind, text, loc = err["type"], err["msg"], err["loc"]
        if kind == "json_invalid":
            detail = text.removeprefix("Invalid JSON: ")
            return (Error("malformed_json", f"body is not valid JSON: {detail}"),)
        if any(isinstance(part, str) and (part[:1].isupper() or "[" in part) for part in loc):
            classes = _model_names() if classes is None else classes
            loc = tuple(part for part in loc if not _is_type_tag(part, classes))
        if kind in _OBJECT_EXPECTED:
            text = "Input should be a JSON object"
        elif kind == "is_instance_of":
            text = "Input is not of the expected type"
        field = ".".join(str(part) for part in loc) or None
        error = Error(kind, f"{field or 'body'}: {text}", field)
        if error not in out:  # union members can fail alike once their names are gone
            out.append(error)
    return tuple(out)


def _is_type_tag(part: str | int, classes: frozenset[str]) -> bool:
    """A path segment pydantic adds for a union member: a model's name or a type like `list[int]`."""
    return isinstance(part, str) and (part in classes or "[" in part)


def _model_names() -> frozenset[str]:
    """The class names of every pydantic model defined so far (what a union of models tags)."""
    names: set[str] = set()
    stack: list[type] = [BaseModel]
    while stack:
        cls = stack.pop()
        names.add(cls.__name__)
        stack.extend(cls.__subclasses__())
    return frozenset(names)


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
        self.is_async = inspect.iscoroutinefunction(fn)
        self.plan, self.body_type = _plan(fn)
        # A body type other than a model needs a TypeAdapter: built now, so a type pydantic
        # cannot validate fails at registration rather than at the first message.
        self._adapted = None if _is_model_or_any(self.body_type) else _adapter_validators(self.body_type)

    @property
    def validates_body(self) -> bool:
        """True when the body is validated (or parsed) before the handler runs."""
        return _BODY in self.plan

    @property
    def defers_json(self) -> bool:
        """True when JSON text may be validated directly (codec.LazyJson) with the same outcome
        as validating the parsed value: the body is validated first and nothing in its schema is
        strict (strict fields accept more from JSON text, e.g. a UUID string, than from Python)."""
        if not self.validates_body:
            return False
        body_type = self.body_type
        if isinstance(body_type, type) and issubclass(body_type, BaseModel):
            return not _is_strict(body_type.__pydantic_core_schema__)
        return body_type in (None, Any, object)

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

    def bind(self, flush: Flush, crashed: Callable[[Message, Exception], Result[Any]]) -> Invoke:
        """The per-message callable, specialised for this signature.

        It is also the error boundary around the handler: an exception becomes `crashed(...)`'s
        Result, so the middleware around it sees a Result like any other. What the handler
        published is sent by `flush` after it returned a success, and discarded otherwise.
        """
        fn = self.fn
        declared, topic = self.publishes, self.topic

        def finish(context: Context, result: Result[Any]) -> Result[Any]:
            if context.outbox and result.status in _SUCCESS:
                return flush(context.message, context.outbox) or result
            return result

        if self.is_async:
            from .asyncrun import run_sync

            async_fn = fn

            def fn(*args: Any) -> Any:
                return run_sync(async_fn(*args))

        validate, validate_json = self._validators()
        plan = self.plan
        # Imported when an App is built, not with this module (kit imports the core): the running
        # handler's Context is kit.invocation.current() while it runs, per thread or task.
        from .kit.invocation import bind_current, unbind_current

        def body_of(message: Message) -> Any:
            raw = message._body
            if type(raw) is LazyJson:
                return validate_json(raw.data)
            return validate(raw)

        if plan == (_BODY,):

            def invoke(message: Message) -> Result[Any]:
                raw = message._body
                try:
                    body = validate_json(raw.data) if type(raw) is LazyJson else validate(raw)
                except ValidationError as exc:
                    return Result(_INVALID, None, validation_errors(exc))
                except BodyError as exc:
                    return exc.result
                try:
                    return to_result(fn(body))
                except Exception as exc:
                    return crashed(message, exc)

        elif plan == (_BODY, _CONTEXT):

            def invoke(message: Message) -> Result[Any]:
                raw = message._body
                try:
                    body = validate_json(raw.data) if type(raw) is LazyJson else validate(raw)
                except ValidationError as exc:
                    return Result(_INVALID, None, validation_errors(exc))
                except BodyError as exc:
                    return exc.result
                context = Context(message, declared, topic)
                token = bind_current(context)
                try:
                    result = to_result(fn(body, context))
                except Exception as exc:
                    return crashed(message, exc)
                finally:
                    unbind_current(token)
                return finish(context, result) if context.outbox else result

        else:

            def invoke(message: Message) -> Result[Any]:
                args: list[Any] = []
                context: Context | None = None
                for kind in plan:
                    if kind is _BODY:
                        try:
                            args.append(body_of(message))
                        except ValidationError as exc:
                            return Result(_INVALID, None, validation_errors(exc))
                        except BodyError as exc:
                            return exc.result
                    elif kind is _MESSAGE:
                        args.append(message)
                    else:
                        context = Context(message, declared, topic)
                        args.append(context)
                token = bind_current(context) if context is not None else None
                try:
                    result = to_result(fn(*args))
                except Exception as exc:
                    return crashed(message, exc)
                finally:
                    if token is not None:
                        unbind_current(token)
                return finish(context, result) if context is not None else result

        return invoke

    def _validators(self) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
        """(validate a decoded body, validate JSON text) for the body parameter's type."""
        if self._adapted is not None:
            return self._adapted
        body_type = self.body_type
        if body_type is None or body_type is Any or body_type is object:
            return _identity, _parse
        # The model's validator itself: what model_validate(_json) call, minus a wrapper that
        # costs a fifth of a small model's validation.
        validator = body_type.__pydantic_validator__
        return validator.validate_python, validator.validate_json


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


def _identity(value: Any) -> Any:
    return value


def _parse(data: bytes | str) -> Any:
    return LazyJson(data).parse()


def _plan(fn: HandlerFn) -> tuple[tuple[str, ...], Any]:
    name = getattr(fn, "__qualname__", repr(fn))
    plan: list[str] = []
    body_type: Any = None
    for param_name, annotation in _parameters(fn, name):
        if annotation is Message:
            plan.append(_MESSAGE)
        elif annotation is Context:
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
