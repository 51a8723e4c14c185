"""SNS notifications pushed to Lambda (`Records[].EventSource == "aws:sns"`, capital E).

Binding: `subscription(name, topic, dead_letter=...)` where `name` is the SNS topic name (the
last field of `TopicArn`). A `portside-topic` message attribute picks another topic for that
message. The body is `Message` (JSON unless a `content-type` attribute says otherwise);
message attributes become headers (binary ones stay base64); the correlation id is the
`x-correlation-id` attribute, else the SNS `MessageId`.

SNS invokes asynchronously and has no partial-batch report: a message to retry makes the
invocation raise `DeliveryFailed`, so Lambda retries it and then hands it to the function's
on-failure destination or dead-letter queue. Poison messages go to the binding's `dead_letter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portside import App, Message, Settlement
from portside.bindings import SubscriptionBinding

from . import records
from .records import Malformed
from .shapes import Batch, Deadline, lambda_deadline

KIND = "records"
TRANSPORT = "aws:sns"


def matches(event: dict[str, Any]) -> bool:
    return records.first_record_source(event, "EventSource") == "aws:sns"


def to_batch(app: App, event: dict[str, Any], context: Any) -> Batch:
    deadline = lambda_deadline(context)
    batch = Batch([])
    bindings: list[SubscriptionBinding | None] = []
    for record in records.records_of(event):
        message, binding = _read(app, record, deadline)
        batch.messages.append(message)
        batch.record_ids.append(message.id)
        bindings.append(binding)
    batch.dead_letter = records.dead_letter_of(bindings)
    return batch


def to_response(settlements: Sequence[Settlement], batch: Batch) -> None:
    records.raise_on_retry(settlements, batch, "SNS")


def _read(app: App, record: Any, deadline: Deadline) -> tuple[Message, SubscriptionBinding | None]:
    meta: dict[str, Any] = {"transport": TRANSPORT, "deadline": deadline}
    sns = record.get("Sns") if isinstance(record, dict) else None
    if not isinstance(sns, dict):
        return records.poison(app, "SNS record has no 'Sns' object", record, **meta), None
    message_id = records.text(sns.get("MessageId"))
    meta["id"] = message_id
    name = records.arn_resource(sns.get("TopicArn"))
    binding = app.subscription_binding(name) if name else None
    data = sns.get("Message")
    try:
        headers = records.attribute_headers(sns.get("MessageAttributes"), ("Value",))
        if not isinstance(data, str):
            raise Malformed("SNS record has no text 'Message'")
    except Malformed as exc:
        return records.poison(app, str(exc), record, **meta), binding
    message = app.inbound(
        records.resolve(binding, headers),
        data,
        content_type=headers.get("content-type"),
        unroutable=f"SNS topic {name!r} has no subscription binding; add subscription({name!r}, "
        "topic) to the startup file",
        headers=headers,
        correlation_id=records.correlation(headers, message_id),
        raw=record,
        **meta,
    )
    return message, binding
