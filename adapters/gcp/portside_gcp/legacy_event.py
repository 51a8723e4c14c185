"""Legacy background events (1st gen `--trigger-topic`, `--trigger-bucket`, Firebase, ...),
converted to the CloudEvent the current generation sends (legacy.py), then served like one.

Recognised on a request no HTTP binding routes whose JSON body has the legacy layout
(`context.eventType`, or Firebase's flat `eventId`/`eventType`/`resource`). Pure.
"""

from __future__ import annotations

from typing import Any

from portside import App, HttpResponse
from portside.kit import Batch, render_delivery

from . import events, legacy
from .deployment import Deployment, identity_of, poisoned
from .native import Request

KIND = "messages"
NAME = "legacy_event"


def matches(request: Request) -> bool:
    if request.routed:
        return False
    document = request.document()
    return document is not None and legacy.is_legacy_event(document)


def to_batch(app: App, request: Request, context: Any, options: Deployment) -> Batch:
    document = request.document()
    try:
        event = legacy.to_cloudevent(document)
    except legacy.ConversionError as exc:
        return poisoned(app, str(exc), document, transport=events.TRANSPORT, context=context)
    received = events.Received(
        correlation_id=request.header("x-correlation-id"), identity=identity_of(context), raw=request.raw,
    )
    return events.batch(app, options.routes, event, received)


def to_answer(batch: Batch) -> HttpResponse:
    return render_delivery(batch.settlements[0])
