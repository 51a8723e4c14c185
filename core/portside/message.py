"""The neutral inbound/outbound unit: what every adapter turns a native event into."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .codec import LazyJson
from .headers import EMPTY_HEADERS, Headers

if TYPE_CHECKING:
    from .result import Result

CORRELATION_HEADER = "x-correlation-id"
IDEMPOTENCY_HEADER = "idempotency-key"  # on an HTTP request, when present, it becomes the message id
# Transports that carry attributes (SQS/SNS message attributes, Pub/Sub attributes, ...) name the
# message's own topic in this attribute. The binding's topic decides the handler; this one stays
# readable as a header, and decides only on bindings that dispatch by the message's topic.
TOPIC_HEADER = "portside-topic"
_NO_PARAMS: Mapping[str, str] = {}

# Message ids: a random per-process prefix plus a counter (uuid4 costs ~1.5 us per call).
_ID_PREFIX = os.urandom(6).hex()
_ID_COUNTER = itertools.count(1)


def new_id() -> str:
    """A unique message id, cheap enough for every message that arrives without one."""
    return f"{_ID_PREFIX}-{next(_ID_COUNTER):x}"


class Message:
    """An immutable message: topic, JSON body, headers and where it came from.

    `raw` is the native event (escape hatch); `params` holds HTTP path parameters;
    `identity` the caller's verified claims when the transport authenticated it;
    `deadline` a `time.monotonic()` instant by which the platform stops the invocation.
    Adapters may pass `identity` and `deadline` as zero-argument callables: they are then
    worked out on first access only, keeping the receive path cheap.

    `failure` is set when the message could not be read (a malformed record, an undecodable body,
    no binding): dispatch then answers with it instead of calling a handler, so the message still
    ends in one of the four settlements. `data` is the body exactly as received (bytes or text),
    kept so a dead-lettered message loses nothing; None for messages built in code.

    Pass everything after `body` by keyword. They can also be given by position, which the
    core's own hot paths do: matching eleven keywords costs more than the constructor's body.
    """

    __slots__ = (
        "_attempt",
        "_body",
        "_correlation_id",
        "_data",
        "_deadline",
        "_failure",
        "_headers",
        "_id",
        "_identity",
        "_params",
        "_raw",
        "_topic",
        "_transport",
    )

    def __init__(
        self,
        topic: str,
        body: Any = None,
        headers: Headers | Mapping[str, str] | None = None,
        id: str | None = None,
        correlation_id: str | None = None,
        transport: str = "direct",
        raw: Any = None,
        params: Mapping[str, str] | None = None,
        identity: Mapping[str, Any] | Callable[[], Mapping[str, Any] | None] | None = None,
        deadline: float | Callable[[], float | None] | None = None,
        attempt: int = 1,
        failure: Result[Any] | None = None,
        data: bytes | str | None = None,
    ) -> None:
        if headers is None:
            headers = EMPTY_HEADERS
        elif not isinstance(headers, Headers):
            headers = Headers(headers)
        # id and correlation id are resolved lazily: generating ids costs more than the rest of
        # the constructor, and many messages never need one.
        self._topic = topic
        self._body = body
        self._headers = headers
        self._id = id
        self._correlation_id = correlation_id
        self._transport = transport
        self._raw = raw
        self._params = params or _NO_PARAMS
        self._identity = identity
        self._deadline = deadline
        self._attempt = attempt
        self._failure = failure
        self._data = data

    @property
    def topic(self) -> str:
        return self._topic

    @property
    def body(self) -> Any:
        """The decoded JSON body. Adapters may defer parsing (codec.LazyJson); then the first
        read parses it, and malformed text raises BodyError, which dispatch answers with the
        same `invalid` Result as eager decoding."""
        body = self._body
        if type(body) is LazyJson:
            body = self._body = body.parse()
        return body

    @property
    def headers(self) -> Headers:
        return self._headers

    @property
    def id(self) -> str:
        if self._id is None:
            self._id = new_id()
        return self._id

    @property
    def correlation_id(self) -> str:
        """The caller's `x-correlation-id` header if any, else the message id."""
        if self._correlation_id is None:
            self._correlation_id = self._headers.get_lowercase(CORRELATION_HEADER) or self.id
        return self._correlation_id

    @property
    def transport(self) -> str:
        return self._transport

    @property
    def raw(self) -> Any:
        return self._raw

    @property
    def params(self) -> Mapping[str, str]:
        return self._params

    @property
    def identity(self) -> Mapping[str, Any] | None:
        identity = self._identity
        if callable(identity):  # resolved on first use: most handlers never ask
            identity = self._identity = identity()
        return identity

    @property
    def deadline(self) -> float | None:
        deadline = self._deadline
        if callable(deadline):
            deadline = self._deadline = deadline()
        return deadline

    @property
    def attempt(self) -> int:
        return self._attempt

    @property
    def failure(self) -> Result[Any] | None:
        """Why this message cannot reach a handler (set by adapters for unreadable input)."""
        return self._failure

    @property
    def data(self) -> bytes | str | None:
        """The body exactly as received, or None when the message was built in code."""
        return self._data

    def replace(self, **changes: Any) -> Message:
        """A copy with some fields changed (messages are immutable)."""
        fields = {
            "topic": self._topic,
            "body": self._body,  # a LazyJson stays lazy in the copy
            "headers": self._headers,
            "id": self.id,
            "correlation_id": self.correlation_id,
            "transport": self._transport,
            "raw": self._raw,
            "params": self._params,
            "identity": self._identity,
            "deadline": self._deadline,
            "attempt": self._attempt,
            "failure": self._failure,
            "data": self._data,
        }
        fields.update(changes)
        return Message(**fields)

    def __repr__(self) -> str:
        return (
            f"Message(topic={self._topic!r}, id={self.id!r}, "
            f"correlation_id={self.correlation_id!r}, transport={self._transport!r})"
        )
