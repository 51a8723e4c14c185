"""CloudEvents in structured content mode: one `application/cloudevents+json` document.

Recognised by its media type on a request no HTTP binding routes. `data_base64` becomes bytes.
Batched mode (`application/cloudevents-batch+json`) is not served. Pure.
"""

from __future__ import annotations

from typing import Any

from portside import App, HttpResponse
from portside.kit import Batch, render_delivery
from portside.kit.cloudevents import STRUCTURED, CloudEventError, from_http

from . import events
from .deployment import Deployment, identity_of, poisoned
from .native import Request

KIND = "messages"
NAME = "cloudevent_structured"


def matches(request: Request) -> bool:
    return request.media_type == STRUCTURED and not request.routed


def to_batch(app: App, request: Request, context: Any, options: Deployment) -> Batch:
    try:
        event = from_http(request.headers, request.body)
    except (CloudEventError, RecursionError) as exc:
        reason = str(exc) if isinstance(exc, CloudEventError) else "the event nests too deeply"
        return poisoned(app, reason, request.body, transport=events.TRANSPORT, context=context)
    received = events.Received(
        correlation_id=request.header("x-correlation-id"), identity=identity_of(context), raw=request.raw,
    )
    return events.batch(app, options.routes, event, received)


def to_answer(batch: Batch) -> HttpResponse:
    return render_delivery(batch.settlements[0])
