"""The one native input every shape reads, an HTTP request as the Functions Framework got it,
and the native answer it gets back (`to_flask`).

The entry point copies what it needs from the Flask request into a `Request` (method, the path
still percent-encoded, the raw query string, headers, body), so every shape is a pure function
of plain values and tests build requests without a server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from portside import Headers

if TYPE_CHECKING:
    from portside import HttpResponse

_UNPARSED: Any = object()
_JSON_MEDIA = ("", "application/json", "text/json")


class Request:
    """One request. `routed` is True when the method and path hit one of the service's HTTP
    bindings: such a request is always the service's own, never an event (see entry.py)."""

    __slots__ = ("_document", "_routed", "body", "execution_id", "headers", "method", "path", "query_string",
                 "raw", "router")

    def __init__(
        self,
        method: str,
        path: str,
        headers: Headers,
        body: bytes = b"",
        *,
        query_string: str = "",
        routed: bool | Callable[[str, str], bool] = False,
        execution_id: str | None = None,
        raw: Any = None,
    ) -> None:
        self.method = method.upper()
        self.path = path or "/"
        self.headers = headers
        self.body = body
        self.query_string = query_string
        # A bool, or a function of (method, path) asked only when a shape needs to know: most
        # requests are told apart by a header first, and an HTTP request pays for no extra routing.
        self._routed: bool | None = routed if isinstance(routed, bool) else None
        self.router = None if isinstance(routed, bool) else routed
        self.execution_id = execution_id
        self.raw = raw
        self._document: Any = _UNPARSED

    @property
    def routed(self) -> bool:
        """True when the method and path hit one of the service's HTTP bindings."""
        routed = self._routed
        if routed is None:
            router = self.router
            routed = self._routed = bool(router(self.method, self.path)) if router is not None else False
        return routed

    def route_with(self, router: Callable[[str, str], bool]) -> None:
        """Decide `routed` with this function of (method, path), when first asked."""
        self.router, self._routed = router, None

    def __repr__(self) -> str:
        return f"Request({self.method} {self.path}, body={self.body[:60]!r})"

    @property
    def media_type(self) -> str:
        return (self.headers.get_lowercase("content-type") or "").split(";", 1)[0].strip().lower()

    def document(self) -> Any:
        """The body as a JSON object when it is one (None otherwise): what the legacy-event and
        push-envelope shapes recognise. Parsed once; never raises."""
        if self._document is _UNPARSED:
            self._document = None
            body = self.body
            if self.method == "POST" and body.lstrip()[:1] == b"{" and self.media_type in _JSON_MEDIA:
                try:
                    value = json.loads(body)
                except (ValueError, RecursionError):
                    value = None
                if isinstance(value, dict):
                    self._document = value
        return self._document

    def header(self, name: str) -> str | None:
        """A header by lower-case name."""
        return self.headers.get_lowercase(name)


def to_flask(response: HttpResponse) -> Any:
    """The Flask response the Functions Framework sends for `response`."""
    import flask

    headers = list(response.headers.items())
    headers += (("Set-Cookie", cookie) for cookie in response.cookies)
    return flask.Response(response.body, status=response.status, headers=headers)
