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

FIFO (the queue name ends in `.fifo`) or `ordered=True`: once a message of a message group must
be redelivered, the later messages of that group are not dispatched and are reported too, so
redelivery keeps their order (an ordered standard queue is one group). The response is
`{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}` naming exactly the retried and
handed-back messages (needs `ReportBatchItemFailures` on the event source mapping, and a redrive
policy on the queue so handed-back poison ends in its DLQ); dead-lettered and dropped messages
are not reported, so SQS deletes them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from portside import App, Headers, Message
from portside.kit import (
    UNSET,
    Batch,
    Inbound,
    Lane,
    Malformed,
    correlation,
    poison,
    positive_int,
    resolve_topic,
    text,
    unroutable_reason,
)

from . import detect, eventbridge, records, s3

if TYPE_CHECKING:
    from portside.kit import EntryPoint

KIND = "messages"
TRANSPORT = "aws:sqs"
_SQS_VALUES = ("stringValue", "binaryValue")
_SNS_VALUES = ("Value",)
# queue name, its binding, whether it is ordered, and the binding's topic unless it dispatches
# by each message's own topic (MESSAGE_TOPIC)
Source = tuple["str | None", Any, bool, "str | None"]


matches = detect.sqs


def to_batch(app: App, event: dict[str, Any], context: Any, options: Any = None) -> Batch:
    deadline = records.lambda_deadline(context)
    batch = Batch(app)
    sources: dict[Any, Source] = {}  # per queue ARN, worked out once
    for record in records.records_of(event):
        message, binding, ordered, message_id, group = read(app, record, deadline, sources)
        if ordered:
            batch.ordered = True
        batch.add(message, message_id, binding=binding, group=group)
    return batch


def fast_answer(entry: EntryPoint, event: dict[str, Any], context: Any, lanes: dict[str, Lane | None]) -> Any:
    """The batch's answer, each common record served by its queue's lane (portside.lanes): the
    body text validated straight into the model and the handler called, nothing else built.

    Any other record (a content-type attribute, a possible envelope, a body outside the cheap limits,
    an ordered or unbound queue, a body the model refuses) is read and settled by the kit's
    Batch, as without a lane; one whose handler raised or returned a value is settled from that
    outcome, without running the handler again. `lanes` caches each queue ARN's lane or None."""
    app = entry.app
    batch: Batch | None = None
    deadline: Any = None
    sources: dict[Any, Source] = {}
    arn: Any = None
    lane: Lane | None = None
    for record in event["Records"]:
        ran = False
        value: Any = None
        error: Exception | None = None
        if type(record) is dict:
            record_arn = record.get("eventSourceARN")
            if record_arn != arn:
                arn = record_arn
                lane = _lane(app, arn, lanes) if type(arn) is str else None
            body = record.get("body")
            attributes = record.get("messageAttributes")
            if (
                lane is not None
                and type(body) is str
                and (attributes is None or (type(attributes) is dict and not attributes) or _plain(attributes))
                and not may_be_envelope(body)
                and (len(body) <= lane.short or lane.within_limits(body))
            ):
                try:
                    model = lane.validate(body)
                except Exception:  # invalid, or a validator that raised: the general path settles it
                    pass
                else:
                    try:
                        value = lane.fn(model)
                    except Exception as exc:
                        error = exc
                    else:
                        if value is None:
                            continue  # acknowledged: the common case ends here
                    ran = True
        if batch is None:
            batch, deadline = Batch(app), records.lambda_deadline(context)
        try:
            message, binding, ordered, message_id, group = read(app, record, deadline, sources)
        except Exception as exc:  # a defect, not bad input: fail the invocation, lose nothing
            raise entry.unreadable(sys.modules[__name__], exc) from None
        if ordered:
            batch.ordered = True
        result = lane.outcome(message, value, error) if ran and lane is not None else None
        batch.add(message, message_id, binding=binding, group=group, result=result)
    if batch is None:
        return {"batchItemFailures": []}
    return entry.answer(sys.modules[__name__], batch)


def _plain(attributes: Any) -> bool:
    """True when message attributes change nothing a lane does: an object whose attributes are
    each well-formed, none a content type (which decides how the body is read). The correlation
    id they may carry only matters to a failure, which the general path then reads."""
    if type(attributes) is not dict:
        return False
    for name, attribute in attributes.items():
        if type(attribute) is not dict or name.lower() == "content-type":
            return False
    return True


def _lane(app: App, arn: str, lanes: dict[str, Lane | None]) -> Lane | None:
    """The lane of a queue's handler, or None: unbound, ordered, or dispatched by each message's
    own topic (these need the general path's reading)."""
    if arn in lanes:
        return lanes[arn]
    _, binding, ordered, fixed_topic = queue_source(app, arn)
    found = app.lanes.get(fixed_topic) if fixed_topic and not ordered and binding is not None else None
    lanes[arn] = found
    return found


def may_be_envelope(body: str) -> bool:
    """True when a body may be an SNS, S3 or EventBridge envelope (then it is parsed to see)."""
    return '"TopicArn"' in body or '"Records"' in body or '"detail-type"' in body


def to_answer(batch: Batch) -> dict[str, Any]:
    return records.item_failures(batch)


