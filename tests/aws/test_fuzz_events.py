"""Fuzzing the aws adapter (issue 7, "Done when"): mutated events never lose a record.

Real events (../shared/events/aws samples) and SQS events built here are mutated anywhere: keys
dropped, values replaced by other JSON (wrong types, empty ids, unknown sources, envelopes that
are not). Whatever the mutation, `Fuzz.check` asserts the nothing-lost property (see
tests/aws/fuzz_kit.py): four states, success never reported, reported ids a subset of the
event's, unprocessable records reported or dead-lettered, only portside's own errors raised.
Every field of every event is also tried systematically, then random combinations.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portside import DROP
from tests import samples
from tests.aws.fuzz_kit import MODES, Fuzz, builtin_sqs_events, copied
from tests.aws.records_kit import Event, load

MUTATED_SAMPLES = [
    "aws/powertools/sqsEvent.json",
    "aws/powertools/snsSqsEvent.json",
    "aws/powertools/snsSqsFifoEvent.json",
    "aws/powertools/s3SqsEvent.json",
    "aws/powertools/sqsDlqTriggerEvent.json",
    "aws/aws-lambda-go/sqs-event.json",
    "aws/powertools/snsEvent.json",
    "aws/powertools/eventBridgeEvent.json",
    "aws/powertools/s3EventBridgeNotificationObjectCreatedEvent.json",
    "aws/powertools/s3Event.json",
    "aws/aws-lambda-go/s3-event.json",
    "aws/powertools/kinesisStreamEvent.json",
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
SOURCE_NAMES = [
    "aws:sqs",
    "aws:sns",
    "aws:s3",
    "aws:kinesis",
    "aws:dynamodb",
    "aws:kafka",
    "aws:unknown",
    "Notification",
    "Scheduled Event",
]
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "{}", "[1]", "{oops", "arn:aws:sqs:r:1:my-queue", "%%", "e30=", *SOURCE_NAMES])
)
JSON = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
REPLACEMENTS: list[Any] = [
    None,
    0,
    -1,
    True,
    "",
    "%%",
    "e30=",
    "{oops",
    [],
    {},
    [None],
    {"S": 1},
    "aws:unknown",
]


@functools.cache
def fuzz(choice: str | None) -> Fuzz:
    """One app per dead-letter choice, built once (checks reset what they record)."""
    return Fuzz(choice)


@functools.cache
def sample(name: str) -> Event:
    return load(name)


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


def mutated(original: Event, data: Any) -> Event:
    native = copied(original)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        candidates = paths(native)
        if not candidates:
            break
        path = data.draw(st.sampled_from(candidates), label="path")
        mutate(native, path, data.draw(st.booleans(), label="drop"), data.draw(JSON, label="value"))
    return native


def test_the_property_holds_on_every_event_as_it_is() -> None:
    """The checker's baseline: unmutated events, every dead-letter mode, both apps."""
    originals: list[Event] = [*builtin_sqs_events(), DIRECT]
    if samples.available():
        originals += [sample(name) for name in MUTATED_SAMPLES]
    for original in originals:
        for mode in MODES:
            for choice in (None, DROP):
                fuzz(choice).check(copied(original), mode)


def test_the_checker_catches_an_acknowledged_poison_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deliberately broken settlement (poison acknowledged without DROP) must fail the check:
    the property test could not pass by accident."""
    from portside import State

    app = fuzz(None).rec.app
    deliver = app.deliver

    def lossy(message: Any, **options: Any) -> Any:
        settlement = deliver(message, **options)
        if settlement.state is State.HANDED_BACK:
            settlement.state = State.ACKNOWLEDGED
        return settlement

    monkeypatch.setattr(app, "deliver", lossy)
    with pytest.raises(AssertionError):
        fuzz(None).check(builtin_sqs_events()[1])  # builtin-plain: poison and no target


def test_the_checker_catches_a_reader_that_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry point turns a crashing reader into DeliveryFailed (nothing lost), but a reader
    must not crash on any input: the check says which one did."""
    from portside_aws import sqs

    def broken(*args: Any) -> Any:
        raise KeyError("a reader defect")

    monkeypatch.setattr(sqs, "to_batch", broken)
    with pytest.raises(AssertionError, match="the sqs reader failed"):
        fuzz(None).check(builtin_sqs_events()[0])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    original=st.sampled_from(builtin_sqs_events()),
    data=st.data(),
    mode=st.sampled_from(MODES),
    choice=st.sampled_from([None, DROP]),
)
def test_mutated_builtin_sqs_events_lose_nothing(
    original: Event, data: Any, mode: str, choice: str | None
) -> None:
    fuzz(choice).check(mutated(original, data), mode)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), mode=st.sampled_from(MODES), choice=st.sampled_from([None, DROP]))
def test_mutated_real_samples_lose_nothing(data: Any, mode: str, choice: str | None) -> None:
    samples.require()
    name = data.draw(st.sampled_from([*MUTATED_SAMPLES, "direct"]), label="sample")
    original = DIRECT if name == "direct" else sample(name)
    fuzz(choice).check(mutated(original, data), mode)


def systematically(originals: list[Event]) -> int:
    """Every field of every event dropped, then replaced by each of REPLACEMENTS."""
    tried = 0
    for original in originals:
        for path in paths(original):
            for drop, value in [(True, None), *((False, v) for v in REPLACEMENTS)]:
                native = copied(original)
                mutate(native, path, drop, value)
                fuzz(None).check(native, MODES[tried % len(MODES)])
                tried += 1
    return tried


def test_every_field_of_the_builtin_events_dropped_or_replaced() -> None:
    assert systematically(builtin_sqs_events()) > 3000


def test_every_field_of_every_sample_dropped_or_replaced() -> None:
    samples.require()
    assert systematically([*(sample(name) for name in MUTATED_SAMPLES), DIRECT]) > 5000
