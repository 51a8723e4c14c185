"""CloudEvents in binary content mode: attributes in `ce-*` headers, the data is the body.

What Eventarc sends 2nd-gen functions and Cloud Run (Pub/Sub, Cloud Storage, Firestore,
audit logs, ...). Recognised by `ce-specversion` on a request no HTTP binding routes. Pure.
"""

from __future__ import annotations

from typing import Any

from portside import App, HttpResponse
from portside.kit import Batch, render_delivery
from portside.kit.cloudevents import CloudEventError, from_http

from . import events, pubsub
from .deployment import Deployment, identity_of, poisoned
from .native import Request

KIND = "messages"
NAME = "cloudevent_binary"


def matches(request: Request) -> bool:
    return request.header("ce-specversion") is not None and not request.routed


def to_batch(
    app: App, request: Request, context: Any, options: Deployment, given: pubsub.Given | None = None
) -> Batch:
    """`given`: the Pub/Sub message's handler already ran (fast.py; see pubsub.batch)."""
    try:
        event = from_http(request.headers, request.body)
    except (CloudEventError, RecursionError) as exc:
        reason = str(exc) if isinstance(exc, CloudEventError) else "the event's data nests too deeply"
        return poisoned(app, reason, request.body, transport=events.TRANSPORT, context=context)
    received = events.Received(
        body=None if event.type == events.PUBLISHED else request.body,
        content_type=request.header("content-type"),
        correlation_id=request.header("x-correlation-id"),
        identity=identity_of(context),
        raw=request.raw,
    )
    return events.batch(app, options.routes, event, received, given)


def to_answer(batch: Batch) -> HttpResponse:
    return render_delivery(batch.settlements[0])
