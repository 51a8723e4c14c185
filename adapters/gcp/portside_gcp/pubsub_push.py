"""Raw Pub/Sub push envelopes: `{"message": {...}, "subscription": "projects/p/subscriptions/s"}`.

What a push subscription sends when it points at the function's URL. Recognised on a request
no HTTP binding routes; the binding is found by subscription (and by topic when the push
endpoint's path names `projects/p/topics/t`, as 1st-gen push URLs do). Pure.
"""

from __future__ import annotations

import re
from typing import Any

from portside import App, HttpResponse
from portside.kit import Batch, render_delivery, text

from . import pubsub
from .deployment import Deployment, identity_of
from .native import Request

KIND = "messages"
NAME = "pubsub_push"
_TOPIC_IN_PATH = re.compile(r"projects/[^/?]+/topics/([^/?]+)")


def matches(request: Request) -> bool:
    if request.routed:
        return False
    document = request.document()
    return (
        document is not None
        and isinstance(document.get("message"), dict)
        and isinstance(document.get("subscription"), str)
        and "context" not in document
    )


def to_batch(
    app: App, request: Request, context: Any, options: Deployment, given: pubsub.Given | None = None
) -> Batch:
    """`given`: the message's handler already ran (fast.py; see pubsub.batch)."""
    document = request.document()
    source = pubsub.Source(
        subscription=text(document.get("subscription")),
        topic=topic_in_path(request.path),
        attempt=document.get("deliveryAttempt"),
        identity=identity_of(context),
        raw=request.raw if request.raw is not None else document,
    )
    return pubsub.batch(app, options.routes, document["message"], source, given)


def topic_in_path(path: str) -> str | None:
    """The topic a 1st-gen push URL names (`.../projects/p/topics/t`), if any."""
    match = _TOPIC_IN_PATH.search(path)
    return match.group(1) if match else None


def to_answer(batch: Batch) -> HttpResponse:
    return render_delivery(batch.settlements[0])
