"""Helpers every message shape needs when reading native records.

Readers are pure and tolerant: a record that lacks its documented shape raises `Malformed`
inside the reader, and becomes a `poison` Message that carries the raw record and settles like
any other (dead-lettered or handed back), so nothing is lost and nothing crashes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..bindings import MESSAGE_TOPIC
from ..headers import EMPTY_HEADERS, Headers
from ..inbound import Inbound
from ..message import CORRELATION_HEADER, TOPIC_HEADER, Message
from ..result import Error, Result

if TYPE_CHECKING:
    from ..app import App


class Malformed(ValueError):
    """A native record that does not have its documented shape; it becomes a poison Message."""


def poison(app: App, reason: str, raw: Any, *, transport: str, **fields: Any) -> Message:
    """A Message for a record that cannot be read: it carries an `invalid` failure and the raw
    record as its body, so it is dead-lettered or handed back with nothing lost."""
    body = raw if isinstance(raw, (dict, list, str, int, float, bool)) or raw is None else repr(raw)
    data = raw if isinstance(raw, (bytes, str)) else None
    return app.receive(Inbound(
        None, data, body=body, raw=raw, transport=transport,
        failure=Result.invalid(Error("malformed_record", reason)), **fields,
    ))


def resolve_topic(binding: Any, headers: Headers) -> str | None:
    """The handler topic of a record that came by `binding` (None: no binding, unroutable).

    The binding's topic decides; only a binding whose topic is MESSAGE_TOPIC dispatches by the
    message's own `portside-topic` attribute (None when the message has none)."""
    if binding is None:
        return None
    topic: str = binding.topic
    if topic != MESSAGE_TOPIC:
        return topic
    return headers.get_lowercase(TOPIC_HEADER) if headers is not EMPTY_HEADERS else None


def unroutable_reason(binding: Any, what: str, fix: str) -> str:
    """Why a record has no topic: no binding (`fix` says which to add), or a MESSAGE_TOPIC
    binding and a message that names no topic."""
    if binding is None:
        return f"{what} has no binding; {fix}"
    return (f"{what} dispatches by each message's {TOPIC_HEADER!r} attribute, and this message has "
            "none; the sender must set it")


def correlation(headers: Headers, *fallbacks: Any) -> str | None:
    """`x-correlation-id` when the sender set it, else the first native id available."""
    if headers is not EMPTY_HEADERS:
        sent = headers.get_lowercase(CORRELATION_HEADER)
        if sent:
            return sent
    for candidate in fallbacks:  # runs once per record: no tuple is built
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def text(value: Any) -> str | None:
    """`value` when it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def b64decode(value: str) -> bytes | None:
    """Strict base64 (with padding): None when `value` is not base64 at all."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def positive_int(value: Any, default: int = 1) -> int:
    """A count such as a receive or delivery count (often sent as a string), or `default`."""
    if isinstance(value, bool):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number >= 1 else default


def monotonic_deadline(remaining_ms: float) -> float:
    """Convert a platform's 'milliseconds left' into the `Message.deadline` instant."""
    import time

    return time.monotonic() + remaining_ms / 1000.0


Deadline = Callable[[], "float | None"] | None


def lazy_deadline(remaining_ms: Callable[[], Any] | None) -> Deadline:
    """A `Message.deadline` worked out on first use from a 'milliseconds left' callable."""
    if remaining_ms is None:
        return None

    def deadline() -> float | None:
        try:
            return monotonic_deadline(float(remaining_ms()))
        except Exception:
            return None

    return deadline
