"""Generated batches on every reporting source: batchItemFailures names exactly the records
Lambda must redeliver, whatever each record does and whatever the binding's poison choice.

Each record is acknowledged (its handler succeeded, or DROP), retried (a transient failure),
dead-lettered (poison with a target) or handed back (poison without one); the report names the
retried and handed-back ones. Ordered sources (FIFO message groups, a Kinesis or DynamoDB shard,
a Kafka partition) stop a group at its first record to redeliver: the later ones of that group
are not dispatched and are named too; other groups go on.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portside import DROP, HAND_BACK, State, queue
from portside.bindings import Binding
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
    sqs_batch,
    stream,
)

RETRIED = {"error", "retry", "raise"}  # Status.ERROR / RETRY_LATER, and a crashing handler
REJECTED = {"invalid", "not_found"}  # the handler says retrying cannot help: poison
POISON = "malformed"  # a record that cannot be read: poison that never reaches a handler
SOURCES = ("sqs", "fifo", "kinesis", "dynamodb", "kafka")
STREAMS = {"kinesis": "lambda-stream", "dynamodb": "Example-Table", "kafka": "orders"}


def binding(source: str, choice: str | None) -> Binding:
    if source in STREAMS:
        assert choice is not None  # a stream binding must say what becomes of poison
        return stream(STREAMS[source], source, choice)
    return queue("orders-inbox.fifo" if source == "fifo" else "orders-inbox", "t.main", dead_letter=choice)


def build(source: str, plan: list[tuple[str, int]]) -> tuple[Event, list[Any], list[int]]:
    """An event of `source` whose i-th planned record does plan[i][0] in group plan[i][1];
    each planned record's identifier; and the plan indices in the event's record order."""
    order = list(range(len(plan)))
    if source in ("sqs", "fifo"):
        bodies: list[Any] = ["{oops" if a == POISON else {"do": a} for a, _ in plan]
        event = sqs_batch(bodies, queue="orders-inbox.fifo" if source == "fifo" else "orders-inbox")
        for record, (_, group) in zip(event["Records"], plan, strict=True):
            record["attributes"]["MessageGroupId"] = f"g{group}"
        return event, [f"msg-{i}" for i in order], order
    if source == "kinesis":
        bodies = ["{oops" if a == POISON else {"do": a} for a, _ in plan]
        return kinesis_batch(bodies), [f"4959{i:04d}" for i in order], order
    if source == "dynamodb":
        event = dynamodb_batch([a for a, _ in plan])
        for record, (action, _) in zip(event["Records"], plan, strict=True):
            if action == POISON:
                record["dynamodb"]["NewImage"] = {"do": {"N": "oops"}}
        return event, [f"14054{i:04d}" for i in order], order
    partitions: dict[str, list[dict[str, Any]]] = {}  # Kafka: the group is the partition
    for index, (action, group) in enumerate(plan):
        value = b64("{oops") if action == POISON else b64(json.dumps({"do": action}))
        partitions.setdefault(f"orders-{group}", []).append({"offset": index, "value": value})
    order = [item["offset"] for items in partitions.values() for item in items]
    return (
        kafka_batch(partitions),
        [{"partition": f"orders-{g}", "offset": i} for i, (_, g) in enumerate(plan)],
        order,
    )


def expected_states(
    source: str, plan: list[tuple[str, int]], order: list[int], choice: str | None
) -> dict[int, State]:
    """What each record must end as: the one decision, worked out independently here."""
    ordered = source != "sqs"
    blocked: set[int] = set()
    states: dict[int, State] = {}
    for index in order:
        action, group = plan[index]
        group = 0 if source in ("kinesis", "dynamodb") else group  # a shard is one group
        if ordered and group in blocked:
            state = State.RETRIED  # order preserved: not dispatched
        elif action in RETRIED:
            state = State.RETRIED
        elif action in REJECTED or action == POISON:
            state = {DLQ_ARN: State.DEAD_LETTERED, DROP: State.ACKNOWLEDGED}.get(
                choice or "", State.HANDED_BACK
            )
        else:
            state = State.ACKNOWLEDGED
        if state in (State.RETRIED, State.HANDED_BACK):
            blocked.add(group)
        states[index] = state
    return states


def dispatched(
    source: str, plan: list[tuple[str, int]], order: list[int], states: dict[int, State]
) -> list[str]:
    """The actions whose handler ran, in record order: not poison, not held back."""
    ordered = source != "sqs"
    ran = []
    blocked: set[int] = set()
    for index in order:
        action, group = plan[index]
        group = 0 if source in ("kinesis", "dynamodb") else group
        if ordered and group in blocked:
            continue
        if action != POISON:
            ran.append(action)
        if states[index] in (State.RETRIED, State.HANDED_BACK):
            blocked.add(group)
    return ran


@st.composite
def cases(draw: Any) -> tuple[str, list[tuple[str, int]], str | None]:
    source = draw(st.sampled_from(SOURCES))
    plan = draw(
        st.lists(st.tuples(st.sampled_from((*OUTCOMES, POISON)), st.integers(0, 2)), min_size=1, max_size=12)
    )
    choices = [DLQ_ARN, DROP, HAND_BACK] + ([] if source in STREAMS else [None])
    return source, plan, draw(st.sampled_from(choices))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_batch_item_failures_name_exactly_the_records_to_redeliver(
    case: tuple[str, list[tuple[str, int]], str | None],
) -> None:
    source, plan, choice = case
    rec = Recorder([binding(source, choice)])
    native, identifiers, order = build(source, plan)
    reported = failures(rec(native))
    json.dumps(reported)

    states = expected_states(source, plan, order, choice)
    again = (State.RETRIED, State.HANDED_BACK)
    assert reported == [identifiers[i] for i in order if states[i] in again]
    got = [m.body.get("do") or m.body["new_image"]["do"] for m in rec.got]
    assert got == dispatched(source, plan, order, states)
    parked = [i for i in order if states[i] is State.DEAD_LETTERED]
    assert len(rec.dead_lettered) == len(parked)
    assert {target for _, target in rec.dead_lettered} <= {DLQ_ARN}
    if source in ("sqs", "fifo"):  # dead letters keep the body as received
        assert [m.data for m, _ in rec.dead_lettered] == [native["Records"][i]["body"] for i in parked]
