"""One CloudEvent (binary, structured or converted from a legacy event) -> a one-message Batch. Pure.

- `google.cloud.pubsub.topic.v1.messagePublished`: the Pub/Sub message inside (pubsub.py), by
  its subscription and topic (routes.py);
- `google.cloud.scheduler.job.v1.executed`: the tick of the schedule named like the job;
- Cloud Storage object events: the neutral storage body `{bucket, key, size, etag, contentType,
  versionId, eventName, eventTime}` (`key` is the object name);
- anything else: the event's data as the body, by the event binding matching its type.

Context attributes and extensions become `ce-*` headers; `event-type`, `event-source` and
`event-time` repeat the type, source and time under the names every adapter uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json

from portside import Headers
from portside.kit import Batch, Inbound, correlation, poison, text
from portside.kit.cloudevents import CloudEvent

from . import pubsub
from .options import short_name
from .routes import Routes
from .schedules import tick_body

if TYPE_CHECKING:
    from portside import App, Message

TRANSPORT = "gcp:cloudevent"
PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
SCHEDULER_EXECUTED = "google.cloud.scheduler.job.v1.executed"
STORAGE_PREFIX = "google.cloud.storage.object.v1."
_DECODED_TYPES = ("", "application/json", "text/json", "text/plain")


class Received:
    """How the event arrived: the HTTP body and content type in binary mode (decoded with the
    App's limits), the caller's verified claims, the native request."""

    __slots__ = ("body", "content_type", "correlation_id", "identity", "raw")

    def __init__(
        self,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        correlation_id: str | None = None,
        identity: Mapping[str, Any] | None = None,
        raw: Any = None,
    ) -> None:
        self.body = body
        self.content_type = content_type
        self.correlation_id = correlation_id
        self.identity = identity
        self.raw = raw


def batch(
    app: App, routes: Routes, event: CloudEvent, received: Received, given: pubsub.Given | None = None
) -> Batch:
    """The Batch of one CloudEvent; its answer is the settlement rendered as HTTP. `given`: the
    Pub/Sub message's handler already ran (see pubsub.batch)."""
    if event.type == PUBLISHED:
        return _published(app, routes, event, received, given)
    binding: Any
    if event.type == SCHEDULER_EXECUTED:
        message, binding = _scheduled(app, routes, event, received)
    else:
        binding = routes.event(event.type)
        message = _message(app, binding, event, received)
    result = Batch(app)
    result.add(message, message.id, binding=binding)
    return result


def headers_of(event: CloudEvent, correlation_id: str | None = None) -> Headers:
    found = {f"ce-{name}": value for name, value in event.attributes().items() if isinstance(value, str)}
    found["event-type"] = event.type
    found["event-source"] = event.source
    if event.time:
        found["event-time"] = event.time
    if event.datacontenttype:
        found["content-type"] = event.datacontenttype
    sent = correlation_id or event.extensions.get("correlationid")
    if sent:
        found["x-correlation-id"] = sent
    return Headers(found)


def _published(
    app: App, routes: Routes, event: CloudEvent, received: Received, given: pubsub.Given | None
) -> Batch:
    envelope = event.data
    if not isinstance(envelope, dict) or not isinstance(envelope.get("message"), dict):
        result = Batch(app)
        result.add(poison(app, "a messagePublished CloudEvent's data is {\"message\": {...}, ...}",
                          _raw(event, received), transport=pubsub.TRANSPORT, id=event.id,
                          identity=received.identity))
        return result
    source = pubsub.Source(
        subscription=text(envelope.get("subscription")),
        topic=_topic_of(event.source),
        attempt=envelope.get("deliveryAttempt"),
        identity=received.identity,
        raw=_raw(event, received),
        fallback=routes.event(event.type),
        headers=headers_of(event, received.correlation_id),
    )
    return pubsub.batch(app, routes, envelope["message"], source, given)


def _scheduled(app: App, routes: Routes, event: CloudEvent, received: Received) -> tuple[Message, Any]:
    job = short_name(event.source) if "/jobs/" in event.source else ""
    binding = routes.schedules.get(job)
    headers = headers_of(event, received.correlation_id)
    time = event.time or datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    message = app.receive(Inbound(
        binding.topic if binding else None, body=tick_body(job, time), transport=pubsub.SCHEDULE_TRANSPORT,
        headers=headers, id=event.id, correlation_id=correlation(headers, event.id), raw=_raw(event, received),
        identity=received.identity,
        unroutable=f"Cloud Scheduler job {job!r} has no schedule binding; add schedule({job!r}, topic, "
        "expression) to the startup file",
    ))
    return message, binding


def _message(app: App, binding: Any, event: CloudEvent, received: Received) -> Message:
    headers = headers_of(event, received.correlation_id)
    fields: dict[str, Any] = {
        "transport": TRANSPORT, "headers": headers, "id": event.id,
        "correlation_id": correlation(headers, event.id), "raw": _raw(event, received),
        "identity": received.identity,
        "unroutable": f"no event binding matches CloudEvent type {event.type!r}; add event({event.type!r}, "
        "topic) (wildcards allowed) to the startup file",
    }
    topic = binding.topic if binding is not None else None
    if event.type.startswith(STORAGE_PREFIX) and isinstance(event.data, dict):
        return app.receive(Inbound(topic, body=storage_body(event), **fields))
    if received.body is not None:  # binary mode: the body as received, decoded with the App's limits
        media = (received.content_type or "").split(";", 1)[0].strip().lower()
        if media in _DECODED_TYPES or media.endswith("+json"):
            return app.receive(Inbound(topic, received.body, content_type=received.content_type, **fields))
        return app.receive(Inbound(topic, received.body, body=received.body, **fields))
    if isinstance(event.data, (dict, list)):  # structured mode: decoded again with the App's limits
        return app.receive(Inbound(topic, to_json(event.data), content_type="application/json", **fields))
    return app.receive(Inbound(topic, body=event.data, **fields))


def storage_body(event: CloudEvent) -> dict[str, Any]:
    """A Cloud Storage object event in the neutral storage-object shape."""
    data: dict[str, Any] = event.data
    bucket = data.get("bucket")
    if not isinstance(bucket, str) and "/buckets/" in event.source:
        bucket = short_name(event.source)
    key = data.get("name")
    if not isinstance(key, str) and event.subject and event.subject.startswith("objects/"):
        key = event.subject[len("objects/"):]
    size = data.get("size")
    if isinstance(size, str) and size.isdigit():
        size = int(size)
    generation = data.get("generation")
    return {
        "bucket": bucket if isinstance(bucket, str) else None,
        "key": key if isinstance(key, str) else None,
        "size": size if isinstance(size, int) and not isinstance(size, bool) else None,
        "etag": text(data.get("etag")),
        "contentType": text(data.get("contentType")),
        "versionId": str(generation) if isinstance(generation, (str, int)) and generation != "" else None,
        "eventName": event.type,
        "eventTime": event.time,
    }


def _topic_of(source: str) -> str | None:
    """`//pubsub.googleapis.com/projects/p/topics/t` -> `t`."""
    return short_name(source) if "/topics/" in source else None


def _raw(event: CloudEvent, received: Received) -> Any:
    return received.raw if received.raw is not None else event
