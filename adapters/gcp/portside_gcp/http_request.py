"""Any request that is not an event: the service's own HTTP API, through the core router.

The path stays percent-encoded (the entry point reads it from the WSGI server's raw URI), so
`%2F` stays inside its segment; the raw query string keeps repeated keys. Pure.
"""

from __future__ import annotations

from typing import Any

from portside import HttpRequest, HttpResponse

from .native import Request

KIND = "http"
NAME = "http"
TRANSPORT = "gcp:http"


def matches(request: Any) -> bool:
    return isinstance(request, Request)


def to_request(request: Request, context: Any, options: Any) -> HttpRequest:
    return HttpRequest(  # the raw query string: parsed only if something reads it
        request.method, request.path, request.headers, request.query_string, request.body,
        id=request.execution_id, transport=TRANSPORT, raw=request.raw,
    )


def to_response(response: HttpResponse, request: Any) -> HttpResponse:
    return response
