"""DynamoDB Streams batches (`Records[].eventSource == "aws:dynamodb"`).

Binding: `queue(name, topic, dead_letter=...)` where `name` is the table name, read from the
stream ARN `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`.

Body: `{eventName, keys, new_image, old_image, sequence_number}` with the typed attribute values
unmarshalled into plain JSON (boto3 is not imported: it is not needed to receive): S -> str,
N -> int when integral else float, BOOL, NULL -> None, M -> object, L -> list, SS/NS -> lists.
B and BS stay base64 text, since a body is JSON (a pydantic `Base64Bytes` field decodes them).
A value that is not valid DynamoDB JSON makes the record poison.

A shard is ordered, so the batch is too: after the first record to redeliver nothing more is
dispatched, and `{"batchItemFailures": [{"itemIdentifier": SequenceNumber}, ...]}` names it and
every later record. Needs `ReportBatchItemFailures` on the event source mapping. As for Kinesis,
the binding declares its source and what to do with poison:
`queue("orders", "orders.changed", dead_letter="orders-dlq", aws={"source": "dynamodb"})`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from portside import App, Message
from portside.kit import Batch, Inbound, Malformed, b64decode, poison, text

from . import detect, records

KIND = "messages"
TRANSPORT = "aws:dynamodb"
_MAX_DEPTH = 64  # DynamoDB itself allows 32 levels of nesting
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


matches = detect.dynamodb


def to_batch(app: App, event: dict[str, Any], context: Any, options: Any = None) -> Batch:
    return records.stream_batch(app, event, context, _read, "dynamodb", "SequenceNumber")


to_answer = records.item_failures


def _read(app: App, record: Any, deadline: Any) -> tuple[Message, Any]:
    meta: dict[str, Any] = {"transport": TRANSPORT, "deadline": deadline}
    if not isinstance(record, dict):
        return poison(app, "DynamoDB record has no 'dynamodb' object", record, **meta), None
    meta["id"] = text(record.get("eventID"))
    table = records.typed_resource(record.get("eventSourceARN"), "table")
    binding = records.bound_queue(app, table, "dynamodb")
    stream = record.get("dynamodb")
    if not isinstance(stream, dict):  # still its table's: the binding's dead-letter choice applies
        return poison(app, "DynamoDB record has no 'dynamodb' object", record, **meta), binding
    try:
        body = {
            "eventName": record.get("eventName"),
            "keys": _image(stream, "Keys"),
            "new_image": _image(stream, "NewImage"),
            "old_image": _image(stream, "OldImage"),
            "sequence_number": stream.get("SequenceNumber"),
        }
    except Malformed as exc:
        return poison(app, str(exc), record, **meta), binding
    unroutable = (
        f"DynamoDB table {table!r} has no queue binding declared as a DynamoDB source; add "
        f"queue({table!r}, topic, "
        "aws={'source': 'dynamodb'}, dead_letter=...) to the startup file"
        if table
        else f"eventSourceARN {record.get('eventSourceARN')!r} is not a DynamoDB stream ARN "
        "(arn:aws:dynamodb:...:table/<name>/stream/...)"
    )
    message = app.receive(Inbound(
        binding.topic if binding else None, body=body, unroutable=unroutable, raw=record, **meta
    ))
    return message, binding


def _image(stream: dict[str, Any], key: str) -> dict[str, Any] | None:
    image = stream.get(key)
    if image is None:
        return None
    if not isinstance(image, dict):
        raise Malformed(f"dynamodb.{key} is not an object")
    return {name: unmarshal(value, f"{key}.{name}") for name, value in image.items()}


def unmarshal(value: Any, path: str = "value", depth: int = 0) -> Any:
    """One DynamoDB typed value (`{"N": "1"}`) -> its plain JSON value; Malformed if invalid."""
    if depth > _MAX_DEPTH:
        raise Malformed(f"{path}: nested deeper than {_MAX_DEPTH} levels")
    if not isinstance(value, dict) or len(value) != 1:
        raise Malformed(f'{path}: not a DynamoDB typed value such as {{"S": "text"}}')
    ((kind, inner),) = value.items()
    if kind in ("M", "L"):
        if kind == "M" and isinstance(inner, dict):
            return {k: unmarshal(v, f"{path}.{k}", depth + 1) for k, v in inner.items()}
        if kind == "L" and isinstance(inner, list):
            return [unmarshal(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(inner)]
        raise Malformed(f"{path}: {kind} holds {type(inner).__name__}")
    if kind in ("SS", "NS", "BS"):
        if not isinstance(inner, list):
            raise Malformed(f"{path}: {kind} is not a list")
        return [_scalar(kind[0], item, f"{path}[{i}]") for i, item in enumerate(inner)]
    return _scalar(kind, inner, path)


def _scalar(kind: str, inner: Any, path: str) -> Any:
    if kind == "S" and isinstance(inner, str):
        return inner
    if kind == "N" and isinstance(inner, str):
        return _number(inner, path)
    if kind == "B" and isinstance(inner, str):
        if b64decode(inner) is None:
            raise Malformed(f"{path}: binary value is not base64")
        return inner
    if kind == "BOOL" and isinstance(inner, bool):
        return inner
    if kind == "NULL" and inner is True:
        return None
    raise Malformed(f"{path}: {inner!r} is not a valid DynamoDB {kind!r} value")


def _number(digits: str, path: str) -> int | float:
    try:
        if _INTEGER.fullmatch(digits):
            return int(digits)
        if _DECIMAL.fullmatch(digits) and math.isfinite(number := float(digits)):
            return number
    except ValueError:  # more digits than int() converts; DynamoDB allows 38
        pass
    raise Malformed(f"{path}: {digits[:50]!r} is not a DynamoDB number")
