"""Direct invocations: `{"topic": ..., "body": ..., "headers": {...}?, "id": ...?}`.

For other AWS services' SDK calls (`lambda.invoke`), Step Functions tasks and tests. Matched
last, and only for an object with a string `topic` and no `Records`, so no AWS event shape is
mistaken for one. The body is taken as the JSON value it already is.

Response: `{"status": ..., "body": <payload as JSON>, "errors": [...]}` for the caller to read
(a bytes payload is base64 text).
A message to retry makes the invocation raise `DeliveryFailed` instead, so asynchronous invokes
are retried by Lambda (then go to the function's on-failure destination); synchronous callers
get the error and decide.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from pydantic_core import to_jsonable_python

from portside import App, Settlement

from . import records
from .shapes import Batch, lambda_deadline, lambda_request_id

KIND = "records"
TRANSPORT = "aws:invoke"


def matches(event: dict[str, Any]) -> bool:
    return isinstance(event.get("topic"), str) and "Records" not in event


def to_batch(app: App, event: dict[str, Any], context: Any) -> Batch:
    meta: dict[str, Any] = {
        "transport": TRANSPORT,
        "deadline": lambda_deadline(context),
        "id": records.text(event.get("id")) or lambda_request_id(context),
    }
    headers = event.get("headers")
    if headers is not None and not (
        isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())
    ):
        message = records.poison(app, "'headers' must be an object of strings", event, **meta)
    else:
        message = app.inbound(event["topic"], body=event.get("body"), headers=headers, raw=event, **meta)
    return Batch([message], record_ids=[message.id])


def to_response(settlements: Sequence[Settlement], batch: Batch) -> dict[str, Any]:
    records.raise_on_retry(settlements, batch, "direct invocation")
    result = settlements[0].result
    errors = [e.to_dict() for e in result.errors]
    payload = result.payload
    try:
        body = (
            base64.b64encode(payload).decode()
            if isinstance(payload, bytes)
            else to_jsonable_python(payload, bytes_mode="base64")
        )
    except Exception as exc:  # a payload pydantic cannot serialise: say so instead of crashing
        return {
            "status": "error",
            "body": None,
            "errors": [*errors, {"code": "invalid_response", "message": f"payload is not JSON: {exc}"}],
        }
    return {"status": result.status.value, "body": body, "errors": errors}
