"""One Pub/Sub message (from a push envelope or a messagePublished CloudEvent) -> a Message. Pure.

Body: `message.data` base64-decoded, then JSON when it parses and bytes otherwise (a
`content-type` attribute of JSON or text/plain decodes that way). Attributes become headers;
the ordering key is `message-group-id`, the publish time `pubsub-publish-time`; the message id
is the Message id, the delivery attempt its `attempt` (Pub/Sub sends it when the subscription
has a dead-letter policy). A message carrying `portside-schedule` or arriving on a schedule's
topic is that schedule's tick.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from portside import Headers, Message
from portside.kit import (
    Batch,
    Inbound,
    Malformed,
    b64decode,
    correlation,
    poison,
    positive_int,
    resolve_topic,
    text,
    unroutable_reason,
)

from .routes import SCHEDULE_ATTRIBUTE, Routes
from .schedules import tick_body

if TYPE_CHECKING:
    from portside import App, Result

Given = Callable[[Message], "Result[Any]"]  # the Result of a handler a fast lane already ran

TRANSPORT = "gcp:pubsub"
SCHEDULE_TRANSPORT = "gcp:scheduler"
GROUP_HEADER = "message-group-id"
PUBLISH_TIME_HEADER = "pubsub-publish-time"
SUBSCRIPTION_HEADER = "pubsub-subscription"
_TEXT_TYPES = ("application/json", "text/json", "text/plain")


class Source:
    """Where a Pub/Sub message came from: what names its binding and what the Message keeps."""

    __slots__ = ("attempt", "fallback", "headers", "identity", "raw", "subscription", "topic")

    def __init__(
        self,
        *,
        subscription: str | None = None,
        topic: str | None = None,
        attempt: Any = None,
        identity: Mapping[str, Any] | None = None,
        raw: Any = None,
        fallback: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.subscription = subscription
        self.topic = topic
        self.attempt = attempt
        self.identity = identity
        self.raw = raw
        self.fallback = fallback
        self.headers = headers  # the CloudEvent's, when the message came in one


def batch(app: App, routes: Routes, message: Any, source: Source, given: Given | None = None) -> Batch:
    """A one-message Batch: Pub/Sub pushes (and Eventarc delivers) one message per request.

    `given`: the message's handler already ran (fast.py), so the Batch settles the Result it
    gives for the Message read here instead of dispatching it again."""
    read, binding, group = read_message(app, routes, message, source)
    ordered = bool(getattr(binding, "ordered", False))
    result = Batch(app, ordered=ordered)
    result.add(read, read.id, binding=binding, group=group, result=None if given is None else given(read))
    return result


def read_message(app: App, routes: Routes, message: Any, source: Source) -> tuple[Message, Any, str | None]:
    """(Message, its binding or None, its ordering key)."""
    meta: dict[str, Any] = {"transport": TRANSPORT, "identity": source.identity}
    if not isinstance(message, dict):
        return poison(app, "the Pub/Sub message is not a JSON object", source.raw, **meta), None, None
    message_id = text(message.get("messageId")) or text(message.get("message_id"))
    try:
        attributes = attributes_of(message.get("attributes"))
        data = data_of(message.get("data"))
    except Malformed as exc:
        return poison(app, str(exc), source.raw, id=message_id, **meta), None, None
    publish_time = text(message.get("publishTime")) or text(message.get("publish_time"))
    group = text(message.get("orderingKey")) or text(message.get("ordering_key"))
    headers = {**source.headers, **attributes} if source.headers else dict(attributes)
    if publish_time:
        headers[PUBLISH_TIME_HEADER] = publish_time
    if group:
        headers[GROUP_HEADER] = group
    if source.subscription:
        headers[SUBSCRIPTION_HEADER] = source.subscription
    attempt = positive_int(source.attempt)
    schedule = routes.schedule(attributes.get(SCHEDULE_ATTRIBUTE), source.topic)
    if schedule is not None or attributes.get(SCHEDULE_ATTRIBUTE):
        return _tick(app, schedule, attributes.get(SCHEDULE_ATTRIBUTE), publish_time, headers, message_id,
                     attempt, source), schedule, group
    binding: Any = routes.pubsub(source.subscription, source.topic) or source.fallback
    inbound_headers = Headers(headers)
    topic = resolve_topic(binding, inbound_headers)
    fields: dict[str, Any] = {
        "transport": TRANSPORT, "headers": inbound_headers, "id": message_id,
        "correlation_id": correlation(inbound_headers, message_id), "attempt": attempt, "raw": source.raw,
        "identity": source.identity,
        "unroutable": None if topic else unroutable_reason(binding, _described(source), _fix(source)),
    }
    return decode(app, topic, data, attributes.get("content-type"), fields), binding, group


def decode(
    app: App, topic: str | None, data: bytes, content_type: str | None, fields: dict[str, Any]
) -> Message:
    """Data with a `content-type` attribute is decoded as every adapter decodes a declared body
    (so malformed JSON or an unaccepted type is poison, kept as received). Data without one is
    JSON when it parses, else the bytes themselves: Pub/Sub carries opaque bytes, and publishers
    other than portside rarely say what they sent (a documented difference, see the README)."""
    if content_type:
        return app.receive(Inbound(topic, data, content_type=content_type, **fields))
    received = app.receive(Inbound(topic, data, **fields))
    failure = received.failure
    if failure is not None and bool(failure.errors) and failure.errors[0].code == "malformed_json":
        return app.receive(Inbound(topic, data, body=data, **fields))
    return received


def _tick(
    app: App, schedule: Any, name: str | None, publish_time: str | None, headers: dict[str, str],
    message_id: str | None, attempt: int, source: Source,
) -> Message:
    time = publish_time or datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    rule = schedule.name if schedule is not None else (name or "")
    return app.receive(Inbound(
        schedule.topic if schedule is not None else None,
        body=tick_body(rule, time), transport=SCHEDULE_TRANSPORT, headers=headers, id=message_id,
        correlation_id=correlation(Headers(headers), message_id), attempt=attempt,
        raw=source.raw, identity=source.identity,
        unroutable=f"the tick names schedule {name!r}, which no schedule binding has; add "
        f"schedule({name!r}, topic, expression) to the startup file",
    ))


def attributes_of(value: Any) -> dict[str, str]:
    """The attributes as headers (names in lower case); Malformed unless a map of strings."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Malformed("the Pub/Sub message's attributes are not a map of strings")
    return {str(k).lower(): v for k, v in value.items()}


def data_of(value: Any) -> bytes:
    """The base64-decoded data; Malformed unless base64 text (padding may be left out)."""
    if value is None or value == "":
        return b""
    if not isinstance(value, str):
        raise Malformed("the Pub/Sub message's data is not a base64 string")
    decoded = b64decode(value)
    if decoded is None and len(value) % 4:  # padding left out (functions-framework's fixtures do)
        decoded = b64decode(value + "=" * (-len(value) % 4))
    if decoded is None:
        raise Malformed("the Pub/Sub message's data is not valid base64")
    return decoded


def _described(source: Source) -> str:
    names = []
    if source.subscription:
        names.append(f"subscription {source.subscription!r}")
    if source.topic:
        names.append(f"topic {source.topic!r}")
    return "Pub/Sub " + (" of ".join(names) if names else "message (no subscription or topic named)")


def _fix(source: Source) -> str:
    from .options import short_name

    fixes = []
    if source.subscription:
        name = short_name(source.subscription)
        fixes.append(f"queue({name!r}, topic)")
    if source.topic:
        fixes.append(f"subscription({short_name(source.topic)!r}, topic)")
    return "add " + (" or ".join(fixes) or "a queue or subscription binding") + " to the startup file"
