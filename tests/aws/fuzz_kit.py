"""The nothing-lost property of the aws adapter (issue 7), checked on any event, mutated or not.

`Fuzz.check(event)` runs one Lambda event through the real entry point of an App whose
dead-letter targets all go to a recording publisher (which can also be down, or refuse the
message as too large), captures the kit's Batch, and asserts:

- nothing escapes the entry point but portside's own named errors (PortsideError subclasses),
  and an event a message shape accepts is always read into a batch (a reader never crashes);
- every record ends in exactly one of the four states;
- a record is acknowledged only when its handler succeeded (or its binding chose DROP), and a
  record whose handler succeeded is acknowledged, so never reported;
- an unprocessable record is dead-lettered or handed back (retried when dead-lettering failed),
  never acknowledged unless the binding says DROP; every dead-lettered record was published;
- the native answer names exactly the records to redeliver (batchItemFailures, ids taken from the
  event itself, so a subset of the batch's ids), or raises DeliveryFailed when a source has no
  report (SNS, EventBridge, S3, direct) or a record to redeliver has no id.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from portside import (
    DROP,
    HAND_BACK,
    MESSAGE_TOPIC,
    OUTCOMES,
    Delivery,
    Message,
    PortsideError,
    PublishError,
    State,
    event,
    queue,
    schedule,
    subscription,
)
from portside.bindings import Binding
from portside.kit import ERROR_HEADER, Batch, TooLarge
from portside_aws import entry
from portside_aws.errors import DeliveryFailed, UnsupportedEvent
from tests.aws.records_kit import DLQ_ARN, Event, Recorder, stream

FIFO_DLQ = "https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq.fifo"
LOGICAL_DLQ = "orders-dlq"  # a logical name: the function's own SQS queue of that name
TARGETS = frozenset({DLQ_ARN, FIFO_DLQ, LOGICAL_DLQ})
REPORTING = frozenset({"sqs", "kinesis", "dynamodb", "kafka"})  # answer with batchItemFailures
MODES = ("ok", "down", "too_large")
CONTEXT = SimpleNamespace(
    aws_request_id="fuzz-request",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:fuzz",
    get_remaining_time_in_millis=lambda: 30_000,
)


class DeadLetters:
    """The recording publisher every dead-letter target goes to; `mode` makes it fail."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.sent: list[tuple[Message, str | None]] = []

    def publish(self, message: Message, target: str | None) -> None:
        if self.mode == "down":
            raise PublishError("dead-letter queue unreachable")
        if self.mode == "too_large":
            raise TooLarge("larger than the dead-letter target accepts")
        self.sent.append((message, target))


def bindings(choice: str | None) -> list[Binding]:
    """Bindings for the built-in events and every sample fuzzed. `choice` None: a mix of targets,
    HAND_BACK and no target (handed back); DROP: every binding drops poison."""

    def pick(target: str | None) -> str | None:
        return DROP if choice == DROP else target

    def decided(target: str) -> str:  # streams must say what becomes of poison
        return DROP if choice == DROP else target

    return [
        # built-in SQS events
        queue("builtin-queue", "t.main", dead_letter=pick(DLQ_ARN)),
        queue("builtin-plain", "t.main", dead_letter=pick(None)),
        queue("builtin-orders.fifo", "t.main", dead_letter=pick(FIFO_DLQ)),
        queue("builtin-topics", MESSAGE_TOPIC, dead_letter=pick(LOGICAL_DLQ)),
        subscription("builtin-events", "t.main", dead_letter=pick(HAND_BACK)),
        # queues, streams, topics and rules of the real samples
        queue("my-queue", "t.main", dead_letter=pick(DLQ_ARN)),
        queue("Test.fifo", "t.main", dead_letter=pick(None)),
        queue("powertools265", "t.main", dead_letter=pick(HAND_BACK)),
        queue("SQS", "t.main", dead_letter=pick(LOGICAL_DLQ)),
        queue("SQSQueue", "t.main", dead_letter=pick(None)),
        stream("lambda-stream", "kinesis", dead_letter=decided(DLQ_ARN)),
        stream("simple-stream", "kinesis", dead_letter=decided(HAND_BACK)),
        stream("Example-Table", "dynamodb", dead_letter=decided(DLQ_ARN)),
        stream("mytopic", "kafka", dead_letter=decided(HAND_BACK)),
        stream("AWSKafkaTopic", "kafka", dead_letter=decided(LOGICAL_DLQ)),
        subscription("sns-lambda", "t.main", dead_letter=pick(DLQ_ARN)),
        schedule("nightly", "t.main", "rate(1 day)"),
        event("*", "t.main", dead_letter=pick(None)),
    ]


