"""API Gateway REST API requests (payload format 1.0) that a lane serves (portside.lanes).

Apart from apigw_rest, the general reader, as http_api_lane is from apigw_v2. REST APIs keep the
client's spelling of header names and send the query as maps, so the three headers a lane reads
are found case-insensitively, from the map the general reader uses, and the query's names stand
in for its raw string (a lane only asks which names it has).
"""

from __future__ import annotations

from typing import Any

from portside import App
from portside.kit import LANE_HEADERS, MISS, ran_answer

from .settings import AwsSettings


def fast_answer(app: App, event: dict[str, Any], context: Any, settings: AwsSettings | None) -> Any:
    """The answer to a request whose route leads to a lane, read straight from the event; MISS
    for anything else (an unusual path, a base64 body...), which apigw_rest.to_request reads."""
    method = event.get("httpMethod")
    path = event.get("path")
    body = event.get("body")
    if (
        type(method) is not str
        or type(path) is not str
        or path[:1] != "/"
        or type(body) is not str
        or event.get("isBase64Encoded") is True
    ):
        return MISS
    read = _read_headers(event.get("headers"), event.get("multiValueHeaders"))
    query = _query_names(event.get("queryStringParameters"), event.get("multiValueQueryStringParameters"))
    if read is None or query is None:
        return MISS
    request_id = event["requestContext"].get("requestId")
    if type(request_id) is not str or not request_id:
        request_id = getattr(context, "aws_request_id", None)  # records.lambda_request_id
    answer = app.http_lanes.answer(
        method.upper(), path, query, body, read.get("content-type"), read.get("x-correlation-id"),
        read.get("idempotency-key"), request_id,
    )
    if answer is None:
        return MISS
    if isinstance(answer, tuple):
        return {
            "statusCode": answer[0], "headers": answer[1], "multiValueHeaders": {}, "body": answer[2],
            "isBase64Encoded": False,
        }
    from . import apigw_rest

    return ran_answer(app, answer, apigw_rest, event, context, settings, "aws")


def _read_headers(single: Any, multi: Any) -> dict[str, str] | None:
    """The values of the headers a lane reads, as the general reader joins them (the
    multi-value map when it has entries, else the single one; repeated values comma-joined),
    or None for maps of an odd type."""
    if isinstance(multi, dict) and multi:
        source, listed = multi, True
    elif single is None or isinstance(single, dict):
        source, listed = single or {}, False
    else:
        return None
    found: dict[str, str] = {}
    for name, values in source.items():
        lowered = str(name).lower()
        if lowered not in LANE_HEADERS:
            continue
        if not listed:  # the single map: a value that is not text is dropped, as there
            if type(values) is str:
                found[lowered] = values
            continue
        for value in (values if isinstance(values, list) else [values]):
            if value is not None:  # the multi-value map: values are made text, and joined
                text = str(value)
                found[lowered] = f"{found[lowered]},{text}" if lowered in found else text
    return found


def _query_names(single: Any, multi: Any) -> str | None:
    """The query's names joined like a raw query string (a lane only asks which names it has),
    from the map the general reader uses; None for maps of an odd type."""
    source = multi if isinstance(multi, dict) and multi else single
    if source is None:
        return ""
    if not isinstance(source, dict):
        return None
    return "&".join(str(name) for name in source)
