"""What the record shapes share: names from ARNs, attributes as headers, topic resolution,
poison messages, and the two ways of reporting failures back to Lambda.

Two ways because Lambda has two contracts: event-source mappings (SQS, Kinesis, DynamoDB, Kafka)
accept a `batchItemFailures` list naming what to redeliver; pushed events (SNS, EventBridge, S3,
direct invokes) are retried only when the invocation raises.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from portside import App, Delivery, Error, Headers, Message, Result, Settlement
from portside.headers import EMPTY_HEADERS
from portside.message import CORRELATION_HEADER, TOPIC_HEADER

from .errors import DeliveryFailed
from .shapes import Batch, Deadline, lambda_deadline

_RETRY = Delivery.RETRY


class Bound(Protocol):
    """Any inbound binding: what a record resolves its topic (and dead-letter target) from."""

    @property
    def topic(self) -> str: ...


def first_record_source(event: Mapping[str, Any], key: str = "eventSource") -> object:
    """`Records[0][key]`, the field Lambda's record events are told apart by, or None."""
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        return records[0].get(key)
    return None


def records_of(event: Mapping[str, Any]) -> list[Any]:
    records = event.get("Records")
    return records if isinstance(records, list) else []


def arn_resource(arn: Any) -> str | None:
    """The resource part of an ARN (`arn:aws:sqs:region:account:<resource>`).

    Abbreviated ARNs with fewer fields (`arn:aws:sns:EXAMPLE`, seen in AWS's own samples) yield
    their last field; a string without any `:` is not an ARN.
    """
    if not isinstance(arn, str) or ":" not in arn:
        return None
    parts = arn.split(":", 5)
    return (parts[5] if len(parts) == 6 else parts[-1]) or None


def typed_resource(arn: Any, kind: str) -> str | None:
    """`name` from a `<kind>/<name>/...` resource: a Kinesis stream or a DynamoDB table."""
    resource = arn_resource(arn)
    if resource is None:
        return None
    parts = resource.split("/")
    return (parts[1] or None) if len(parts) >= 2 and parts[0] == kind else None


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def field_text(record: Any, key: str) -> str:
    """`record[key]` when the record is an object and the value a non-empty string, else ""."""
    value = record.get(key) if isinstance(record, dict) else None
    return value if isinstance(value, str) else ""


