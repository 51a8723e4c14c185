"""HTTP through the core: route and decode a request into a Message, render a Result back.

Path rule (the same on every adapter): adapters pass the path still percent-encoded when their
platform gives it so (`HttpRequest.path`); the router splits on `/` first and decodes each
segment once, so `%2F` stays inside its segment and can be part of a path parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .codec import BodyError, Limits, decode_body, encode_json
from .dispatch import log_failure
from .http_types import HttpRequest, HttpResponse
from .message import CORRELATION_HEADER, IDEMPOTENCY_HEADER, Message
from .result import _SUCCESS, OUTCOMES, Error, Result, Status
from .routing import Router, strip_prefix

_HTTP_STATUS = {status: row.http_status for status, row in OUTCOMES.items()}
_NO_FIELDS: Mapping[str, frozenset[str]] = {}


def http_message(
    request: HttpRequest,
    router: Router,
    base_paths: Sequence[str],
    limits: Limits,
    deferrable: frozenset[str],
    body_fields: Mapping[str, frozenset[str]] = _NO_FIELDS,
) -> Message:
    """Route and decode an HTTP request into the Message its handler will get.

    The body rule: when the JSON body is an object (or absent), the handler's body is one
    object built from the query parameters, then the body's fields, then the path parameters,
    later ones winning (repeated query keys give lists). Any other body (a list, text) is
    passed as is; path parameters are always on `Message.params` too.

    `body_fields[topic]`, when known, are the only names the handler's model reads (it ignores
    others): a query naming none of them is left unparsed, with the same outcome.
    """
    path = request.path
    for prefix in base_paths:
        stripped = strip_prefix(path, prefix)
        if stripped is not None:
            path = stripped
            break
    route, params, allowed = router.match(request.method, path)
    failure: Result[Any] | None = None
    body: Any = None
    if route is None:
        topic = ""
        failure = route_failure(request.method, path, allowed)
    else:
        topic = route.topic
        with_query = request.has_query
        if with_query:
            fields = body_fields.get(topic)
            with_query = fields is None or not fields.isdisjoint(request.query_names())
        merge = with_query or bool(params)  # the body rule needs the parsed object to merge into
        try:
            body = decode_body(
                request.body,
                request.headers.get_lowercase("content-type"),
                limits,
                lazy=not merge and topic in deferrable,
            )
        except BodyError as exc:
            failure, body = exc.result, request.body
        else:
            if body is None or type(body) is dict:
                if merge:
                    merged: dict[str, Any] = {
                        k: v[0] if len(v) == 1 else list(v) for k, v in request.query.items()
                    } if with_query else {}
                    if body:
                        merged.update(body)
                    merged.update(params)
                    body = merged
                elif body is None:
                    body = {}
    message_id = request.headers.get_lowercase(IDEMPOTENCY_HEADER) or request.id
    return Message(  # positional on purpose: once per request (see Message's docstring)
        topic, body, request.headers, message_id, None, request.transport, request.raw, params,
        request.identity, request.deadline, 1, failure, request.body or None,
    )


def render_http(result: Result[Any], message: Message, *, head: bool = False) -> HttpResponse:
    """Result -> status code (outcome table), JSON body, headers."""
    headers = {CORRELATION_HEADER: message.correlation_id}
    body = b""
    if result.status in _SUCCESS:
        payload = result.payload
        if isinstance(payload, bytes):
            body = payload
            headers["content-type"] = result.content_type or "application/octet-stream"
        elif payload is not None:
            try:
                body = encode_json(payload)
            except BodyError as exc:
                log_failure(message, exc.result)
                result = exc.result
            else:
                headers["content-type"] = result.content_type or "application/json"
    if result.status not in _SUCCESS:
        body = error_body(result, message.correlation_id)
        headers["content-type"] = "application/json"
        if result.retry_after is not None:
            headers["retry-after"] = str(result.retry_after)
    if result.headers:
        headers.update({k.lower(): v for k, v in result.headers.items()})
    status = _HTTP_STATUS[result.status]
    if head or status == 204:
        body = b""
    return HttpResponse(status, headers, body, list(result.cookies))


def route_failure(method: str, path: str, allowed: tuple[str, ...]) -> Result[Any]:
    if allowed:
        return Result.failure(
            Status.METHOD_NOT_ALLOWED,
            Error("method_not_allowed", f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}"),
            headers={"allow": ", ".join(allowed)},
        )
    return Result.not_found(Error("no_route", f"no route for {method} {path}"))


def error_body(result: Result[Any], correlation_id: str) -> bytes:
    """The JSON error format every adapter answers with."""
    errors = [e.to_dict() for e in result.errors]
    return encode_json({
        "error": {
            "status": result.status.value,
            "message": errors[0]["message"] if errors else result.status.value,
            "errors": errors,
            "correlation_id": correlation_id,
        }
    })
