"""SQS batches (`Records[].eventSource == "aws:sqs"`), standard and FIFO.

Binding: `queue(name, topic, dead_letter=..., ordered=...)` where `name` is the queue name, the
last field of the record's `eventSourceARN`. A `portside-topic` message attribute picks another
topic for that one message. Message attributes become headers (`stringValue`, else the base64
`binaryValue`); a `content-type` attribute says how to decode the body (JSON by default).
Correlation id: the `x-correlation-id` attribute, else the `AWSTraceHeader`, else the message id.

Bodies that are envelopes of other AWS services are unwrapped, so a service does not care
whether SNS, S3 or EventBridge reaches it directly or through a queue:
- SNS (`{"Type": "Notification", "Message": ...}`): the body is `Message`, attributes come from
  the envelope; with no queue binding, the SNS topic's `subscription` binding applies;
- S3 notifications (one record): the body is the one `s3.py` gives; else `event` bindings apply;
- EventBridge events: the body is `detail`; else `event`/`schedule` bindings apply.
Any other JSON body is the message body as is.

FIFO (the queue name ends in `.fifo`) or `ordered=True`: after the first message to retry, the
rest are not dispatched and are all reported, so redelivery keeps their order. The response is
`{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}` naming exactly the messages to
retry (needs `ReportBatchItemFailures` on the event source mapping); poison messages are
dead-lettered to the binding's `dead_letter` target and not reported, so SQS deletes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portside import App, Headers, Message, Settlement
from portside.headers import EMPTY_HEADERS

from . import eventbridge, records, s3
from .records import Bound, Malformed
from .shapes import Batch, lambda_deadline

KIND = "records"
TRANSPORT = "aws:sqs"
_SQS_VALUES = ("stringValue", "binaryValue")
_SNS_VALUES = ("Value",)


def matches(event: dict[str, Any]) -> bool:
    return records.first_record_source(event) == "aws:sqs"


def to_batch(app: App, event: dict[str, Any], context: Any) -> Batch:
    deadline = lambda_deadline(context)
    batch = Batch([])
    bindings: list[Bound | None] = []
    sources: dict[Any, tuple[str | None, Bound | None, bool]] = {}  # per queue ARN, worked out once
    for record in records.records_of(event):
        message, binding, ordered, message_id = _read(app, record, deadline, sources)
        batch.messages.append(message)
        batch.record_ids.append(message_id)
        batch.ordered = batch.ordered or ordered
        bindings.append(binding)
    batch.dead_letter = records.dead_letter_of(bindings)
    return batch


def to_response(settlements: Sequence[Settlement], batch: Batch) -> dict[str, Any]:
    return records.batch_item_failures(settlements, batch.record_ids)


def _source(app: App, arn: Any) -> tuple[str | None, Bound | None, bool]:
    """(queue name, its binding, whether it is ordered) for a record's `eventSourceARN`."""
    queue = records.arn_resource(arn)
    binding = app.queue_binding(queue) if queue else None
    ordered = bool(queue and queue.endswith(".fifo")) or bool(binding and binding.ordered)
    return queue, binding, ordered


# Bodies carrying one of these may be an envelope to unwrap; only they are parsed up front.
_ENVELOPE_MARKERS = ('"TopicArn"', '"Records"', '"detail-type"')


