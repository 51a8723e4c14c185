"""Fast lanes: what a model-only handler needs, decided once at startup.

Most handlers take only their validated model: `def create(order: Order) -> Result`. Such a
handler needs no Message, no Context and no headers, so an adapter can validate the native body
text straight into the model and call the function, the way a hand-written handler does. The
App works out at startup which topics qualify (a `Lane` each) and adapters use them for the
common case of the common shapes.

A lane never changes an outcome. It serves a message only when the general path would give the
same answer, and hands everything else back to it *before* the handler runs (validation
failures, unusual content types, query parameters the model reads, oversized or possibly too
deep bodies). When the handler has run but its result is not the simple kind (it raised, or
returned headers, cookies, bytes, a failure...), the lane finishes the general way, with the
Message the general path would have built, without calling the handler again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError, to_json

from .handlers import to_result
from .message import CORRELATION_HEADER, IDEMPOTENCY_HEADER, new_id
from .result import _SUCCESS, OUTCOMES, Result, Status

if TYPE_CHECKING:
    from .handlers import Handler
    from .http_types import HttpRequest, HttpResponse
    from .message import Message
    from .routing import Route

_JSON = "application/json"
# The request headers HttpLanes.answer takes the values of: an adapter whose platform spells
# header names as clients do must find these case-insensitively.
LANE_HEADERS = frozenset({"content-type", CORRELATION_HEADER, IDEMPOTENCY_HEADER})
_RESULT = Result
# The JSON payload kinds whose encoding can be answered without the general renderer.
_JSON_PAYLOADS = (dict, list, BaseModel)


class Lane:
    """One topic whose handler takes only its model: `validate(text)` then `fn(model)`.

    - `fields`: the names the model reads when it ignores every other one (None: any name may
      matter), so a query naming none of them is not merged into the body;
    - `short`: a body of at most this many characters is within the size and depth limits
      whatever it holds (a document `n` levels deep needs `2n` characters), so it needs no count;
    - `plain_query`: the last query string found to name none of `fields` (a benign race between
      threads only repeats the check).
    """

    __slots__ = ("fields", "fn", "max_body_chars", "max_depth", "plain_query", "short", "topic", "validate")

    def __init__(self, handler: Handler, max_body_bytes: int, max_depth: int) -> None:
        self.topic = handler.topic
        self.fn = handler.fn
        self.validate = handler.body_type.__pydantic_validator__.validate_json
        self.fields = handler.model_fields()
        self.max_body_chars = max_body_bytes // 4  # UTF-8 needs at most 4 bytes a character
        self.max_depth = max_depth
        self.short = min(2 * max_depth, self.max_body_chars)
        self.plain_query = ""  # the last query string found to name none of `fields`

    def within_limits(self, text: str) -> bool:
        """True when JSON `text` is certainly within the size and depth limits (the general
        path's cheap checks; a False sends the message there, which gives the exact answer)."""
        return len(text) <= self.short or (
            len(text) <= self.max_body_chars and text.count("{") + text.count("[") <= self.max_depth
        )

    def outcome(self, message: Message, value: Any = None, error: Exception | None = None) -> Result[Any]:
        """The Result the general path gives for what the handler returned (or raised), logged
        as dispatch logs failures."""
        from .dispatch import crashed, log_failure

        result = crashed(message, error) if error is not None else to_result(value)
        if result.status not in _SUCCESS:
            log_failure(message, result)
        return result


def qualifies(handler: Handler) -> bool:
    """True when `handler` takes only a pydantic model, runs synchronously, has no middleware
    of its own and publishes nothing (App- or Service-wide middleware is checked by the caller)."""
    body_type = handler.body_type
    return (
        handler.plan == ("body",)
        and not handler.is_async
        and not handler.middleware
        and not handler.publishes
        and isinstance(body_type, type)
        and issubclass(body_type, BaseModel)
        and handler.defers_json
    )


class HttpLanes:
    """The HTTP side: a request whose route leads to a lane, answered without Message,
    HttpRequest or HttpResponse objects. Built once per App, from its router's `find`, its base
    paths, its lanes and its `http_message` (what the general path makes of a request)."""

    def __init__(
        self,
        find: Callable[[str, str], tuple[Route, dict[str, str]] | None],
        base_paths: Sequence[str],
        lanes: Mapping[str, Lane],
        http_message: Callable[[HttpRequest], Message],
    ) -> None:
        self.find = find
        self.base_paths = base_paths
        self.lanes = lanes
        self.http_message = http_message

    def answer(
        self,
        method: str,
        path: str,
        query: str,
        body: str,
        content_type: str | None,
        correlation_id: str | None,
        idempotency_key: str | None,
        request_id: str | None,
    ) -> tuple[int, dict[str, str], str] | Ran | None:
        """The answer to a request, or None when the general path must take it (nothing ran).

        `path` is percent-encoded as the platform gave it; `query` the raw query string; `body`
        the text of a body that is not base64; then the values of the three headers a lane
        reads (Content-Type, X-Correlation-Id, Idempotency-Key; None when absent) and the
        request's own id. Positional on purpose: once per request.

        A tuple is (status, headers, body text). A `Ran` is a handler's outcome that only the
        general renderer can answer (it raised, or returned headers, bytes, a failure...):
        pass it to `render` with the HttpRequest the general path would have read."""
        if self.base_paths or method == "HEAD":  # HEAD: answered without a body, the general way
            return None
        found = self.find(method, path)
        if found is None:
            return None
        route, params = found
        lane = self.lanes.get(route.topic)
        if lane is None or not body or body[0] != "{" or body[-1] != "}":
            return None
        if content_type is not None and content_type != _JSON:
            return None
        if query and query != lane.plain_query:
            fields = lane.fields
            if fields is None or "%" in query or "+" in query:
                return None
            for name in fields:
                if name in query:  # maybe a field the body rule merges: the general path knows
                    return None
            lane.plain_query = query  # clients repeat their query strings: the next is one compare
        if len(body) > lane.short and not lane.within_limits(body):
            return None
        if params:  # the body rule: path parameters win over the body's fields (the last
            # duplicate key wins in pydantic's JSON parser, as in a dict update)
            for name, value in params.items():
                if '"' in value or "\\" in value or not value.isprintable():
                    return None
                body = f'{body[:-1]},"{name}":"{value}"}}'
        # The id the general path's Message would have: the caller's, else the request's.
        correlation_id = correlation_id or idempotency_key or request_id
        if correlation_id is not None and type(correlation_id) is not str:
            return None
        try:
            model = lane.validate(body)
        except Exception:  # invalid, or a validator that raised: the general path answers it
            return None
        correlation_id = correlation_id or new_id()
        try:
            value = lane.fn(model)
        except Exception as exc:
            return Ran(lane, None, exc)
        if value is None:
            return 204, {"x-correlation-id": correlation_id}, ""
        if type(value) is _RESULT:
            if value.headers or value.cookies or value.content_type or value.retry_after is not None:
                return Ran(lane, value, None)
            status, payload = value.status, value.payload
            # Identity, not a dict lookup: hashing an Enum member runs Python code.
            code = 201 if status is _CREATED else _SIMPLE_CODES.get(id(status), 0)
            if not code:  # a failure, or a status the outcome table answers differently
                return Ran(lane, value, None)
        else:
            code, payload = 200, value
        if payload is None or code == 204:
            return code, {"x-correlation-id": correlation_id}, ""
        if not isinstance(payload, _JSON_PAYLOADS):
            return Ran(lane, value, None)
        try:
            text = to_json(payload).decode()
        except (PydanticSerializationError, TypeError, ValueError, UnicodeDecodeError):
            return Ran(lane, value, None)
        return code, {"x-correlation-id": correlation_id, "content-type": _JSON}, text

    def render(self, ran: Ran, request: HttpRequest) -> HttpResponse:
        """The general renderer's answer for what a lane's handler returned or raised, with the
        Message the general path builds from `request` (the handler is not run again)."""
        from .http_flow import render_http

        message = self.http_message(request)
        return render_http(ran.lane.outcome(message, ran.value, ran.error), message)


class Ran:
    """A lane's handler ran, and only the general renderer can answer what came of it."""

    __slots__ = ("error", "lane", "value")

    def __init__(self, lane: Lane, value: Any, error: Exception | None) -> None:
        self.lane, self.value, self.error = lane, value, error


# The HTTP code of each success status, by the status's id (see `HttpLanes.answer`).
_SIMPLE_CODES = {id(status): row.http_status for status, row in OUTCOMES.items() if status in _SUCCESS}
_CREATED = Status.CREATED
assert _SIMPLE_CODES[id(_CREATED)] == 201 and _SIMPLE_CODES[id(Status.OK)] == 200
