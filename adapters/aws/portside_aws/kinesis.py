"""Kinesis Data Streams batches (`Records[].eventSource == "aws:kinesis"`).

Binding: `queue(name, topic, dead_letter=...)` where `name` is the stream name (from
`eventSourceARN`, `...:stream/<name>`). The body is `kinesis.data`, base64-decoded then decoded
as JSON; the partition key is the `partition-key` header. Kinesis records carry no attributes,
so there is no per-message topic override.

A shard is ordered, so the batch is too: after the first record to redeliver nothing more is
dispatched, and the response `{"batchItemFailures": [{"itemIdentifier": sequenceNumber}, ...]}`
names it and every later record (Lambda resumes from the lowest one named). A handed-back record
blocks its shard until it expires, so a Kinesis binding must say what to do with poison
(`dead_letter=` a target, DROP or HAND_BACK); startup refuses one that does not. Declare the source
on the binding: `queue("clicks", "clicks.record", dead_letter="clicks-dlq", aws={"source": "kinesis"})`. Needs
`ReportBatchItemFailures` on the event source mapping. Tumbling-window fields (`window`,
`state`) are not interpreted: each record is delivered on its own.
"""

from __future__ import annotations

from typing import Any

from portside import App, Message
from portside.kit import Batch, Inbound, Malformed, b64decode, poison, text

from . import detect, records

KIND = "messages"
TRANSPORT = "aws:kinesis"


matches = detect.kinesis


def to_batch(app: App, event: dict[str, Any], context: Any, options: Any = None) -> Batch:
    return records.stream_batch(app, event, context, _read, "kinesis", "sequenceNumber")


to_answer = records.item_failures


def _read(app: App, record: Any, deadline: Any) -> tuple[Message, Any]:
    meta: dict[str, Any] = {"transport": TRANSPORT, "deadline": deadline}
    if not isinstance(record, dict):
        return poison(app, "Kinesis record has no 'kinesis' object", record, **meta), None
    meta["id"] = text(record.get("eventID"))
    stream = records.typed_resource(record.get("eventSourceARN"), "stream")
    binding = records.bound_queue(app, stream, "kinesis")
    kinesis = record.get("kinesis")
    if not isinstance(kinesis, dict):  # still its stream's: the binding's dead-letter choice applies
        return poison(app, "Kinesis record has no 'kinesis' object", record, **meta), binding
    try:
        data = _data(kinesis.get("data"))
    except Malformed as exc:
        return poison(app, str(exc), record, **meta), binding
    key = text(kinesis.get("partitionKey"))
    return app.receive(Inbound(
        binding.topic if binding else None,
        data,
        unroutable=f"Kinesis stream {stream!r} has no queue binding declared as a Kinesis source; add "
        f"queue({stream!r}, topic, "
        "aws={'source': 'kinesis'}, dead_letter=...) to the startup file",
        headers={"partition-key": key} if key else None,
        raw=record,
        **meta,
    )), binding


def _data(value: Any) -> bytes:
    if not isinstance(value, str):
        raise Malformed("Kinesis record has no base64 'data'")
    decoded = b64decode(value)
    if decoded is None:
        raise Malformed("Kinesis record 'data' is not valid base64")
    return decoded
