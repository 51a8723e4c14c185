"""Properties over many generated batches and mutated real events.

1. Whatever each record's outcome, batchItemFailures names exactly the records Lambda must
   redeliver: on a standard queue the RETRY ones; on an ordered source (FIFO, Kinesis, DynamoDB,
   Kafka) the first RETRY and every record after it, none of which is dispatched.
2. A real event with keys dropped and values replaced anywhere never makes the handler raise
   anything but DeliveryFailed (retry the invocation) or UnsupportedEvent (not ours): every
   single field of every sample is tried systematically, then random combinations.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portside import event, queue, schedule, subscription
from portside_aws.errors import DeliveryFailed, UnsupportedEvent
from tests.aws.records_kit import (
    DLQ_ARN,
    OUTCOMES,
    Event,
    Recorder,
    b64,
    dynamodb_batch,
    failures,
    kafka_batch,
    kinesis_batch,
    load,
    sqs_batch,
)

RETRIED = {"error", "retry", "raise"}  # Status.ERROR / RETRY_LATER, and a crashing handler
POISON = "malformed"  # a record that cannot be read: dead-lettered, never retried
SOURCES = ("sqs", "fifo", "kinesis", "dynamodb", "kafka")


def build(source: str, plan: list[str]) -> tuple[Event, list[Any]]:
    """An event of `source` whose i-th record does plan[i]; and each record's identifier."""
    if source in ("sqs", "fifo"):
        name = "orders-inbox.fifo" if source == "fifo" else "orders-inbox"
        bodies: list[Any] = ["{oops" if a == POISON else {"do": a} for a in plan]
        return sqs_batch(bodies, queue=name), [f"msg-{i}" for i in range(len(plan))]
    if source == "kinesis":
        bodies = ["{oops" if a == POISON else {"do": a} for a in plan]
        return kinesis_batch(bodies), [f"4959{i:04d}" for i in range(len(plan))]
    if source == "dynamodb":
        built = dynamodb_batch(plan)
        for record, action in zip(built["Records"], plan, strict=True):
            if action == POISON:
                record["dynamodb"]["NewImage"] = {"do": {"N": "oops"}}
        return built, [f"14054{i:04d}" for i in range(len(plan))]
    # Kafka: records spread over two partitions, in batch order.
    partitions: dict[str, list[dict[str, Any]]] = {"orders-0": [], "orders-1": []}
    identifiers = []
    for index, action in enumerate(plan):
        key = "orders-0" if index < (len(plan) + 1) // 2 else "orders-1"
        value = b64("{oops") if action == POISON else b64(json.dumps({"do": action}))
        partitions[key].append({"offset": index, "value": value})
        identifiers.append({"partition": key, "offset": index})
    return kafka_batch(partitions), identifiers


def binding_name(source: str) -> str:
    return {
        "fifo": "orders-inbox.fifo",
        "kinesis": "lambda-stream",
        "dynamodb": "Example-Table",
        "kafka": "orders",
    }.get(source, "orders-inbox")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from(SOURCES),
    plan=st.lists(st.sampled_from((*OUTCOMES, POISON)), min_size=1, max_size=12),
    with_dlq=st.booleans(),
)
def test_batch_item_failures_name_exactly_the_records_to_redeliver(
    source: str, plan: list[str], with_dlq: bool
) -> None:
    rec = Recorder([queue(binding_name(source), "t.main", dead_letter=DLQ_ARN if with_dlq else None)])
    native, identifiers = build(source, plan)
    reported = failures(rec(native))

    ordered = source != "sqs"
    retried = [i for i, action in enumerate(plan) if action in RETRIED]
    if ordered and retried:
        expected = list(range(retried[0], len(plan)))
        dispatched = [a for a in plan[: retried[0] + 1] if a != POISON]
    else:
        expected = retried
        dispatched = [a for a in plan if a != POISON]
    assert reported == [identifiers[i] for i in expected]
    assert [m.body.get("do") or m.body["new_image"]["do"] for m in rec.got] == dispatched
    json.dumps(reported)
    # Poison and handler-rejected records that ran are dead-lettered when a target is set.
    parked = [
        i
        for i, a in enumerate(plan)
        if a in (POISON, "invalid", "not_found") and (not ordered or not retried or i < retried[0])
    ]
    assert len(rec.dead_lettered) == (len(parked) if with_dlq else 0)


