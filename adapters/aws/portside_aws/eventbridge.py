"""EventBridge events (a top-level `detail-type` and `source`), one per invocation.

Bindings:
- scheduled events (`detail-type` "Scheduled Event", the rule's ARN in `resources`) go by
  `schedule(name, topic, expr)` where `name` is the EventBridge rule name; their body is
  `{"time": ..., "rule": ...}`, since a timer carries no data of its own;
- S3 events delivered through EventBridge ("Object Created", "Object Deleted" from `aws.s3`)
  also match the neutral names OBJECT_CREATED / OBJECT_DELETED, with the same body an S3
  notification gives (`{bucket, key, size, etag, ...}`);
- every other event goes by `event(pattern, topic)` matched against `detail-type` (e.g.
  `event("Object Created", ...)`), then against `source` (e.g. `aws.ec2`); its body is `detail`.
Headers `event-type`, `event-source` and `event-time` say which event a wildcard binding got.

Events portside itself published (source `portside.<service>`) carry a CloudEvents envelope as
their `detail` (EventBridge has no message attributes): the body is its `data`, and its `type`
and `correlationid` become the `portside-topic` and `x-correlation-id` headers.

EventBridge invokes asynchronously: a message to retry or hand back makes the invocation raise
`DeliveryFailed`, so Lambda's async retries, then the function's on-failure destination, keep it.
"""

from __future__ import annotations

from typing import Any

from portside import OBJECT_CREATED, OBJECT_DELETED, App
from portside.kit import CORRELATION_HEADER, TOPIC_HEADER, Batch, Inbound, correlation, text

from . import detect, records

KIND = "messages"
TRANSPORT = "aws:eventbridge"
SCHEDULED = "Scheduled Event"
_NEUTRAL_S3 = {"Object Created": OBJECT_CREATED, "Object Deleted": OBJECT_DELETED}


matches = detect.eventbridge


def to_batch(app: App, event: dict[str, Any], context: Any, options: Any = None) -> Batch:
    binding, body, reason, extra = route(app, event)
    headers = {**event_headers(event), **extra}
    message = app.receive(Inbound(
        binding.topic if binding else None,
        body=body,
        unroutable=reason,
        headers=headers,
        id=text(event.get("id")),
        correlation_id=correlation(records.EMPTY, headers.get(CORRELATION_HEADER)),
        transport=TRANSPORT,
        raw=event,
        deadline=records.lambda_deadline(context),
    ))
    batch = Batch(app)
    batch.add(message, message.id, binding=binding)
    return batch


def to_answer(batch: Batch) -> None:
    batch.raise_for_redelivery("EventBridge")


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


def route(app: App, event: dict[str, Any]) -> tuple[Any, Any, str, dict[str, str]]:
    """(binding, body, why-unroutable, extra headers) for an EventBridge event."""
    detail_type, source = event.get("detail-type"), event.get("source")
    if detail_type == SCHEDULED:
        rule = rule_name(event)
        scheduled = app.bindings.schedule(rule) if rule else None
        body = {"time": event.get("time"), "rule": rule}
        if scheduled is not None:
            return scheduled, body, "", {}
        fallback = app.bindings.event(SCHEDULED)
        reason = (f"no schedule binding for EventBridge rule {rule!r}; add schedule({rule!r}, topic, "
                  "expression) to the startup file")
        return fallback, body, reason, {}
    detail = event.get("detail")
    binding = app.bindings.event(detail_type) if isinstance(detail_type, str) else None
    if binding is None and source == "aws.s3" and detail_type in _NEUTRAL_S3:
        binding = app.bindings.event(_NEUTRAL_S3[detail_type])
        if binding is not None:
            return binding, neutral_object(event), "", {}
    if binding is None and isinstance(source, str):
        binding = app.bindings.event(source)
    body, extra = unwrap(source, detail)
    reason = (f"no event binding matches EventBridge detail-type {detail_type!r} or source {source!r}; "
              f"add event({detail_type!r}, topic) to the startup file")
    return binding, body, reason, extra


def unwrap(source: Any, detail: Any) -> tuple[Any, dict[str, str]]:
    """The body and headers of a portside-published event (a CloudEvents envelope as detail)."""
    if (
        isinstance(source, str) and source.startswith("portside.") and isinstance(detail, dict)
        and detail.get("specversion") and isinstance(detail.get("type"), str)
    ):
        headers = {TOPIC_HEADER: detail["type"]}
        if isinstance(detail.get("correlationid"), str):
            headers[CORRELATION_HEADER] = detail["correlationid"]
        return detail.get("data"), headers
    return detail, {}


def neutral_object(event: dict[str, Any]) -> dict[str, Any]:
    """The body an S3 notification gives, from an S3 event delivered by EventBridge."""
    detail = _object(event.get("detail"))
    bucket = _object(detail.get("bucket"))
    obj = _object(detail.get("object"))
    body = {
        "bucket": bucket.get("name"),
        "key": obj.get("key"),
        "size": obj.get("size"),
        "etag": obj.get("etag"),
        "sequencer": obj.get("sequencer"),
        "eventName": event.get("detail-type"),
        "eventTime": event.get("time"),
    }
    if "version-id" in obj:
        body["versionId"] = obj.get("version-id")
    return body


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


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
