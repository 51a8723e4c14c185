"""What a handler produces: a neutral status, an optional payload and structured errors; and
the outcome table, what each status means on every kind of transport (adapters never invent
their own mapping; they read `outcome(status)`)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from .values import Value

T = TypeVar("T")


class Status(str, enum.Enum):
    """The neutral vocabulary; `OUTCOMES` (below) says what each means per transport."""

    OK = "ok"
    CREATED = "created"
    ACCEPTED = "accepted"
    NO_CONTENT = "no_content"
    INVALID = "invalid"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RETRY_LATER = "retry_later"
    ERROR = "error"

    @property
    def is_success(self) -> bool:
        return self in _SUCCESS


_new = object.__new__
_OK, _CREATED, _ACCEPTED = Status.OK, Status.CREATED, Status.ACCEPTED
_SUCCESS = frozenset({Status.OK, Status.CREATED, Status.ACCEPTED, Status.NO_CONTENT})


class Delivery(str, enum.Enum):
    """What a queued or evented transport does with the message after dispatch."""

    ACK = "ack"  # done: delete / complete / acknowledge
    RETRY = "retry"  # transient: leave it for redelivery (the platform's retry policy applies)
    DEAD_LETTER = "dead_letter"  # poison: retrying cannot help; park it for a human


class Outcome(Value):
    """One row of the table: the HTTP status code and the queued/evented delivery decision."""

    __slots__ = ("delivery", "http_status")
    http_status: int
    delivery: Delivery

    def __init__(self, http_status: int, delivery: Delivery) -> None:
        self._init(http_status=http_status, delivery=delivery)


OUTCOMES: dict[Status, Outcome] = {
    Status.OK: Outcome(200, Delivery.ACK),
    Status.CREATED: Outcome(201, Delivery.ACK),
    Status.ACCEPTED: Outcome(202, Delivery.ACK),
    Status.NO_CONTENT: Outcome(204, Delivery.ACK),
    Status.INVALID: Outcome(400, Delivery.DEAD_LETTER),
    Status.UNAUTHORIZED: Outcome(401, Delivery.DEAD_LETTER),
    Status.FORBIDDEN: Outcome(403, Delivery.DEAD_LETTER),
    Status.NOT_FOUND: Outcome(404, Delivery.DEAD_LETTER),
    Status.METHOD_NOT_ALLOWED: Outcome(405, Delivery.DEAD_LETTER),
    Status.CONFLICT: Outcome(409, Delivery.DEAD_LETTER),
    Status.TOO_LARGE: Outcome(413, Delivery.DEAD_LETTER),
    Status.UNSUPPORTED_MEDIA_TYPE: Outcome(415, Delivery.DEAD_LETTER),
    Status.RETRY_LATER: Outcome(503, Delivery.RETRY),
    Status.ERROR: Outcome(500, Delivery.RETRY),
}


def outcome(status: Status) -> Outcome:
    return OUTCOMES[status]


class Error:
    """One structured problem: a machine code, a human message, and the field it concerns."""

    __slots__ = ("code", "field", "message")

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        self.code = code
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str]:
        data = {"code": self.code, "message": self.message}
        if self.field is not None:
            data["field"] = self.field
        return data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Error) and (self.code, self.message, self.field) == (
            other.code,
            other.message,
            other.field,
        )

    def __hash__(self) -> int:
        return hash((self.code, self.message, self.field))

    def __repr__(self) -> str:
        return f"Error(code={self.code!r}, message={self.message!r}, field={self.field!r})"


ErrorLike = Error | str | tuple[str, str] | tuple[str, str, str]


def _errors(items: Iterable[ErrorLike] | ErrorLike | None, default_code: str) -> tuple[Error, ...]:
    if items is None:
        return ()
    if isinstance(items, (str, Error, tuple)):
        items = [items]
    out: list[Error] = []
    for item in items:
        if isinstance(item, Error):
            out.append(item)
        elif isinstance(item, str):
            out.append(Error(default_code, item))
        else:
            out.append(Error(*item))
    return tuple(out)


class Result(Generic[T]):
    """A handler's outcome. Build one with a constructor: `Result.created(order)`.

    >>> from portside import Result
    >>> Result.created({"id": "o-1"}, headers={"location": "/orders/o-1"}).status
    <Status.CREATED: 'created'>
    >>> Result.invalid([("too_small", "qty must be positive", "qty")]).errors[0].to_dict()
    {'code': 'too_small', 'message': 'qty must be positive', 'field': 'qty'}
    >>> Result.retry("database busy", after=5).retry_after
    5

    `payload` is any JSON-serialisable value or pydantic model (bytes for binary HTTP bodies,
    with `content_type`). For HTTP transports, `headers` are extra response headers and
    `cookies` complete Set-Cookie values; `retry_after` (seconds) becomes Retry-After.
    """

    # The HTTP-only options default at class level: most results never set them, and the
    # constructor is on every dispatch's path.
    headers: Mapping[str, str] | None = None
    content_type: str | None = None
    retry_after: int | None = None
    cookies: tuple[str, ...] = ()

    def __init__(
        self,
        status: Status,
        payload: T | None = None,
        errors: tuple[Error, ...] = (),
        *,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
        retry_after: int | None = None,
        cookies: tuple[str, ...] = (),
    ) -> None:
        self.status = status
        self.payload = payload
        self.errors = errors
        if headers is not None:
            self.headers = headers
        if content_type is not None:
            self.content_type = content_type
        if retry_after is not None:
            self.retry_after = retry_after
        if cookies:
            self.cookies = tuple(cookies)

    # --- success -------------------------------------------------------------------------
    @classmethod
    def ok(cls, payload: T | None = None, **options: Any) -> Result[T]:
        return cls(_OK, payload, **options) if options else cls._fast(_OK, payload)

    @classmethod
    def created(cls, payload: T | None = None, **options: Any) -> Result[T]:
        return cls(_CREATED, payload, **options) if options else cls._fast(_CREATED, payload)

    @classmethod
    def accepted(cls, payload: T | None = None, **options: Any) -> Result[T]:
        return cls(_ACCEPTED, payload, **options) if options else cls._fast(_ACCEPTED, payload)

    @classmethod
    def no_content(cls) -> Result[Any]:
        return cls(Status.NO_CONTENT)

    # --- failure -------------------------------------------------------------------------
    @classmethod
    def failure(
        cls, status: Status, errors: Iterable[ErrorLike] | ErrorLike | None = None, **options: Any
    ) -> Result[Any]:
        return cls(status, None, _errors(errors, status.value), **options)

    @classmethod
    def invalid(cls, errors: Iterable[ErrorLike] | ErrorLike = "invalid input") -> Result[Any]:
        return cls.failure(Status.INVALID, errors)

    @classmethod
    def unauthorized(cls, errors: Iterable[ErrorLike] | ErrorLike = "authentication required") -> Result[Any]:
        return cls.failure(Status.UNAUTHORIZED, errors)

    @classmethod
    def forbidden(cls, errors: Iterable[ErrorLike] | ErrorLike = "not allowed") -> Result[Any]:
        return cls.failure(Status.FORBIDDEN, errors)

    @classmethod
    def not_found(cls, errors: Iterable[ErrorLike] | ErrorLike = "not found") -> Result[Any]:
        return cls.failure(Status.NOT_FOUND, errors)

    @classmethod
    def conflict(cls, errors: Iterable[ErrorLike] | ErrorLike = "conflict") -> Result[Any]:
        return cls.failure(Status.CONFLICT, errors)

    @classmethod
    def too_large(cls, errors: Iterable[ErrorLike] | ErrorLike = "payload too large") -> Result[Any]:
        return cls.failure(Status.TOO_LARGE, errors)

    @classmethod
    def retry(
        cls, errors: Iterable[ErrorLike] | ErrorLike = "try again later", *, after: int | None = None
    ) -> Result[Any]:
        """Transient failure: queued messages are redelivered, HTTP callers get 503."""
        return cls.failure(Status.RETRY_LATER, errors, retry_after=after)

    @classmethod
    def error(cls, errors: Iterable[ErrorLike] | ErrorLike = "internal error") -> Result[Any]:
        return cls.failure(Status.ERROR, errors)

    @property
    def is_success(self) -> bool:
        return self.status.is_success

    @classmethod
    def _fast(cls, status: Status, payload: Any) -> Result[Any]:
        """Internal: the dispatch path's constructor (skips option handling, ~2x cheaper)."""
        result = _new(cls)
        result.status = status
        result.payload = payload
        result.errors = ()
        return result

    def __repr__(self) -> str:
        return f"Result({self.status.value}, payload={self.payload!r}, errors={list(self.errors)!r})"
