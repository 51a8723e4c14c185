"""Neutral HTTP request/response: what adapters translate native HTTP events to and from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .headers import EMPTY_HEADERS, Headers

_NO_QUERY: Mapping[str, list[str]] = {}


class HttpRequest:
    """An HTTP request as every adapter delivers it to `App.handle_http`.

    `path` is as received, percent-encoded (the router decodes each segment once, so `%2F` stays
    inside its segment); `body` is the raw, already base64-decoded bytes; `query` keeps repeated
    values, and may be given as the raw query string, parsed only when something reads it;
    `identity` and `deadline` may be zero-argument callables, resolved on first use (see
    Message). (A plain class, not a dataclass: see values.py.)
    """

    __slots__ = (
        "_query", "body", "deadline", "headers", "id", "identity", "method", "path", "raw", "raw_query",
        "transport",
    )

    def __init__(
        self,
        method: str,
        path: str,
        headers: Headers = EMPTY_HEADERS,
        query: Mapping[str, list[str]] | str = _NO_QUERY,
        body: bytes = b"",
        id: str | None = None,
        identity: Mapping[str, Any] | Callable[[], Mapping[str, Any] | None] | None = None,
        deadline: float | Callable[[], float | None] | None = None,
        transport: str = "http",
        raw: Any = None,
    ) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.raw_query: str | None
        self._query: Mapping[str, list[str]] | None
        if isinstance(query, str):
            self.raw_query, self._query = query, None
        else:
            self.raw_query, self._query = None, query
        self.body = body
        self.id = id
        self.identity = identity
        self.deadline = deadline
        self.transport = transport
        self.raw = raw

    @property
    def query(self) -> Mapping[str, list[str]]:
        query = self._query
        if query is None:
            query = self._query = _parse_query(self.raw_query or "")
        return query

    @query.setter
    def query(self, value: Mapping[str, list[str]]) -> None:
        self.raw_query, self._query = None, value

    @property
    def has_query(self) -> bool:
        """True when the request has query parameters (without parsing them)."""
        return bool(self.raw_query) if self._query is None else bool(self._query)

    def query_names(self) -> set[str]:
        """The query parameter names, cheaply (the values are not decoded)."""
        if self._query is not None:
            return set(self._query)
        names: set[str] = set()
        for part in (self.raw_query or "").split("&"):
            name = part.split("=", 1)[0]
            if "%" in name or "+" in name:
                from urllib.parse import unquote_plus

                name = unquote_plus(name)
            if name:
                names.add(name)
        return names

    @classmethod
    def from_url(
        cls,
        method: str,
        url: str,
        headers: Headers | Mapping[str, str] | None = None,
        body: bytes = b"",
        *,
        transport: str = "http",
        raw: Any = None,
    ) -> HttpRequest:
        """A request from a URL or a path with a query string, as servers and test clients
        receive it; the path stays percent-encoded (the router decodes each segment once)."""
        from urllib.parse import urlsplit

        split = urlsplit(url)
        if headers is None:
            headers = EMPTY_HEADERS
        elif not isinstance(headers, Headers):
            headers = Headers(headers)
        return cls(method.upper(), split.path or "/", headers, split.query, body, transport=transport, raw=raw)

    def __repr__(self) -> str:
        return f"HttpRequest({self.method} {self.path}, query={dict(self.query)!r}, body={self.body[:60]!r})"


def _parse_query(raw: str) -> Mapping[str, list[str]]:
    if not raw:
        return _NO_QUERY
    from urllib.parse import parse_qs

    return parse_qs(raw, keep_blank_values=True)


class HttpResponse:
    """What `App.handle_http` returns; adapters render it in their platform's shape.

    `headers` hold single values; `cookies` are complete Set-Cookie values, kept apart because
    some platforms (API Gateway HTTP API, function URLs) need them in a separate list.
    """

    __slots__ = ("body", "cookies", "headers", "status")

    def __init__(
        self,
        status: int,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        cookies: list[str] | None = None,
    ) -> None:
        self.status = status
        self.headers = {} if headers is None else headers
        self.body = body
        self.cookies = [] if cookies is None else cookies

    def __repr__(self) -> str:
        return f"HttpResponse({self.status}, headers={self.headers!r}, body={self.body[:80]!r})"

    @property
    def is_text(self) -> bool:
        """True when the body is safe to send as text (JSON or text/*); else base64 it."""
        content_type = self.headers.get("content-type", "")
        if content_type == "application/json":  # what portside itself sets: the common case
            return True
        media = content_type.split(";", 1)[0].strip().lower()
        return (
            not self.body
            or media.startswith("text/")
            or media in ("application/json", "application/xml", "application/javascript")
            or media.endswith("+json")
            or media.endswith("+xml")
        )
