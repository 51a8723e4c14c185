"""EventBridge events (a top-level `detail-type` and `source`), one per invocation.

Bindings:
- scheduled events (`detail-type` "Scheduled Event", the rule's ARN in `resources`) go by
  `schedule(name, topic, expr)` where `name` is the EventBridge rule name; their body is
  `{"time": ..., "rule": ...}`, since a timer carries no data of its own;
- every other event goes by `event(pattern, topic)` matched against `detail-type` (e.g.
  `event("Object Created", ...)` for S3-via-EventBridge), then against `source` (e.g. `aws.ec2`);
  its body is the event's `detail`.
Headers `event-type`, `event-source` and `event-time` say which event a wildcard binding got.
EventBridge invokes asynchronously: a message to retry makes the invocation raise
`DeliveryFailed`, so EventBridge's own retry policy and dead-letter queue apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portside import App, Settlement

from . import records
from .records import Bound
from .shapes import Batch, lambda_deadline

KIND = "records"
TRANSPORT = "aws:eventbridge"
SCHEDULED = "Scheduled Event"


def matches(event: dict[str, Any]) -> bool:
    return (
        isinstance(event.get("detail-type"), str)
        and isinstance(event.get("source"), str)
        and "Records" not in event
    )


def to_batch(app: App, event: dict[str, Any], context: Any) -> Batch:
    binding, body, reason = route(app, event)
    message = app.inbound(
        binding.topic if binding else None,
        body=body,
        unroutable=reason,
        headers=event_headers(event),
        id=records.text(event.get("id")),
        transport=TRANSPORT,
        raw=event,
        deadline=lambda_deadline(context),
    )
    return Batch([message], dead_letter=records.dead_letter_of([binding]), record_ids=[message.id])


def to_response(settlements: Sequence[Settlement], batch: Batch) -> None:
    records.raise_on_retry(settlements, batch, "EventBridge")


def rule_name(event: dict[str, Any]) -> str | None:
    """The rule that fired a scheduled event: `arn:...:rule/[bus/]name` in `resources`."""
    resources = event.get("resources")
    if not isinstance(resources, list):
        return None
    for arn in resources:
        resource = records.arn_resource(arn)
        if resource and resource.startswith("rule/"):
            return resource.rsplit("/", 1)[-1] or None
    return None


def route(app: App, event: dict[str, Any]) -> tuple[Bound | None, Any, str]:
    """(binding, body, why-unroutable) for an EventBridge event."""
    detail_type, source = event.get("detail-type"), event.get("source")
    if detail_type == SCHEDULED:
        rule = rule_name(event)
        scheduled = app.schedule_binding(rule) if rule else None
        body = {"time": event.get("time"), "rule": rule}
        if scheduled is not None:
            return scheduled, body, ""
        fallback = app.event_binding(SCHEDULED)
        return (
            fallback,
            body,
            (
                f"no schedule binding for EventBridge rule {rule!r}; add schedule({rule!r}, topic, "
                "expression) to the startup file"
            ),
        )
    binding = None
    if isinstance(detail_type, str):
        binding = app.event_binding(detail_type)
    if binding is None and isinstance(source, str):
        binding = app.event_binding(source)
    return (
        binding,
        event.get("detail"),
        (
            f"no event binding matches EventBridge detail-type {detail_type!r} or source {source!r}; "
            f"add event({detail_type!r}, topic) to the startup file"
        ),
    )


def event_headers(event: dict[str, Any]) -> dict[str, str]:
    return {
        name: value
        for name, value in (
            ("event-type", event.get("detail-type")),
            ("event-source", event.get("source")),
            ("event-time", event.get("time")),
        )
        if isinstance(value, str) and value
    }
