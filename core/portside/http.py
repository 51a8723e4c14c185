"""Neutral HTTP request/response: what adapters translate native HTTP events to and from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .headers import Headers


@dataclass
class HttpRequest:
    """An HTTP request as every adapter delivers it to `App.handle_http`.

    `body` is the raw, already base64-decoded bytes; `query` keeps repeated values.
    """

    method: str
    path: str
    headers: Headers = field(default_factory=Headers)
    query: Mapping[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    id: str | None = None
    identity: Mapping[str, Any] | None = None
    deadline: float | None = None
    transport: str = "http"
    raw: Any = None


@dataclass
class HttpResponse:
    """What `App.handle_http` returns; adapters render it in their platform's shape.

    `headers` hold single values; `cookies` are complete Set-Cookie values, kept apart because
    some platforms (API Gateway HTTP API, function URLs) need them in a separate list.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    cookies: list[str] = field(default_factory=list)

    @property
    def is_text(self) -> bool:
        """True when the body is safe to send as text (JSON or text/*); else base64 it."""
        content_type = self.headers.get("content-type", "")
        media = content_type.split(";", 1)[0].strip().lower()
        return (
            not self.body
            or media.startswith("text/")
            or media in ("application/json", "application/xml", "application/javascript")
            or media.endswith("+json")
            or media.endswith("+xml")
        )
