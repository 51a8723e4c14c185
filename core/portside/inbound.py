"""The typed record an adapter fills for each received message, and its decoding.

Every adapter builds Messages through `App.receive(Inbound(...))` (which calls `receive` here),
so every transport decodes bodies alike, keeps the received data for lossless dead-lettering,
and turns unreadable input into a Message that carries its failure (it then settles like any
other; nothing is lost).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .codec import BodyError, LazyJson, Limits, decode_body
from .headers import Headers
from .message import Message
from .result import Error, Result

UNSET: Any = object()


class Inbound:
    """What an adapter read from one native record.

    - `topic`: the handler topic (usually the binding's); None when no binding matches, with
      `unroutable` saying why and how to fix it;
    - `data`: the body as received (bytes or text), decoded with the App's limits; or `body`, an
      already parsed value (then `data` may still hold the original, for dead-lettering);
    - `failure`: a Result for a record the adapter found malformed (`kit.poison` builds these);
    - `lazy`: the adapter did not look at the body, so JSON parsing may be deferred;
    - the rest are the Message's fields (see Message).

    Pass everything after `data` by keyword. The parameters after `transport` can also be given
    by position, which adapters' hot paths do (matching keywords costs more than the rest).
    """

    __slots__ = (
        "attempt", "body", "content_type", "correlation_id", "data", "deadline", "failure", "headers",
        "id", "identity", "lazy", "params", "raw", "topic", "transport", "unroutable",
    )

    def __init__(
        self,
        topic: str | None,
        data: bytes | str | None = None,
        transport: str = "direct",
        body: Any = UNSET,
        content_type: str | None = None,
        headers: Headers | Mapping[str, str] | None = None,
        id: str | None = None,
        correlation_id: str | None = None,
        attempt: int = 1,
        raw: Any = None,
        deadline: float | Callable[[], float | None] | None = None,
        identity: Mapping[str, Any] | Callable[[], Mapping[str, Any] | None] | None = None,
        params: Mapping[str, str] | None = None,
        unroutable: str | None = None,
        failure: Result[Any] | None = None,
        lazy: bool = False,
    ) -> None:
        self.topic = topic
        self.data = data
        self.transport = transport
        self.body = body
        self.content_type = content_type
        self.headers = headers
        self.id = id
        self.correlation_id = correlation_id
        self.attempt = attempt
        self.raw = raw
        self.deadline = deadline
        self.identity = identity
        self.params = params
        self.unroutable = unroutable
        self.failure = failure
        self.lazy = lazy


def receive(inbound: Inbound, limits: Limits, deferrable: frozenset[str]) -> Message:
    """Decode an Inbound into the Message dispatch gets (never raises for bad input).

    `deferrable`: the topics whose JSON may be parsed lazily (see dispatch.Dispatcher)."""
    topic, failure, body, data = inbound.topic, inbound.failure, inbound.body, inbound.data
    if body is UNSET:
        if (  # the common case, without the general decoder: JSON text a model validates itself
            inbound.lazy and inbound.content_type is None and type(data) is str and topic in deferrable
            and data and len(data) * 4 <= limits.max_body_bytes
            and data.count("{") + data.count("[") <= limits.max_depth
        ):
            body = LazyJson(data)
        else:
            body = _decoded(inbound, limits, topic in deferrable)
            if type(body) is BodyError:
                failure, body = failure or body.result, data
    if topic is None:
        topic = ""
        failure = failure or Result.not_found(
            Error("unroutable", inbound.unroutable or "no binding matches this message")
        )
    headers = inbound.headers
    if inbound.content_type and (headers is None or "content-type" not in headers):
        headers = _with_content_type(headers, inbound.content_type)
    # Positional on purpose: this runs once per queued message (see Message's docstring).
    return Message(
        topic, body, headers, inbound.id, inbound.correlation_id, inbound.transport, inbound.raw,
        inbound.params, inbound.identity, inbound.deadline, inbound.attempt, failure, data,
    )


def _decoded(inbound: Inbound, limits: Limits, deferrable: bool) -> Any:
    """The decoded body, or the BodyError saying why it cannot be decoded."""
    try:
        return decode_body(inbound.data, inbound.content_type, limits, lazy=inbound.lazy and deferrable)
    except BodyError as exc:
        return exc


def _with_content_type(headers: Headers | Mapping[str, str] | None, content_type: str) -> Headers:
    """Headers that carry a content type the adapter gave apart from them, so the Message keeps
    it (a dead-lettered message must keep what was received, its content type included)."""
    base = headers if isinstance(headers, Headers) else Headers(headers)
    if "content-type" in base:  # a plain mapping spelled it with capitals
        return base
    return base.merged({"content-type": content_type})
