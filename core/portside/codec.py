"""Bodies in and out: size and nesting limits, content types, JSON encoding.

Every adapter decodes through `decode_body` and encodes through `encode_json`, so every
transport refuses the same bad input with the same structured Result.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticSerializationError, from_json, to_json

from .result import Error, Result, Status
from .values import Value

DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024
DEFAULT_MAX_DEPTH = 32


class Limits(Value):
    """Inbound body limits. Oversized bodies become `too_large`, deeper ones `invalid`."""

    __slots__ = ("max_body_bytes", "max_depth")
    max_body_bytes: int
    max_depth: int

    def __init__(
        self, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
    ) -> None:
        self._init(max_body_bytes=max_body_bytes, max_depth=max_depth)


class BodyError(Exception):
    """A body that cannot become a message body; `result` says why (status + error code)."""

    def __init__(self, result: Result[Any]) -> None:
        super().__init__(result.errors[0].message if result.errors else result.status.value)
        self.result = result


def _fail(status: Status, code: str, message: str) -> BodyError:
    return BodyError(Result(status, None, (Error(code, message),)))


def is_json_type(media_type: str) -> bool:
    return media_type in ("application/json", "text/json") or media_type.endswith("+json")


def media_type_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class LazyJson:
    """A JSON document within the size and depth limits whose parsing is deferred.

    A handler with a model parameter validates it straight from the text (pydantic's
    `model_validate_json`, about twice as fast as parsing then validating); anything else that
    reads `Message.body` parses it then. Malformed text surfaces as BodyError(invalid) at that
    point, which the dispatch error boundary turns into the same `invalid` Result as eager
    decoding would have given.
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes | str) -> None:
        self.data = data

    def parse(self) -> Any:
        """The JSON value (its depth was bounded when it was deferred); BodyError if malformed."""
        return _load(self.data, DEFAULT_MAX_DEPTH)

    def text(self) -> str:
        data = self.data
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else data

    def __repr__(self) -> str:
        return f"LazyJson({self.data[:60]!r})"


def decode_body(
    data: bytes | str | None, content_type: str | None, limits: Limits, *, lazy: bool = False
) -> Any:
    """Bytes (already base64-decoded by the adapter) -> JSON value, or raise BodyError.

    Accepted: JSON types (`application/json`, `text/json`, any `+json`), no content type (JSON
    assumed), `application/x-www-form-urlencoded` (form fields; a JSON document sent this way,
    as `curl -d` does, is read as JSON) and `text/plain` (the text itself). With `lazy`, a JSON
    document that cannot be too deep is returned as a LazyJson instead of being parsed now.
    """
    if not data:
        return None
    if isinstance(data, bytes):
        size = len(data)
    else:  # a str: only encode it when it might be over the limit in UTF-8
        size = len(data) if len(data) * 4 <= limits.max_body_bytes else len(data.encode())
    if size > limits.max_body_bytes:
        raise _fail(
            Status.TOO_LARGE,
            "body_too_large",
            f"body is {size} bytes; the limit is {limits.max_body_bytes} bytes",
        )
    if content_type is None or content_type == "application/json":  # the common cases, cheaply
        media_type = ""
    else:
        media_type = media_type_of(content_type)
    if not media_type or is_json_type(media_type):
        if lazy and _containers(data) <= limits.max_depth:
            return LazyJson(data)
        return _parse_json(data, limits)
    if media_type == "application/x-www-form-urlencoded":
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if text.lstrip()[:1] in ("{", "["):
            return _parse_json(text, limits)
        return _parse_form(text)
    if media_type == "text/plain":
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    raise _fail(
        Status.UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        f"content type {media_type!r} is not accepted; send application/json",
    )


def _parse_json(data: bytes | str, limits: Limits) -> Any:
    value = _load(data, limits.max_depth)
    # Cheap pre-check: a document with fewer containers than the limit cannot be too deep.
    if _containers(data) > limits.max_depth and _depth(value) > limits.max_depth:
        raise _too_deep(limits.max_depth)
    return value


def _containers(data: bytes | str) -> int:
    """An upper bound of the nesting depth (brackets inside strings count too)."""
    if isinstance(data, bytes):
        return data.count(b"{") + data.count(b"[")
    return data.count("{") + data.count("[")


def _load(data: bytes | str, max_depth: int) -> Any:
    # pydantic_core's parser: the same JSON as the json module, about twice as fast.
    try:
        return from_json(data)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError as exc:
        if "recursion limit" in str(exc):
            raise _too_deep(max_depth) from None
        raise _fail(Status.INVALID, "malformed_json", f"body is not valid JSON: {exc}") from None


def _too_deep(max_depth: int) -> BodyError:
    return _fail(Status.INVALID, "too_deep", f"body nests deeper than the limit of {max_depth} levels")


def _depth(value: Any) -> int:
    """Nesting depth of containers, iteratively (a recursive walk could itself overflow)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in node)
    return deepest


def _parse_form(text: str) -> dict[str, Any]:
    from urllib.parse import parse_qs

    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(text, keep_blank_values=True).items()}


def encode_json(value: Any) -> bytes:
    """JSON bytes for any payload: models, dicts, lists, datetimes, UUIDs...

    Raises BodyError(error/invalid_response) when the value cannot be serialised.
    """
    try:
        return to_json(value)
    except (PydanticSerializationError, TypeError, ValueError) as exc:
        raise _fail(
            Status.ERROR,
            "invalid_response",
            f"the handler's payload cannot be serialised to JSON: {exc}",
        ) from None
