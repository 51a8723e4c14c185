"""(a) A hand-written Lambda handler: dict dispatch on (method, path), json + pydantic, dicts out."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_bench_common import ROUTES, TARGET_ROUTE, Order, created
from pydantic import ValidationError


def _other(_: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}


def _create(event: dict[str, Any]) -> dict[str, Any]:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body)
    try:
        order = Order.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        detail = exc.errors(include_url=False) if isinstance(exc, ValidationError) else str(exc)
        return {
            "statusCode": 400,
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"error": detail}, default=str),
        }
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(created(order)),
    }


DISPATCH = {route: _other for route in ROUTES}
DISPATCH[TARGET_ROUTE] = _create


def http_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    route = DISPATCH.get((event["requestContext"]["http"]["method"], event["rawPath"]))
    if route is None:
        return {
            "statusCode": 404,
            "headers": {"content-type": "application/json"},
            "body": '{"error": "not found"}',
        }
    return route(event)


def sqs_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        try:
            created(Order.model_validate(json.loads(record["body"])))
        except Exception:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


handler = http_handler