class Fuzz:
    """One App (strict: targets and handing back; or DROP everywhere) and its checker."""

    def __init__(self, choice: str | None = None) -> None:
        self.drop = choice == DROP
        self.rec = Recorder(bindings(choice), dead_letter=DROP if self.drop else None)
        self.dead = DeadLetters()
        self.rec.app.publisher = self.dead
        self.shapes = entry.entry_point(self.rec.app)

    def check(self, native: Any, mode: str = "ok") -> None:
        """Run `native` through the entry point and assert the property (see the module)."""
        rec, dead = self.rec, self.dead
        rec.got.clear()
        rec.succeeded.clear()
        dead.sent.clear()
        dead.mode = mode
        with captured_batches() as batches:
            try:
                answer, raised = rec.app.entry_point(native, CONTEXT), None
            except Exception as exc:
                answer, raised = None, exc
        if raised is not None:
            assert isinstance(raised, PortsideError), (
                f"{type(raised).__name__} escaped the entry point: {raised}"
            )
        if isinstance(raised, UnsupportedEvent):
            assert batches == [] and rec.got == [] and dead.sent == []
            return
        shape = self.shape_of(native)
        if shape in ("apigw_v2", "apigw_rest", "alb"):
            assert raised is None and isinstance(answer["statusCode"], int)
            return
        assert len(batches) == 1, f"the {shape} reader failed on this event: {raised}"
        [batch] = batches
        self.check_states(batch, native, mode)
        self.check_answer(batch, shape, native, answer, raised)
        json.dumps(answer)  # whatever Lambda gets back, it can serialise

    def shape_of(self, native: Any) -> str:
        return str(self.shapes.detect(native).__name__).rsplit(".", 1)[-1]

    def check_states(self, batch: Batch, native: Any, mode: str) -> None:
        settlements = batch.settlements
        assert len(settlements) == len(batch) == record_count(native)
        handled = {id(m) for m in self.rec.got}
        succeeded = {id(m) for m in self.rec.succeeded}
        for settlement in settlements:
            state, message = settlement.state, settlement.message
            assert isinstance(state, State)
            unprocessable = OUTCOMES[settlement.result.status].delivery is Delivery.DEAD_LETTER
            if id(message) in succeeded:
                assert state is State.ACKNOWLEDGED
            if state is State.ACKNOWLEDGED:
                assert id(message) in succeeded or (self.drop and unprocessable), settlement
            if not unprocessable:
                continue
            if self.drop:
                assert state is State.ACKNOWLEDGED
            elif mode == "ok":
                assert state in (State.DEAD_LETTERED, State.HANDED_BACK), settlement
            elif mode == "down":  # dead-lettering failed: redelivered, so it is tried again
                assert state in (State.RETRIED, State.HANDED_BACK), settlement
            else:  # too large for its target: back to the platform
                assert state is State.HANDED_BACK, settlement
            if id(message) not in handled:  # never reached a handler: poison or unroutable
                assert state is not State.ACKNOWLEDGED or self.drop
        parked = [s for s in settlements if s.state is State.DEAD_LETTERED]
        assert len(parked) == len(self.dead.sent)
        for settlement, (message, target) in zip(parked, self.dead.sent, strict=True):
            assert settlement.message is not None and message.id == settlement.message.id
            assert target in TARGETS and message.headers[ERROR_HEADER]

    def check_answer(
        self, batch: Batch, shape: str, native: Any, answer: Any, raised: Exception | None
    ) -> None:
        record_ids = batch.record_ids
        again = [rid for s, rid in zip(batch.settlements, record_ids, strict=True) if s.redeliver]
        if shape not in REPORTING:
            assert isinstance(raised, DeliveryFailed) if again else raised is None
            return
        if raised is not None:  # only when a record to redeliver cannot be named
            assert isinstance(raised, DeliveryFailed) and any(rid in (None, "") for rid in again), raised
            return
        assert isinstance(answer, dict) and set(answer) == {"batchItemFailures"}, answer
        reported = [item["itemIdentifier"] for item in answer["batchItemFailures"]]
        assert reported == again  # exactly the records to redeliver, in order
        ids = native_ids(shape, native)
        assert all(rid in ids for rid in reported), (reported, ids)  # a subset of the batch's ids
        for settlement, rid in zip(batch.settlements, record_ids, strict=True):
            if not settlement.redeliver:  # acknowledged or parked: never named, unless shared
                assert rid not in reported or record_ids.count(rid) > 1


@contextmanager
def captured_batches() -> Iterator[list[Batch]]:
    """Every kit Batch settled meanwhile (the entry point builds and settles its own)."""
    found: list[Batch] = []
    original = Batch.settle

    def settle(self: Batch) -> Any:
        found.append(self)
        return original(self)

    Batch.settle = settle  # type: ignore[method-assign]
    try:
        yield found
    finally:
        Batch.settle = original  # type: ignore[method-assign]


def record_count(native: dict[str, Any]) -> int:
    """How many records the event holds, read from the event itself."""
    records = native.get("Records")
    if isinstance(records, list):
        return len(records)
    if "records" in native:
        partitions = native["records"]
        if not isinstance(partitions, dict):
            return 1
        return sum(len(items) if isinstance(items, list) else 1 for items in partitions.values())
    return 1  # EventBridge, direct invocation: one event