# --------------------------------------------------------------------------- mutated events
MUTATED_SAMPLES = [
    "aws/powertools/sqsEvent.json",
    "aws/powertools/snsSqsEvent.json",
    "aws/powertools/snsSqsFifoEvent.json",
    "aws/powertools/s3SqsEvent.json",
    "aws/aws-lambda-go/sqs-event.json",
    "aws/powertools/snsEvent.json",
    "aws/powertools/eventBridgeEvent.json",
    "aws/powertools/s3EventBridgeNotificationObjectCreatedEvent.json",
    "aws/powertools/s3Event.json",
    "aws/aws-lambda-go/s3-event.json",
    "aws/powertools/kinesisStreamEventOneRecord.json",
    "aws/aws-lambda-go/kinesis-event.json",
    "aws/aws-lambda-go/dynamodb-event.json",
    "aws/powertools/dynamoStreamEvent.json",
    "aws/powertools/kafkaEventMsk.json",
    "aws/aws-lambda-go/kafka-event.json",
]
DIRECT = {
    "topic": "t.main",
    "body": {"do": "ok", "n": [1, 2]},
    "headers": {"x-correlation-id": "c"},
    "id": "d-1",
}
SQS_WITH_ENVELOPES = sqs_batch(
    [
        load("aws/powertools/eventBridgeEvent.json"),
        {"do": "retry"},
        {"Type": "Notification", "TopicArn": "arn:aws:sns:x:1:t", "Message": "{}", "MessageAttributes": {}},
    ],
    queue="my-queue",
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "{}", "[1]", "arn:aws:sqs:r:1:my-queue", "aws:sqs", "%%", "e30="]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += paths(child, (*prefix, index))
    return found


def mutate(event: Any, path: tuple[Any, ...], drop: bool, value: Any) -> None:
    parent = event
    for step in path[:-1]:
        parent = parent[step]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


def mutation_app() -> Recorder:
    return Recorder(
        [
            queue("my-queue", "t.main", dead_letter=DLQ_ARN),
            queue("Test.fifo", "t.main"),
            queue("powertools265", "t.main"),
            queue("SQS", "t.main"),
            queue("SQSQueue", "t.main"),
            queue("lambda-stream", "t.main"),
            queue("simple-stream", "t.main"),
            queue("Example-Table", "t.main"),
            queue("mytopic", "t.main"),
            queue("AWSKafkaTopic", "t.main"),
            subscription("sns-lambda", "t.main", dead_letter=DLQ_ARN),
            schedule("nightly", "t.main", "rate(1 day)"),
            event("*", "t.main"),
        ]
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    original=st.sampled_from([*(load(n) for n in MUTATED_SAMPLES), DIRECT, SQS_WITH_ENVELOPES]),
    data=st.data(),
)
def test_mutated_events_only_raise_delivery_failed_or_unsupported_event(original: Event, data: Any) -> None:
    native = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        candidates = paths(native)
        if not candidates:
            break
        path = data.draw(st.sampled_from(candidates), label="path")
        mutate(native, path, data.draw(st.booleans(), label="drop"), data.draw(JSON, label="value"))
    attempt(mutation_app(), native)


REPLACEMENTS: list[Any] = [None, 0, -1, True, "", "%%", "e30=", [], {}, [None], {"S": 1}]


def attempt(rec: Recorder, native: Any) -> None:
    try:
        response = rec(native)
    except (DeliveryFailed, UnsupportedEvent):
        return
    json.dumps(response)  # whatever is returned, Lambda can serialise it
    if isinstance(response, dict) and "batchItemFailures" in response:
        assert all(item["itemIdentifier"] not in (None, "") for item in response["batchItemFailures"])


def test_every_field_of_every_sample_dropped_or_replaced() -> None:
    rec = mutation_app()
    tried = 0
    for original in [*(load(n) for n in MUTATED_SAMPLES), DIRECT, SQS_WITH_ENVELOPES]:
        for path in paths(original):
            for drop, value in [(True, None), *((False, v) for v in REPLACEMENTS)]:
                native = copy.deepcopy(original)
                mutate(native, path, drop, value)
                attempt(rec, native)
                tried += 1
    assert tried > 5000  # every path of every sample, 12 ways
