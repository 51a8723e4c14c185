"""Kafka batches from Amazon MSK (`eventSource` "aws:kafka") and self-managed clusters
(`aws:SelfManagedKafka`, or `SelfManagedKafka` as some tools write it).

Binding: `queue(name, topic, dead_letter=...)` where `name` is the Kafka topic. `records` maps
"<topic>-<partition>" to that partition's records; each `value` is base64 (JSON inside unless a
`content-type` header says otherwise; a null value, a tombstone, is a None body). Headers
arrive as `[{name: [byte, ...]}]`, bytes possibly signed as Java writes them; they are decoded
as UTF-8 (undecodable bytes replaced; the raw record keeps the original). A `portside-topic`
header picks the handler only on a MESSAGE_TOPIC binding; `x-correlation-id` is the correlation
id; the record key, when it is text, is the `partition-key` header.

Partial failures: `{"batchItemFailures": [{"itemIdentifier": {"partition": "<topic>-<n>",
"offset": <offset>}}]}`, the composite identifier Lambda's Kafka event source mapping expects
(the `records` key plus the record's offset; it resumes each named partition from the lowest
offset named). Ordering is kept per partition: once a record of a partition must be redelivered,
the later records of that partition are not dispatched and are named too. As for the other
streams, the binding declares its source and what to do with poison:
`queue("payments", "payments.record", dead_letter="payments-dlq", aws={"source": "kafka"})`.
"""

from __future__ import annotations

from typing import Any

from portside import App, Headers, Message
from portside.kit import Batch, Inbound, Malformed, b64decode, correlation, poison, resolve_topic, text

from . import detect, records

KIND = "messages"
TRANSPORT = "aws:kafka"


matches = detect.kafka


def to_batch(app: App, event: dict[str, Any], context: Any, options: Any = None) -> Batch:
    meta: dict[str, Any] = {"transport": TRANSPORT, "deadline": records.lambda_deadline(context)}
    batch = Batch(app, ordered=True)
    partitions = event.get("records")
    if not isinstance(partitions, dict):  # one poison message, so nothing goes unseen
        partitions = {None: partitions}
    for key, items in partitions.items():
        if key is None or not isinstance(items, list):
            reason = "Kafka 'records' is not an object" if key is None else f"records[{key!r}] is not a list"
            batch.add(poison(app, reason, items, **meta), None, binding=_binding(app, key), group=key)
            continue
        for item in items:
            message, binding, offset = _read(app, key, item, meta)
            identifier = None if offset is None else {"partition": key, "offset": offset}
            batch.add(message, identifier, binding=binding, group=key)
    return batch


def to_answer(batch: Batch) -> dict[str, Any]:
    return records.item_failures(batch)


def _read(app: App, key: str, item: Any, meta: dict[str, Any]) -> tuple[Message, Any, int | None]:
    if not isinstance(item, dict):
        return poison(app, f"Kafka record in {key!r} is not an object", item, **meta), _binding(app, key), None
    offset = item.get("offset")
    offset = offset if isinstance(offset, int) and not isinstance(offset, bool) else None
    name = text(item.get("topic")) or _topic_of(key)
    binding = records.bound_queue(app, name, "kafka")
    meta = {**meta, "id": f"{key}@{offset}" if offset is not None else None}
    try:
        headers = _headers(item.get("headers"))
        data = _value(item.get("value"))
    except Malformed as exc:
        return poison(app, str(exc), item, **meta), binding, offset
    partition_key = _text_key(item.get("key"))
    if partition_key is not None:
        headers = headers.merged({"partition-key": partition_key})
    message = app.receive(Inbound(
        resolve_topic(binding, headers),
        data,
        content_type=headers.get("content-type"),
        unroutable=f"Kafka topic {name!r} has no queue binding declared as a Kafka source; add "
        f"queue({name!r}, topic, "
        "aws={'source': 'kafka'}, dead_letter=...) to the startup file",
        headers=headers,
        correlation_id=correlation(headers, meta["id"]),
        raw=item,
        **meta,
    ))
    return message, binding, offset


def _topic_of(key: Any) -> str | None:
    """The Kafka topic of a "<topic>-<partition>" key of `records`."""
    return (key.rsplit("-", 1)[0] or None) if isinstance(key, str) and "-" in key else None


def _binding(app: App, key: Any) -> Any:
    """The binding of a partition's records, so even unreadable ones get its dead-letter choice."""
    name = _topic_of(key)
    return records.bound_queue(app, name, "kafka")


def _value(value: Any) -> bytes | None:
    if value is None:
        return None
    decoded = b64decode(value) if isinstance(value, str) else None
    if decoded is None:
        raise Malformed("Kafka record 'value' is not base64")
    return decoded


def _text_key(value: Any) -> str | None:
    decoded = b64decode(value) if isinstance(value, str) and value else None
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