def native_ids(shape: str, native: dict[str, Any]) -> list[Any]:
    """The ids Lambda knows the event's records by, read from the event itself."""
    if shape == "kafka":
        partitions = native.get("records")
        return [
            {"partition": key, "offset": item["offset"]}
            for key, items in (partitions.items() if isinstance(partitions, dict) else [])
            if isinstance(items, list)
            for item in items
            if isinstance(item, dict) and type(item.get("offset")) is int
        ]
    inner, key = {
        "sqs": (None, "messageId"),
        "kinesis": ("kinesis", "sequenceNumber"),
        "dynamodb": ("dynamodb", "SequenceNumber"),
    }[shape]
    found = []
    for record in native.get("Records") or []:
        holder = record.get(inner) if inner and isinstance(record, dict) else record
        value = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(value, str) and value:
            found.append(value)
    return found


# --------------------------------------------------------------------------- built-in events
def sqs_record(queue_name: str, index: int, body: str, **extra: Any) -> dict[str, Any]:
    """An SQS record as Lambda delivers it (the fields AWS documents), no sample needed."""
    fifo = queue_name.endswith(".fifo")
    attributes = {
        "ApproximateReceiveCount": str(1 + index % 3),
        "SentTimestamp": "1700000000000",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1700000000100",
        "AWSTraceHeader": f"Root=1-65a0b0c0-{index:024d};Sampled=1",
    }
    if fifo:
        attributes |= {
            "MessageGroupId": "group-" + "ab"[index % 2],
            "MessageDeduplicationId": f"dedup-{index}",
            "SequenceNumber": f"1862775356000000{index:04d}",
        }
    return {
        "messageId": f"{queue_name}-{index}",
        "receiptHandle": f"AQEB{index}ReceiptHandle",
        "body": body,
        "attributes": attributes,
        "messageAttributes": extra.pop("messageAttributes", {}),
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue_name}",
        "awsRegion": "us-east-1",
        **extra,
    }


def string_attribute(value: str) -> dict[str, Any]:
    return {"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"}


def builtin_sqs_events() -> list[Event]:
    """SQS events built here (they need no ../shared): standard and FIFO queues, attributes,
    text and binary-looking bodies, SNS, S3 and EventBridge envelopes, per-message topics."""
    sns_envelope = json.dumps(
        {
            "Type": "Notification",
            "MessageId": "sns-1",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:builtin-events",
            "Message": json.dumps({"do": "ok"}),
            "Timestamp": "2024-01-01T00:00:00.000Z",
            "MessageAttributes": {"x-correlation-id": {"Type": "String", "Value": "from-sns"}},
        }
    )
    s3_envelope = json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "eventName": "ObjectCreated:Put",
                    "eventTime": "2024-01-01T00:00:00.000Z",
                    "responseElements": {"x-amz-request-id": "req-1"},
                    "s3": {
                        "bucket": {"name": "uploads"},
                        "object": {"key": "a+b%2Fc.txt", "size": 3, "eTag": "e"},
                    },
                }
            ]
        }
    )
    eventbridge = json.dumps(
        {
            "version": "0",
            "id": "eb-1",
            "detail-type": "Order Placed",
            "source": "shop",
            "account": "123456789012",
            "time": "2024-01-01T00:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": {"do": "invalid"},
        }
    )
    standard = [
        sqs_record("builtin-queue", 0, json.dumps({"do": "ok"})),
        sqs_record(
            "builtin-queue",
            1,
            json.dumps({"do": "retry"}),
            messageAttributes={"x-correlation-id": string_attribute("corr-1")},
        ),
        sqs_record("builtin-queue", 2, "plain text, no content type"),
        sqs_record(
            "builtin-queue", 3, "plain text", messageAttributes={"content-type": string_attribute("text/plain")}
        ),
        sqs_record("builtin-queue", 4, json.dumps({"do": "invalid"})),
    ]
    plain = [
        sqs_record("builtin-plain", i, body)
        for i, body in enumerate(
            [json.dumps({"do": "ok"}), "{broken", json.dumps({"do": "not_found"}), "\u00ff\u0000"]
        )
    ]
    fifo = [
        sqs_record("builtin-orders.fifo", i, body)
        for i, body in enumerate(
            [
                json.dumps({"do": "ok"}),
                "{broken",
                json.dumps({"do": "ok"}),
                json.dumps({"do": "error"}),
                json.dumps({"do": "ok"}),
            ]
        )
    ]
    topics = [
        sqs_record(
            "builtin-topics",
            0,
            json.dumps({"do": "ok"}),
            messageAttributes={"portside-topic": string_attribute("t.main")},
        ),
        sqs_record("builtin-topics", 1, json.dumps({"do": "ok"})),
        sqs_record(
            "builtin-topics",
            2,
            json.dumps({"do": "ok"}),
            messageAttributes={"portside-topic": string_attribute("t.nobody")},
        ),
    ]
    envelopes = [
        sqs_record("builtin-plain", 10, sns_envelope),
        sqs_record("builtin-queue", 11, s3_envelope),
        sqs_record("builtin-unbound", 12, eventbridge),
    ]
    mixed = [*standard[:2], plain[1], fifo[0], topics[1]]
    return [{"Records": records} for records in (standard, plain, fifo, topics, envelopes, mixed)]


def copied(event: Event) -> Event:
    duplicate: Event = copy.deepcopy(event)
    return duplicate
