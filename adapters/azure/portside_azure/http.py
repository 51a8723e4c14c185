"""HTTP trigger: `func.HttpRequest` <-> the neutral HttpRequest / HttpResponse. No I/O.

One catch-all function (route `{*path}`) serves every `http(...)` binding; the core's router
picks the handler. The path comes from the route value, never from the URL, so the host's
`routePrefix` (`api` by default, or none) does not change routing. The host hands the route
value decoded except `%2F` (ASP.NET keeps an encoded slash encoded); it is re-encoded here so the
router decodes each segment exactly once and `%2F` stays inside its segment.

The function key (`code` query parameter, `x-functions-key` header) belongs to the platform and
never reaches a handler. Cookies go out as one Set-Cookie header each; the worker turns them
into the host's cookie list.

A request whose route leads to a lane (portside.lanes) is answered by `fast_answer` straight
from the `func.HttpRequest`, when its route value, URL and body read the same both ways.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import azure.functions as func
from azure.functions import http as converted

from portside import App, Headers, HttpRequest, HttpResponse
from portside.kit import MISS, ran_answer

KIND = "http"
NAME = "http"
ROUTE = "{*path}"
ROUTE_PARAM = "path"
KEY_QUERY = "code"
KEY_HEADER = "x-functions-key"
PRINCIPAL_HEADER = "x-ms-client-principal"  # App Service authentication ("Easy Auth")
TRANSPORT = "azure.http"
_ENCODED_SLASH = re.compile(r"(%2[Ff])")
_SEGMENT_SAFE = "/!$&'()*+,;=:@~"
# A route value `encode_path` leaves as it is: what `quote` never encodes, and no `%`.
_PLAIN_ROUTE = re.compile(r"[A-Za-z0-9_.~/!$&'()*+,;=:@-]*").fullmatch
_JSON = "application/json"
# The request classes the worker builds (its converter's) or a test does; a subclass of them
# may read differently, so it takes the general path.
_REQUESTS = (converted.HttpRequest, func.HttpRequest)


def matches(event: Any) -> bool:
    return isinstance(event, func.HttpRequest)


def to_request(event: func.HttpRequest, context: Any, options: Any = None) -> HttpRequest:
    """The neutral request: path from the route value, query from the URL (repeated keys kept)."""
    headers = Headers(
        (name, value) for name, value in event.headers.items() if name.lower() != KEY_HEADER
    )
    return HttpRequest(
        event.method,
        encode_path(event.route_params.get(ROUTE_PARAM) or ""),
        headers,
        query(event),
        event.get_body() or b"",
        id=_text(getattr(context, "invocation_id", None)),
        identity=lambda: principal(headers.get(PRINCIPAL_HEADER)),
        transport=TRANSPORT,
        raw=event,
    )


def to_response(response: HttpResponse, event: Any = None) -> func.HttpResponse:
    """Status, headers, each cookie as its own Set-Cookie header, the body bytes as they are."""
    headers = dict(response.headers)
    mimetype, charset = _media(headers.get("content-type"))
    native = func.HttpResponse(
        response.body, status_code=response.status, headers=headers, mimetype=mimetype, charset=charset
    )
    for cookie in response.cookies:
        native.headers.add_header("Set-Cookie", cookie)
    return native


def fast_answer(app: App, event: Any, context: Any, options: Any = None) -> Any:
    """The answer to a request whose route leads to a lane, read straight from the request;
    MISS (nothing ran) for anything `to_request` must read: a route value it would re-encode, a
    URL `urlsplit` might read differently, no query in the URL but host params, a HEAD request
    (a `HEAD` route's answer is rendered without its body), a body that is not UTF-8, another
    class of request. The path is what `encode_path` gives, the query the raw one."""
    if type(event) not in _REQUESTS:
        return MISS
    try:
        method, url, data, headers = event.method, event.url, event.get_body(), event.headers
        route = event.route_params.get(ROUTE_PARAM) or ""
        if (
            method == "HEAD"
            or type(route) is not str or not _PLAIN_ROUTE(route)
            or type(url) is not str or not plain_url(url)
            or type(data) is not bytes
        ):
            return MISS
        query = url.partition("?")[2]
        if not query and event.params:
            return MISS
        body = data.decode()
        # azure.functions keeps the headers in a dict by lower-case name: a miss there raises no
        # KeyError, as the mapping's own `get` does
        header = getattr(headers, "__http_headers__", headers).get
        content_type, correlation_id = header("content-type"), header("x-correlation-id")
        idempotency_key = header("idempotency-key")
    except Exception:  # an unusual request (a body that is not UTF-8...): nothing has run
        return MISS
    found = app.http_lanes.answer(
        method, "/" + route.lstrip("/"), query, body, content_type, correlation_id, idempotency_key,
        _text(getattr(context, "invocation_id", None)),
    )
    if found is None:
        return MISS
    if isinstance(found, tuple):
        return simple_response(*found)
    return ran_answer(app, found, sys.modules[__name__], event, context, options, "azure")


def plain_url(url: str) -> bool:
    """True when `urlsplit(url).query` is what follows the first `?`: printable ASCII (urlsplit
    drops tabs and newlines), no fragment, no brackets (an IPv6 host urlsplit may refuse)."""
    return url.isascii() and url.isprintable() and "#" not in url and "[" not in url and "]" not in url


def simple_response(status: int, headers: dict[str, str], text: str) -> func.HttpResponse:
    """A lane's simple answer as `to_response` renders the same status, headers and body."""
    content_type = headers.get("content-type")
    mimetype, charset = (content_type, None) if content_type == _JSON else _media(content_type)
    return func.HttpResponse(text, status_code=status, headers=headers, mimetype=mimetype, charset=charset)


def encode_path(route_value: str) -> str:
    """`/` + the route value percent-encoded again; an encoded slash the host kept stays one."""
    parts = _ENCODED_SLASH.split(route_value.lstrip("/"))
    return "/" + "".join(
        part if _ENCODED_SLASH.fullmatch(part) else quote(part, safe=_SEGMENT_SAFE) for part in parts
    )


def query(event: func.HttpRequest) -> dict[str, list[str]]:
    """Query parameters from the URL (every value of a repeated key), without the function key."""
    raw = urlsplit(event.url).query
    parsed: dict[str, list[str]] = {}
    if raw:
        for name, value in parse_qsl(raw, keep_blank_values=True):
            parsed.setdefault(name, []).append(value)
    else:  # a request built without a query in its URL: the host's single-valued params
        parsed = {name: [value] for name, value in event.params.items()}
    parsed.pop(KEY_QUERY, None)
    return parsed


def principal(encoded: str | None) -> Mapping[str, Any] | None:
    """Claims of the App Service authentication principal, when that feature is on."""
    if not encoded:
        return None
    try:
        document = json.loads(base64.b64decode(encoded))
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    claims: dict[str, Any] = {}
    for claim in document.get("claims") or ():
        if isinstance(claim, dict) and isinstance(claim.get("typ"), str):
            claims[claim["typ"]] = claim.get("val")
    return {"provider": document.get("auth_typ"), "name_claim": document.get("name_typ"), "claims": claims}


def _media(content_type: str | None) -> tuple[str | None, str | None]:
    if not content_type:
        return None, None
    media, _, params = content_type.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    return media.strip() or None, charset


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
