"""Direct invocations: `{"topic": ..., "body": ..., "headers": {...}?, "id": ...?}`.

For other AWS services' SDK calls (`lambda.invoke`), Step Functions tasks and tests. Matched
last, and only for an object with a string `topic` and no `Records`, so no AWS event shape is
mistaken for one. The body is taken as the JSON value it already is.

Response: `{"status": ..., "body": <payload as JSON>, "errors": [...]}` for the caller to read
(a bytes payload is base64 text).
A message to retry or hand back (poison with no dead-letter target) makes the invocation raise
`DeliveryFailed` instead, so asynchronous invokes are retried by Lambda (then go to the
function's on-failure destination); synchronous callers get the error and decide.
"""

from __future__ import annotations

import base64
from typing import Any

from pydantic_core import to_jsonable_python

from portside import App
from portside.kit import Batch, Inbound, poison, text

from . import detect, records

KIND = "messages"
TRANSPORT = "aws:invoke"


matches = detect.direct


def to_batch(app: App, event: dict[str, Any], context: Any, options: Any = None) -> Batch:
    meta: dict[str, Any] = {
        "transport": TRANSPORT,
        "deadline": records.lambda_deadline(context),
        "id": text(event.get("id")) or records.lambda_request_id(context),
    }
    headers = event.get("headers")
    if headers is not None and not (
        isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())
    ):
        message = poison(app, "'headers' must be an object of strings", event, **meta)
    else:
        message = app.receive(
            Inbound(event["topic"], body=event.get("body"), headers=headers, raw=event, **meta)
        )
    batch = Batch(app)
    batch.add(message, message.id)
    return batch


def to_answer(batch: Batch) -> dict[str, Any]:
    batch.raise_for_redelivery("direct invocation")
    settlements = batch.settlements
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
