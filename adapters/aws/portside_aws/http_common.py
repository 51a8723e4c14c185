"""What the AWS HTTP shapes share, so API Gateway, function URLs and ALB read and write HTTP alike.

Every reader here tolerates missing, null or oddly typed fields: a malformed event of a known
shape must still become a request the core can answer (404, 400, ...), never a KeyError.

The identity every HTTP shape puts on `HttpRequest.identity` (None when nothing verified the
caller) is one shape whatever the source:

    {"type": "jwt" | "iam" | "lambda",   # JWT/Cognito authorizer, SigV4 (IAM), Lambda authorizer
     "principal": str | None,            # JWT `sub`, IAM user ARN, Lambda authorizer principalId
     "claims": {...},                    # JWT claims, IAM caller fields, Lambda authorizer context
     "scopes": [...]}                    # OAuth scopes (JWT only; [] otherwise)
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, unquote_plus

from portside import Headers, HttpRequest, HttpResponse
from portside.kit import join_cookies

from .records import lambda_deadline

_COOKIE = "cookie"


def mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty dict (null and odd types read as absent)."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str:
    """`value` when it is a string, else ""."""
    return value if isinstance(value, str) else ""


def path(value: Any) -> str:
    """The path as received, percent-encoded (REST APIs and ALB send it so); the core's router
    decodes each segment once, so `%2F` stays inside its segment."""
    raw = text(value) or "/"
    return raw if raw.startswith("/") else "/" + raw


def encoded_path(value: Any) -> str:
    """The path of a 2.0-format event, in the encoded form every shape hands the core.

    HTTP APIs send `rawPath` decoded, function URLs (same format) still encoded. Escaping only
    what never stands literally in an encoded path (spaces, non-ASCII, `?`, `#`, controls) keeps
    an encoded path unchanged and makes a decoded one safe, without knowing which sent it; an
    encoded `/` (`%2F`) is already lost in a decoded path, so on HTTP APIs it splits segments.
    """
    raw = text(value) or "/"
    if not (raw.isascii() and raw.isprintable()) or " " in raw or "?" in raw or "#" in raw:
        raw = quote(raw, safe="/:@!$&'()*+,;=-._~%")
    return raw if raw.startswith("/") else "/" + raw


def request_body(event: dict[str, Any]) -> bytes:
    """The raw body bytes, base64-decoded here so the core never parses base64 text as JSON.

    A body flagged base64 that is not (some test events do this) is passed on as its text.
    """
    body = event.get("body")
    if body is None or body == "":
        return b""
    if not isinstance(body, str):
        body = str(body)
    if event.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            pass
    return body.encode("utf-8", "replace")


def _entries(single: Any, multi: Any = None) -> Iterator[tuple[str, list[str]]]:
    """(name, values) from a multi-value map when it has entries, else from the single-value
    one (REST and ALB send either or both); null values are dropped."""
    multi_map = mapping(multi)
    source: Iterable[tuple[Any, Any]] = (
        multi_map.items() if multi_map else ((k, [v]) for k, v in mapping(single).items())
    )
    for name, values in source:
        listed = values if isinstance(values, list) else [values]
        yield str(name), [str(v) for v in listed if v is not None]


def headers(single: Any, multi: Any = None, cookies: Any = None) -> Headers:
    """Case-insensitive headers. Repeated ones are comma-joined, except Cookie, joined with "; "
    as RFC 6265 wants; `cookies` (the 2.0 format's `cookies[]`) replaces any Cookie header."""
    if not multi and isinstance(single, dict):
        # The common case (HTTP API, function URLs, single-value ALB): one value per name. A value
        # that is not a string (only in a malformed event) is dropped, as null ones are.
        try:
            items: dict[str, str] = single.copy()  # HTTP APIs send names in lower case already
            for name, value in items.items():  # a loop: cheaper than a comprehension's frame
                if type(value) is not str or not name.islower():
                    items = {}
                    for name, value in single.items():
                        if type(value) is str:
                            items[name.lower()] = value
                    break
            if type(cookies) is list and cookies:
                items[_COOKIE] = "; ".join(cookies)
            return Headers.from_lowercase(items)
        except (AttributeError, TypeError):
            pass  # a non-string name or cookie: take the careful path below
    pairs: list[tuple[str, str]] = []
    cookie_parts: list[str] = []
    for name, values in _entries(single, multi):
        if name.lower() == _COOKIE:
            cookie_parts += values
        else:
            pairs += ((name, value) for value in values)
    if isinstance(cookies, list) and cookies:
        cookie_parts = [c for c in cookies if c is not None]
    if cookie_parts:
        pairs.append((_COOKIE, join_cookies(cookie_parts)))
    return Headers(pairs)


def query(single: Any, multi: Any = None, *, decode: bool = False) -> dict[str, list[str]]:
    """Query values as lists. `decode`: ALB forwards keys and values still URL-encoded."""
    out: dict[str, list[str]] = {}
    for name, values in _entries(single, multi):
        if decode:
            name, values = unquote_plus(name), [unquote_plus(v) for v in values]
        out.setdefault(name, []).extend(values)
    return out


def identity(
    kind: str, principal: Any, claims: dict[str, Any], scopes: Any = None
) -> dict[str, Any]:
    """The documented identity shape (see the module docstring); null claim values are dropped."""
    return {
        "type": kind,
        "principal": str(principal) if principal not in (None, "") else None,
        "claims": {k: v for k, v in claims.items() if v is not None},
        "scopes": [str(s) for s in scopes] if isinstance(scopes, list) else [],
    }


def response_body(response: HttpResponse) -> tuple[str, bool]:
    """(body, isBase64Encoded): text bodies as they are, anything else base64 so bytes survive."""
    if response.headers.get("content-type") == "application/json" or response.is_text:
        try:
            return response.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # declared text but not UTF-8: base64 keeps the bytes intact
    return base64.b64encode(response.body).decode("ascii"), True



def v1_request(
    event: dict[str, Any],
    context: Any,
    *,
    transport: str,
    request_id: str | None,
    identity: Any = None,
    decode_query: bool = False,
) -> HttpRequest:
    """The request of a payload-1.0 event: API Gateway REST and ALB share this format."""
    return HttpRequest(
        method=text(event.get("httpMethod")).upper(),
        path=path(event.get("path")),
        headers=headers(event.get("headers"), event.get("multiValueHeaders")),
        query=query(
            event.get("queryStringParameters"),
            event.get("multiValueQueryStringParameters"),
            decode=decode_query,
        ),
        body=request_body(event),
        id=request_id,
        identity=identity,
        deadline=lambda_deadline(context),
        transport=transport,
        raw=event,
    )