def b64decode(value: str) -> bytes | None:
    """Strict base64 (with padding): None when `value` is not base64 at all."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def positive_int(value: Any, default: int = 1) -> int:
    """A count such as `ApproximateReceiveCount` (sent as a string), or `default`."""
    if isinstance(value, bool):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number >= 1 else default


class Malformed(ValueError):
    """A native record that does not have its documented shape; it becomes a poison Message."""


def attribute_headers(attributes: Any, value_keys: Sequence[str]) -> Headers:
    """SQS (`stringValue`/`binaryValue`) or SNS (`Value`) message attributes as headers.

    Binary values stay base64 text: headers are text, and the raw record keeps the original.
    Attributes with no text value (list types AWS does not deliver) are skipped.
    """
    if not attributes:
        if attributes is None or attributes == {}:
            return EMPTY_HEADERS
        raise Malformed("message attributes are not an object")
    if not isinstance(attributes, dict):
        raise Malformed("message attributes are not an object")
    headers: dict[str, str] = {}
    for name, attribute in attributes.items():
        if not isinstance(attribute, dict):
            raise Malformed(f"message attribute {name!r} is not an object")
        for key in value_keys:
            value = attribute.get(key)
            if isinstance(value, str):
                headers[name] = value
                break
    return Headers(headers)


def resolve(binding: Bound | None, headers: Headers) -> str | None:
    """The topic of a bound record: its `portside-topic` attribute, else the binding's topic.

    The attribute only picks among the topics of a source that is bound; an unbound source stays
    unroutable, so a binding is what opts a queue or topic into this function.
    """
    if binding is None:
        return None
    return (headers.get(TOPIC_HEADER) if headers is not EMPTY_HEADERS else None) or binding.topic


def correlation(headers: Headers, *fallbacks: Any) -> str | None:
    """`x-correlation-id` when the sender set it, else the first native id available."""
    if headers is not EMPTY_HEADERS:
        sent = headers.get(CORRELATION_HEADER)
        if sent:
            return sent
    for candidate in fallbacks:  # runs once per record: no tuple is built
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def poison(app: App, reason: str, raw: Any, **meta: Any) -> Message:
    """A Message for a record that cannot be read: it carries an `invalid` Result and the raw
    record as its body, so the outcome table dead-letters it with nothing lost."""
    body = raw if isinstance(raw, (dict, list, str, int, float, bool)) or raw is None else repr(raw)
    return app.inbound(
        None, body=body, raw=raw, failure=Result.invalid(Error("malformed_record", reason)), **meta
    )


def dead_letter_of(bindings: Sequence[Bound | None]) -> str | None:
    """The batch's dead-letter target. Lambda delivers one source per batch, so all records share
    their binding; should they not, the first configured target wins."""
    for binding in bindings:
        target = getattr(binding, "dead_letter", None)
        if isinstance(target, str) and target:
            return target
    return None


def stream_batch(
    app: App,
    event: Mapping[str, Any],
    context: Any,
    read: Callable[[App, Any, Deadline], tuple[Message, Bound | None]],
    section: str,
    id_key: str,
) -> Batch:
    """The ordered batch of a stream source (Kinesis, DynamoDB Streams): one Message per record,
    each reported by `record[section][id_key]` (its sequence number)."""
    deadline = lambda_deadline(context)
    batch = Batch([], ordered=True)
    bindings: list[Bound | None] = []
    for record in records_of(event):
        message, binding = read(app, record, deadline)
        batch.messages.append(message)
        inner = record.get(section) if isinstance(record, dict) else None
        batch.record_ids.append(field_text(inner, id_key))
        bindings.append(binding)
    batch.dead_letter = dead_letter_of(bindings)
    return batch


def batch_item_failures(settlements: Sequence[Settlement], identifiers: Sequence[Any]) -> dict[str, Any]:
    """`{"batchItemFailures": [...]}` naming exactly the records to redeliver (RETRY).

    Dead-lettered and acknowledged records are not named: Lambda deletes or checkpoints them.
    A RETRY record whose identifier is unknown (a malformed record) cannot be named, and naming
    nothing would lose it, so the whole batch fails instead.
    """
    if len(settlements) != len(identifiers):
        raise DeliveryFailed(
            f"internal mismatch: {len(settlements)} settlements for {len(identifiers)} records; "
            "failing the whole batch so Lambda redelivers it"
        )
    failures: list[dict[str, Any]] = []
    for settlement, identifier in zip(settlements, identifiers, strict=True):
        if settlement.delivery is not _RETRY:
            continue
        if identifier in (None, ""):
            raise DeliveryFailed(
                "a record to be retried has no identifier Lambda can redeliver it by; failing the "
                f"whole batch instead ({_describe(settlement)})"
            )
        failures.append({"itemIdentifier": identifier})
    return {"batchItemFailures": failures}


def raise_on_retry(settlements: Sequence[Settlement], batch: Batch, source: str) -> None:
    """Pushed events have no partial report: raise so Lambda retries the invocation."""
    retried = [i for i, s in enumerate(settlements) if s.retry]
    if not retried:
        return
    first = settlements[retried[0]]
    ids = [batch.messages[i].id for i in retried if i < len(batch.messages)]
    raise DeliveryFailed(
        f"{len(retried)} of {len(settlements)} {source} message(s) failed transiently and will be "
        f"retried by Lambda (ids: {', '.join(ids[:10])}); first failure: {_describe(first)}"
    )


def _describe(settlement: Settlement) -> str:
    result = settlement.result
    detail = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
    return f"{result.status.value}" + (f" ({detail})" if detail else "")
