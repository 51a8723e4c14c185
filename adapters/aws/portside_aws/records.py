"""What AWS's record shapes share: names from ARNs, attributes as headers, the Lambda context.

Two answers because Lambda has two contracts: event-source mappings (SQS, Kinesis, DynamoDB,
Kafka) accept a `batchItemFailures` list naming what to redeliver (`item_failures`); pushed
events (SNS, EventBridge, S3, direct invokes) are retried only when the invocation raises
(`Batch.raise_for_redelivery`). Which messages to name is the kit's decision, never ours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from portside import Headers, Message
from portside.kit import Malformed, lazy_deadline

if TYPE_CHECKING:  # the batch machinery loads with the first batch, not with an HTTP cold start
    from portside.kit import Batch

EMPTY = Headers()


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


def field_text(record: Any, key: str) -> str:
    """`record[key]` when the record is an object and the value a string, else ""."""
    value = record.get(key) if isinstance(record, dict) else None
    return value if isinstance(value, str) else ""


def attribute_headers(attributes: Any, value_keys: Sequence[str]) -> Headers:
    """SQS (`stringValue`/`binaryValue`) or SNS (`Value`) message attributes as headers.

    Binary values stay base64 text: headers are text, and the raw record keeps the original.
    Attributes with no text value (list types AWS does not deliver) are skipped.
    """
    if not attributes:
        if attributes is None or attributes == {}:
            return EMPTY
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


def bound_queue(app: Any, name: str | None, source: str) -> Any:
    """The queue binding named `name` when it is declared as this source (`aws={"source": ...}`,
    SQS by default), else None: a stream bound as an SQS queue would skip the startup check that
    makes it say what to do with poison, so its records stay unroutable until it is declared."""
    binding = app.bindings.queue(name) if name else None
    if binding is not None and binding.options_for("aws").get("source", "sqs") != source:
        return None
    return binding


def lambda_request_id(context: Any) -> str | None:
    return getattr(context, "aws_request_id", None)


def lambda_deadline(context: Any) -> Any:
    """`Message.deadline` from the Lambda context's remaining time, worked out on first use."""
    return lazy_deadline(getattr(context, "get_remaining_time_in_millis", None))


def stream_batch(
    app: Any,
    event: Mapping[str, Any],
    context: Any,
    read: Callable[[Any, Any, Any], tuple[Message, Any]],
    section: str,
    id_key: str,
) -> Batch:
    """The ordered batch of a stream shard (Kinesis, DynamoDB Streams): one Message per record
    (`read(app, record, deadline)`), each reported by `record[section][id_key]`."""
    deadline = lambda_deadline(context)
    from portside.kit import Batch

    batch = Batch(app, ordered=True)
    for record in records_of(event):
        message, binding = read(app, record, deadline)
        inner = record.get(section) if isinstance(record, dict) else None
        batch.add(message, field_text(inner, id_key), binding=binding)
    return batch


def item_failures(batch: Batch) -> dict[str, Any]:
    """`{"batchItemFailures": [...]}` naming exactly the records to redeliver (needs
    `ReportBatchItemFailures` on the event source mapping)."""
    return {"batchItemFailures": [{"itemIdentifier": i} for i in batch.redelivery_ids()]}
