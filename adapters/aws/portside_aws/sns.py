"""SNS notifications pushed to Lambda (`Records[].EventSource == "aws:sns"`, capital E).

Binding: `subscription(name, topic, dead_letter=...)` where `name` is the SNS topic name (the
last field of `TopicArn`). A `portside-topic` message attribute is readable as a header; it picks
the handler only on a binding whose topic is MESSAGE_TOPIC ("*"). The body is `Message` (JSON
unless a `content-type` attribute says otherwise); message attributes become headers (binary
ones stay base64); the correlation id is the `x-correlation-id` attribute, else the SNS
`MessageId`.

SNS invokes asynchronously and has no partial-batch report: a message to retry or hand back
makes the invocation raise `DeliveryFailed`, so Lambda retries it and then hands it to the
function's on-failure destination or dead-letter queue (configure one). Poison messages go to
the binding's `dead_letter` when it has one.
"""

from __future__ import annotations

from typing import Any

from portside import App, Message
from portside.kit import Batch, Inbound, Malformed, correlation, poison, resolve_topic, text, unroutable_reason

from . import detect, records

KIND = "messages"
TRANSPORT = "aws:sns"


matches = detect.sns


def to_batch(app: App, event: dict[str, Any], context: Any, options: Any = None) -> Batch:
    deadline = records.lambda_deadline(context)
    batch = Batch(app)
    for record in records.records_of(event):
        message, binding = _read(app, record, deadline)
        batch.add(message, message.id, binding=binding)
    return batch


def to_answer(batch: Batch) -> None:
    batch.raise_for_redelivery("SNS")


def _read(app: App, record: Any, deadline: Any) -> tuple[Message, Any]:
    meta: dict[str, Any] = {"transport": TRANSPORT, "deadline": deadline}
    sns = record.get("Sns") if isinstance(record, dict) else None
    if not isinstance(sns, dict):
        return poison(app, "SNS record has no 'Sns' object", record, **meta), None
    message_id = text(sns.get("MessageId"))
    meta["id"] = message_id
    name = records.arn_resource(sns.get("TopicArn"))
    binding = app.bindings.subscription(name) if name else None
    data = sns.get("Message")
    try:
        headers = records.attribute_headers(sns.get("MessageAttributes"), ("Value",))
        if not isinstance(data, str):
            raise Malformed("SNS record has no text 'Message'")
    except Malformed as exc:
        return poison(app, str(exc), record, **meta), binding
    message = app.receive(Inbound(
        resolve_topic(binding, headers),
        data,
        content_type=headers.get("content-type"),
        unroutable=unroutable_reason(binding, f"SNS topic {name!r}", f"add subscription({name!r}, topic) "
                                     "to the startup file"),
        headers=headers,
        correlation_id=correlation(headers, message_id),
        raw=record,
        **meta,
    ))
    return message, binding
