"""Kafka batches from Amazon MSK (`eventSource` "aws:kafka") and self-managed clusters
(`aws:SelfManagedKafka`, or `SelfManagedKafka` as some tools write it).

Binding: `queue(name, topic, dead_letter=...)` where `name` is the Kafka topic. `records` maps
"<topic>-<partition>" to that partition's records; each `value` is base64 (JSON inside unless a
`content-type` header says otherwise; a null value, a tombstone, is a None body). Headers
arrive as `[{name: [byte, ...]}]`, bytes possibly signed as Java writes them; they are decoded
as UTF-8 (undecodable bytes replaced; the raw record keeps the original). A `portside-topic`
header picks another topic, `x-correlation-id` the correlation id; the record key, when it is
text, is the `partition-key` header.

Partial failures: `{"batchItemFailures": [{"itemIdentifier": {"partition": "<topic>-<n>",
"offset": <offset>}}]}`, the composite identifier Lambda's Kafka event source mapping expects
(the `records` key plus the record's offset; it resumes each named partition from the lowest
offset named). Ordering is kept over the whole batch, which is stricter than per partition but
simple and correct: after the first record to retry nothing more is dispatched and every later
record, whatever its partition, is named too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portside import App, Headers, Message, Settlement
from portside.bindings import QueueBinding

from . import records
from .records import Malformed
from .shapes import Batch, lambda_deadline

KIND = "records"
TRANSPORT = "aws:kafka"
SOURCES = frozenset({"aws:kafka", "aws:SelfManagedKafka", "SelfManagedKafka"})


def matches(event: dict[str, Any]) -> bool:
    source = event.get("eventSource")
    return isinstance(source, str) and source in SOURCES and "records" in event


def to_batch(app: App, event: dict[str, Any], context: Any) -> Batch:
    meta: dict[str, Any] = {"transport": TRANSPORT, "deadline": lambda_deadline(context)}
    batch = Batch([], ordered=True)
    identifiers: list[dict[str, Any] | None] = []
    bindings: list[QueueBinding | None] = []
    partitions = event.get("records")
    if not isinstance(partitions, dict):  # one poison message, so nothing goes unseen
        partitions = {None: partitions}
    for key, items in partitions.items():
        if key is None or not isinstance(items, list):
            reason = "Kafka 'records' is not an object" if key is None else f"records[{key!r}] is not a list"
            batch.messages.append(records.poison(app, reason, items, **meta))
            identifiers.append(None)
            bindings.append(None)
            continue
        for item in items:
            message, binding, offset = _read(app, key, item, meta)
            batch.messages.append(message)
            identifiers.append(None if offset is None else {"partition": key, "offset": offset})
            bindings.append(binding)
    batch.record_ids = [f"{i['partition']}@{i['offset']}" if i else "" for i in identifiers]
    batch.extra["item_identifiers"] = identifiers
    batch.dead_letter = records.dead_letter_of(bindings)
    return batch


def to_response(settlements: Sequence[Settlement], batch: Batch) -> dict[str, Any]:
    return records.batch_item_failures(settlements, batch.extra["item_identifiers"])


def _read(
    app: App, key: str, item: Any, meta: dict[str, Any]
) -> tuple[Message, QueueBinding | None, int | None]:
    if not isinstance(item, dict):
        return records.poison(app, f"Kafka record in {key!r} is not an object", item, **meta), None, None
    offset = item.get("offset")
    offset = offset if isinstance(offset, int) and not isinstance(offset, bool) else None
    name = records.text(item.get("topic")) or (key.rsplit("-", 1)[0] if "-" in key else None)
    binding = app.queue_binding(name) if name else None
    meta = {**meta, "id": f"{key}@{offset}" if offset is not None else None}
    try:
        headers = _headers(item.get("headers"))
        data = _value(item.get("value"))
    except Malformed as exc:
        return records.poison(app, str(exc), item, **meta), binding, offset
    partition_key = _text_key(item.get("key"))
    if partition_key is not None:
        headers = headers.merged({"partition-key": partition_key})
    message = app.inbound(
        records.resolve(binding, headers),
        data,
        content_type=headers.get("content-type"),
        unroutable=f"Kafka topic {name!r} has no queue binding; add queue({name!r}, topic) to the startup file",
        headers=headers,
        correlation_id=records.correlation(headers, meta["id"]),
        raw=item,
        **meta,
    )
    return message, binding, offset


def _value(value: Any) -> bytes | None:
    if value is None:
        return None
    decoded = records.b64decode(value) if isinstance(value, str) else None
    if decoded is None:
        raise Malformed("Kafka record 'value' is not base64")
    return decoded


def _text_key(value: Any) -> str | None:
    decoded = records.b64decode(value) if isinstance(value, str) and value else None
    try:
        return decoded.decode("utf-8") if decoded else None
    except UnicodeDecodeError:
        return None


def _headers(value: Any) -> Headers:
    if value is None:
        return Headers()
    if not isinstance(value, list):
        raise Malformed("Kafka record 'headers' is not a list")
    pairs: list[tuple[str, str]] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise Malformed("a Kafka header is not an object")
        for name, raw in entry.items():
            if not isinstance(raw, list) or not all(
                isinstance(b, int) and not isinstance(b, bool) and -128 <= b <= 255 for b in raw
            ):
                raise Malformed(f"Kafka header {name!r} is not a list of bytes")
            pairs.append((name, bytes(b & 0xFF for b in raw).decode("utf-8", "replace")))
    return Headers(pairs)
