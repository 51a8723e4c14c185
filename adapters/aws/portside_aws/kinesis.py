"""Kinesis Data Streams batches (`Records[].eventSource == "aws:kinesis"`).

Binding: `queue(name, topic, dead_letter=...)` where `name` is the stream name (from
`eventSourceARN`, `...:stream/<name>`). The body is `kinesis.data`, base64-decoded then decoded
as JSON; the partition key is the `partition-key` header. Kinesis records carry no attributes,
so there is no per-message topic override.

A shard is ordered, so the batch is too: after the first record to retry nothing more is
dispatched, and the response `{"batchItemFailures": [{"itemIdentifier": sequenceNumber}, ...]}`
names it and every later record (Lambda resumes from the lowest one named). Needs
`ReportBatchItemFailures` on the event source mapping. Tumbling-window fields (`window`,
`state`) are not interpreted: each record is delivered on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portside import App, Message, Settlement
from portside.bindings import QueueBinding

from . import records
from .records import Malformed
from .shapes import Batch, Deadline

KIND = "records"
TRANSPORT = "aws:kinesis"


def matches(event: dict[str, Any]) -> bool:
    return records.first_record_source(event) == "aws:kinesis"


def to_batch(app: App, event: dict[str, Any], context: Any) -> Batch:
    return records.stream_batch(app, event, context, _read, "kinesis", "sequenceNumber")


def to_response(settlements: Sequence[Settlement], batch: Batch) -> dict[str, Any]:
    return records.batch_item_failures(settlements, batch.record_ids)


def _read(app: App, record: Any, deadline: Deadline) -> tuple[Message, QueueBinding | None]:
    meta: dict[str, Any] = {"transport": TRANSPORT, "deadline": deadline}
    kinesis = record.get("kinesis") if isinstance(record, dict) else None
    if not isinstance(record, dict) or not isinstance(kinesis, dict):
        return records.poison(app, "Kinesis record has no 'kinesis' object", record, **meta), None
    meta["id"] = records.text(record.get("eventID"))
    stream = records.typed_resource(record.get("eventSourceARN"), "stream")
    binding = app.queue_binding(stream) if stream else None
    try:
        data = _data(kinesis.get("data"))
    except Malformed as exc:
        return records.poison(app, str(exc), record, **meta), binding
    key = records.text(kinesis.get("partitionKey"))
    return app.inbound(
        binding.topic if binding else None,
        data,
        unroutable=f"Kinesis stream {stream!r} has no queue binding; add queue({stream!r}, topic) "
        "to the startup file",
        headers={"partition-key": key} if key else None,
        raw=record,
        **meta,
    ), binding


def _data(value: Any) -> bytes:
    if not isinstance(value, str):
        raise Malformed("Kinesis record has no base64 'data'")
    decoded = records.b64decode(value)
    if decoded is None:
        raise Malformed("Kinesis record 'data' is not valid base64")
    return decoded