def _read(
    app: App,
    record: Any,
    deadline: Any,
    sources: dict[Any, tuple[str | None, Bound | None, bool]],
) -> tuple[Message, Bound | None, bool, str]:
    """One record -> (Message, the binding it went by, whether its queue is ordered, its
    messageId or "" when it has none). Inlined checks: this runs once per record."""
    if not isinstance(record, dict):
        message = records.poison(
            app, "SQS record is not an object", record, transport=TRANSPORT, deadline=deadline
        )
        return message, None, False, ""
    message_id = record.get("messageId")
    if type(message_id) is not str:
        message_id = ""
    arn = record.get("eventSourceARN")
    source = sources.get(arn) if isinstance(arn, str) else None
    if source is None:
        source = _source(app, arn)
        if isinstance(arn, str):
            sources[arn] = source
    queue, binding, ordered = source
    body = record.get("body")
    attributes = record.get("attributes")
    if not isinstance(attributes, dict):
        attributes = {}
    try:
        attributes_of_message = record.get("messageAttributes")
        if attributes_of_message is None or attributes_of_message == {}:
            headers = EMPTY_HEADERS
        else:
            headers = records.attribute_headers(attributes_of_message, _SQS_VALUES)
        if not isinstance(body, str):
            raise Malformed("SQS record has no text body")
    except Malformed as exc:
        message = records.poison(
            app, str(exc), record, transport=TRANSPORT, deadline=deadline, id=message_id or None
        )
        return message, binding, ordered, message_id
    trace = attributes.get("AWSTraceHeader")
    topic = records.resolve(binding, headers)
    content_type = headers.get("content-type") if headers is not EMPTY_HEADERS else None
    correlation_id = records.correlation(headers, trace, message_id)
    attempt = records.positive_int(attributes.get("ApproximateReceiveCount"))
    envelope = '"TopicArn"' in body or '"Records"' in body or '"detail-type"' in body
    message = app.inbound(
        topic,
        body,
        content_type=content_type,
        unroutable=None if topic else
        f"SQS queue {queue!r} has no queue binding; add queue({queue!r}, topic) to the startup file",
        headers=headers,
        correlation_id=correlation_id,
        raw=record,
        lazy=not envelope,
        transport=TRANSPORT,
        deadline=deadline,
        id=message_id or None,
        attempt=attempt,
    )
    if envelope and isinstance(message.body, dict):
        meta = {"transport": TRANSPORT, "deadline": deadline, "id": message_id or None, "attempt": attempt}
        unwrapped = _unwrap(app, message.body, binding, headers, trace, record, meta)
        if unwrapped is not None:
            return unwrapped[0], unwrapped[1], ordered, message_id
    return message, binding, ordered, message_id


def _unwrap(
    app: App,
    body: dict[str, Any],
    binding: Bound | None,
    headers: Headers,
    trace: Any,
    record: dict[str, Any],
    meta: dict[str, Any],
) -> tuple[Message, Bound | None] | None:
    """The message inside an SNS / S3 / EventBridge envelope, or None when `body` is none."""
    if body.get("Type") == "Notification" and isinstance(body.get("Message"), str) and "TopicArn" in body:
        try:
            envelope = records.attribute_headers(body.get("MessageAttributes"), _SNS_VALUES)
        except Malformed as exc:
            return records.poison(app, f"SNS envelope: {exc}", record, **meta), binding
        merged = Headers({**headers, **envelope})
        sns_topic = records.arn_resource(body.get("TopicArn"))
        route = binding or (app.subscription_binding(sns_topic) if sns_topic else None)
        message = app.inbound(
            records.resolve(route, merged),
            body["Message"],
            content_type=merged.get("content-type"),
            unroutable=f"neither the queue nor SNS topic {sns_topic!r} is bound; add a queue() or "
            f"subscription({sns_topic!r}, topic) binding to the startup file",
            headers=merged,
            correlation_id=records.correlation(merged, trace, body.get("MessageId"), meta["id"]),
            raw=record,
            **meta,
        )
        return message, route
    inner = body.get("Records")
    if (
        isinstance(inner, list)
        and len(inner) == 1
        and isinstance(inner[0], dict)
        and (inner[0].get("eventSource") == "aws:s3")
    ):
        try:
            derived = s3.s3_body(inner[0])
        except Malformed:
            return None  # not an S3 notification after all: the JSON is the body
        route = binding or s3.route(app, derived["eventName"])
        reason = f"neither the queue nor S3 event {derived['eventName']!r} is bound"
        headers = Headers({**s3.event_headers(derived), **headers})
    elif eventbridge.matches(body):
        found, derived, reason = eventbridge.route(app, body)
        route = binding or found
        headers = Headers({**eventbridge.event_headers(body), **headers})
    else:
        return None
    message = app.inbound(
        records.resolve(route, headers),
        body=derived,
        unroutable=reason,
        headers=headers,
        correlation_id=records.correlation(headers, trace, meta["id"]),
        raw=record,
        **meta,
    )
    return message, route