def queue_source(app: App, arn: Any) -> Source:
    """(queue name, its binding, whether it is ordered, its fixed topic) for a queue ARN."""
    queue = records.arn_resource(arn)
    binding = records.bound_queue(app, queue, "sqs")
    ordered = bool(queue and queue.endswith(".fifo")) or bool(binding and binding.ordered)
    fixed = binding.topic if binding is not None and not binding.dispatches_by_message_topic else None
    return queue, binding, ordered, fixed


def read(
    app: App, record: Any, deadline: Any, sources: dict[Any, Source]
) -> tuple[Message, Any, bool, str, Any]:
    """One record -> (Message, its binding, whether its queue is ordered, its messageId or "",
    its message group). Inlined checks: this runs once per record."""
    if not isinstance(record, dict):
        message = poison(app, "SQS record is not an object", record, transport=TRANSPORT, deadline=deadline)
        return message, None, False, "", None
    message_id = record.get("messageId")
    if type(message_id) is not str:
        message_id = ""
    arn = record.get("eventSourceARN")
    source = sources.get(arn) if isinstance(arn, str) else None
    if source is None:
        source = queue_source(app, arn)
        if isinstance(arn, str):
            sources[arn] = source
    queue, binding, ordered, fixed_topic = source
    body = record.get("body")
    attributes = record.get("attributes")
    if not isinstance(attributes, dict):
        attributes = {}
    # A group id that is not text (only in a malformed record) orders with the whole batch.
    group = text(attributes.get("MessageGroupId")) if ordered else None
    try:
        attributes_of_message = record.get("messageAttributes")
        if attributes_of_message is None or attributes_of_message == {}:
            headers = records.EMPTY
        else:
            headers = records.attribute_headers(attributes_of_message, _SQS_VALUES)
        if not isinstance(body, str):
            raise Malformed("SQS record has no text body")
    except Malformed as exc:
        message = poison(app, str(exc), record, transport=TRANSPORT, deadline=deadline, id=message_id or None)
        return message, binding, ordered, message_id, group
    trace = attributes.get("AWSTraceHeader")
    topic = fixed_topic or resolve_topic(binding, headers)
    count = attributes.get("ApproximateReceiveCount")
    attempt = int(count) if type(count) is str and count.isdigit() and count != "0" else positive_int(count)
    envelope = may_be_envelope(body)
    content_type: str | None = None
    correlation_id: str | None = message_id
    if headers is records.EMPTY:
        if type(trace) is str and trace:
            correlation_id = trace
    else:
        content_type = headers.get_lowercase("content-type")
        correlation_id = correlation(headers, trace, message_id)
    # Positional on purpose: once per record (see Inbound's docstring).
    message = app.receive(Inbound(
        topic, body, TRANSPORT, UNSET, content_type, headers, message_id or None, correlation_id or None,
        attempt, record, deadline, None, None,
        None if topic else unroutable_reason(
            binding, f"SQS queue {queue!r}", f"add queue({queue!r}, topic) to the startup file"),
        None, not envelope,
    ))
    if envelope and isinstance(message.body, dict):
        meta = {"transport": TRANSPORT, "deadline": deadline, "id": message_id or None, "attempt": attempt}
        unwrapped = _unwrap(app, message.body, binding, headers, trace, record, meta)
        if unwrapped is not None:
            return unwrapped[0], unwrapped[1], ordered, message_id, group
    return message, binding, ordered, message_id, group


def _unwrap(
    app: App,
    body: dict[str, Any],
    binding: Any,
    headers: Headers,
    trace: Any,
    record: dict[str, Any],
    meta: dict[str, Any],
) -> tuple[Message, Any] | None:
    """The message inside an SNS / S3 / EventBridge envelope, or None when `body` is none."""
    data = record.get("body")
    if body.get("Type") == "Notification" and isinstance(body.get("Message"), str) and "TopicArn" in body:
        try:
            envelope = records.attribute_headers(body.get("MessageAttributes"), _SNS_VALUES)
        except Malformed as exc:
            return poison(app, f"SNS envelope: {exc}", record, **meta), binding
        merged = Headers({**headers, **envelope})
        sns_topic = records.arn_resource(body.get("TopicArn"))
        route = binding or (app.bindings.subscription(sns_topic) if sns_topic else None)
        message = app.receive(Inbound(
            resolve_topic(route, merged),
            body["Message"],
            content_type=merged.get("content-type"),
            unroutable=unroutable_reason(
                route, f"SNS topic {sns_topic!r} (through an SQS queue)",
                f"add a queue() binding for the queue or subscription({sns_topic!r}, topic)"),
            headers=merged,
            correlation_id=correlation(merged, trace, body.get("MessageId"), meta["id"]),
            raw=record,
            **meta,
        ))
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
        found, derived, reason, extra = eventbridge.route(app, body)
        route = binding or found
        headers = Headers({**eventbridge.event_headers(body), **extra, **headers})
    else:
        return None
    message = app.receive(Inbound(
        resolve_topic(route, headers),
        data,
        body=derived,
        unroutable=reason,
        headers=headers,
        correlation_id=correlation(headers, trace, meta["id"]),
        raw=record,
        **meta,
    ))
    return message, route
