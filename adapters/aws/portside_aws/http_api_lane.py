"""API Gateway HTTP API and function URL requests that a lane serves (portside.lanes).

Apart from apigw_v2, the general reader, so that a cold start whose first request takes a lane
imports only this: the general reader's helpers load with the first request that needs them.
"""

from __future__ import annotations

from typing import Any

from portside import App
from portside.kit import LANE_HEADERS, MISS, ran_answer

from .settings import AwsSettings


def fast_answer(app: App, event: dict[str, Any], context: Any, settings: AwsSettings | None) -> Any:
    """The answer to a request whose route leads to a lane (portside.lanes), read straight from
    the event; MISS for anything else (a named stage to strip, an encoded or unusual path,
    header names not in lower case, a base64 body...), which apigw_v2.to_request then reads."""
    ctx = event["requestContext"]
    http = ctx.get("http")
    if type(http) is not dict:
        return MISS
    method = http.get("method")
    path = event.get("rawPath") or http.get("path")
    query = event.get("rawQueryString")
    headers = event.get("headers")
    body = event.get("body")
    stage = ctx.get("stage")
    if (
        type(method) is not str
        or type(path) is not str
        or path[:1] != "/"
        or not (path.isascii() and path.isprintable())
        or " " in path or "?" in path or "#" in path
        or (stage and stage != "$default")
        or type(query) is not str
        or type(headers) is not dict
        or type(body) is not str
        or event.get("isBase64Encoded") is True
    ):
        return MISS
    try:
        names = "".join(headers)
    except TypeError:
        return MISS
    if names.lower() != names and _capitalised_read_header(headers):
        return MISS
    request_id = ctx.get("requestId")
    if type(request_id) is not str or not request_id:
        request_id = getattr(context, "aws_request_id", None)  # records.lambda_request_id
    answer = app.http_lanes.answer(
        method.upper(), path, query, body, headers.get("content-type"), headers.get("x-correlation-id"),
        headers.get("idempotency-key"), request_id,
    )
    if answer is None:
        return MISS
    if isinstance(answer, tuple):
        return {"statusCode": answer[0], "headers": answer[1], "body": answer[2], "isBase64Encoded": False}
    from . import apigw_v2

    return ran_answer(app, answer, apigw_v2, event, context, settings, "aws")


def _capitalised_read_header(headers: dict[str, Any]) -> bool:
    """True when a header the lane reads is spelled with capitals (the general path then reads
    it, case-insensitively); other names with capitals do not matter to a lane."""
    return any(name.lower() in LANE_HEADERS for name in headers if not name.islower())
