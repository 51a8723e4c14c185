"""A registered handler as a `Message -> Result` callable: the general path's per-message work.

`bind` specialises the callable to the handler's signature once, when its topic's first message
comes (see dispatch.py): validation into the body type, the error boundary, the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .codec import BodyError, LazyJson
from .context import Context
from .handlers import _BODY, _CONTEXT, _MESSAGE, to_result
from .kit.invocation import bind_current, unbind_current
from .message import Message
from .result import _SUCCESS, Error, Result, Status

if TYPE_CHECKING:
    from .handlers import Flush, Handler, Invoke

_INVALID = Status.INVALID


def bind(handler: Handler, flush: Flush, crashed: Callable[[Message, Exception], Result[Any]]) -> Invoke:
    """`handler`'s per-message callable, specialised for its signature.

    It is also the error boundary around the handler: an exception becomes `crashed(...)`'s
    Result, so the middleware around it sees a Result like any other. What the handler
    published is sent by `flush` after it returned a success, and discarded otherwise.
    """
    fn = handler.fn
    declared, topic = handler.publishes, handler.topic

    def finish(context: Context, result: Result[Any]) -> Result[Any]:
        if context.outbox and result.status in _SUCCESS:
            return flush(context.message, context.outbox) or result
        return result

    if handler.is_async:
        from .asyncrun import run_sync

        async_fn = fn

        def fn(*args: Any) -> Any:
            return run_sync(async_fn(*args))

    validate, validate_json = _validators(handler)
    plan = handler.plan

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


def _validators(handler: Handler) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """(validate a decoded body, validate JSON text) for the body parameter's type."""
    handler.adapt_body_type()
    if handler.adapted is not None:
        return handler.adapted
    body_type = handler.body_type
    if body_type is None or body_type is Any or body_type is object:
        return _identity, _parse
    # The model's validator itself: what model_validate(_json) call, minus a wrapper that
    # costs a fifth of a small model's validation.
    validator = body_type.__pydantic_validator__
    return validator.validate_python, validator.validate_json


def _identity(value: Any) -> Any:
    return value


def _parse(data: bytes | str) -> Any:
    return LazyJson(data).parse()


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
