"""Building an App on the aws adapter refuses what cannot work, naming the binding and the fix:
unknown aws options, a stream without a poison choice, a dead-letter target too small for its
source, a bad max_body_bytes; native identifiers are accepted on aws and refused elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from portside import (
    DROP,
    HAND_BACK,
    App,
    InMemoryPublisher,
    Service,
    StartupError,
    destination,
    event,
    http,
    queue,
    schedule,
    subscription,
)
from portside.bindings import Binding

SNS_DLQ = "arn:aws:sns:us-east-1:123456789012:dead-letters"
SQS_DLQ = "arn:aws:sqs:us-east-1:123456789012:dead-letters"


def service() -> Service:
    built = Service("checked")

    @built.handler("t.main")
    def main(body: Any) -> None:
        return None

    return built


def build(*bindings: Binding, adapter: str = "aws", **options: Any) -> App:
    return App(service(), list(bindings), adapter=adapter, publisher=InMemoryPublisher(), **options)


def refused(*bindings: Binding, adapter: str = "aws", **options: Any) -> str:
    with pytest.raises(StartupError) as raised:
        build(*bindings, adapter=adapter, **options)
    return str(raised.value)


# --------------------------------------------------------------------------- options
@pytest.mark.parametrize(
    ("binding", "expected"),
    [
        (
            queue("inbox", "t.main", aws={"sorce": "kinesis"}),
            "queue binding 'inbox': unknown aws option(s) sorce; allowed: max_body_bytes, source",
        ),
        (
            subscription("alerts", "t.main", aws={"source": "kinesis"}),
            "subscription binding 'alerts': unknown aws option(s) source; allowed: max_body_bytes",
        ),
        (
            http("GET /x", "t.main", aws={"stage": "prod"}),
            "http binding 'GET /x': unknown aws option(s) stage; allowed: none",
        ),
        (
            queue("inbox", "t.main", aws={"source": "rabbitmq"}),
            "queue binding 'inbox': aws source 'rabbitmq' is not one of sqs, kinesis, dynamodb, kafka",
        ),
        (
            queue("inbox", "t.main", aws={"max_body_bytes": "big"}),
            "queue binding 'inbox': aws max_body_bytes must be a positive number of bytes, not 'big'",
        ),
        (
            event("Order *", "t.main", aws={"max_body_bytes": 0}),
            "event binding 'Order *': aws max_body_bytes must be a positive number of bytes, not 0",
        ),
    ],
    ids=["typo", "not-for-subscriptions", "http", "unknown-source", "size-not-a-number", "size-zero"],
)
def test_unusable_aws_options_are_refused(binding: Binding, expected: str) -> None:
    assert expected in refused(binding)


def test_options_for_other_adapters_are_not_the_aws_adapters_business() -> None:
    build(queue("inbox", "t.main", azure={"service": "servicebus"}, gcp={"subscription": "inbox-push"}))


def test_every_problem_is_reported_at_once() -> None:
    text = refused(
        queue("a", "t.main", aws={"sorce": "sqs"}),
        queue("b", "t.main", aws={"source": "kinesis"}),
        queue("c", "t.main", dead_letter=SNS_DLQ),
    )
    assert "'a'" in text and "'b'" in text and "'c'" in text


# --------------------------------------------------------------------------- streams
@pytest.mark.parametrize("source", ["kinesis", "dynamodb", "kafka"])
def test_a_stream_without_a_poison_choice_is_refused(source: str) -> None:
    text = refused(queue("clicks", "t.main", aws={"source": source}))
    assert f"queue binding 'clicks' reads a {source} stream" in text
    assert "blocks its shard" in text
    assert "dead_letter='drop'" in text and "dead_letter='hand-back'" in text


@pytest.mark.parametrize("choice", [SQS_DLQ, "clicks-dlq", DROP, HAND_BACK])
@pytest.mark.parametrize("source", ["kinesis", "dynamodb", "kafka"])
def test_a_stream_that_says_what_becomes_of_poison_is_accepted(source: str, choice: str) -> None:
    build(queue("clicks", "t.main", dead_letter=choice, aws={"source": source}))


def test_the_apps_dead_letter_target_covers_a_stream() -> None:
    build(queue("clicks", "t.main", aws={"source": "kinesis"}), dead_letter=SQS_DLQ)


def test_an_sqs_queue_needs_no_poison_choice() -> None:
    """Handing back is safe on SQS: its redrive policy keeps what comes back."""
    build(queue("inbox", "t.main"), queue("other", "t.main", aws={"source": "sqs"}))


# --------------------------------------------------------------------------- sizes
def test_an_sqs_source_cannot_dead_letter_into_sns() -> None:
    text = refused(queue("inbox", "t.main", dead_letter=SNS_DLQ))
    assert (
        f"queue binding 'inbox': a sqs message can be 1048576 bytes, more than its dead-letter target "
        f"'{SNS_DLQ}' (SNS, 262144 bytes) holds"
    ) in text
    assert "aws={'max_body_bytes': N}" in text


@pytest.mark.parametrize(
    ("binding", "target"),
    [
        (queue("clicks", "t.main", aws={"source": "kinesis"}), SNS_DLQ),
        (queue("orders", "t.main", aws={"source": "kafka"}), SNS_DLQ),
        (
            queue("orders", "t.main", aws={"source": "dynamodb"}),
            "arn:aws:events:us-east-1:123456789012:event-bus/dl",
        ),
    ],
    ids=["kinesis-sns", "kafka-sns", "dynamodb-eventbridge"],
)
def test_streams_larger_than_their_target_are_refused(binding: Binding, target: str) -> None:
    assert "more than its dead-letter target" in refused(binding, dead_letter=target)


def test_a_logical_dead_letter_name_takes_its_destinations_channel() -> None:
    """A logical target is an SQS queue unless a destination says it is an SNS topic."""
    build(queue("inbox", "t.main", dead_letter="parked"))  # an SQS queue: 1 MiB fits
    text = refused(queue("inbox", "t.main", dead_letter="parked"), destination("t.parked", "parked"))
    assert "dead-letter target 'parked' (SNS, 262144 bytes)" in text


def test_a_declared_largest_body_that_fits_is_accepted() -> None:
    build(queue("inbox", "t.main", dead_letter=SNS_DLQ, aws={"max_body_bytes": 200_000}))
    assert "300000 bytes" in refused(
        queue("inbox", "t.main", dead_letter=SNS_DLQ, aws={"max_body_bytes": 300_000})
    )


def test_sns_and_eventbridge_sources_fit_an_sns_target() -> None:
    build(
        subscription("alerts", "t.main", dead_letter=SNS_DLQ), event("Order *", "t.main", dead_letter=SNS_DLQ)
    )


def test_drop_and_hand_back_have_no_size() -> None:
    build(queue("inbox", "t.main", dead_letter=DROP), queue("other", "t.main", dead_letter=HAND_BACK))


# --------------------------------------------------------------------------- native identifiers
NATIVE = [
    "arn:aws:sns:us-east-1:123456789012:orders-events",
    "arn:aws:sqs:us-east-1:123456789012:orders-dlq",
    "https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq",
    "arn:aws:events:us-east-1:123456789012:event-bus/orders",
]


@pytest.mark.parametrize("target", NATIVE)
def test_native_identifiers_are_accepted_on_aws(target: str) -> None:
    """A native target is its own service: an SQS ARN named by a destination (channel "topic" by
    default) is still an SQS queue, big enough for an SQS source's dead letters."""
    fits = "sns" not in target and "events" not in target
    bindings = [queue("inbox", "t.main", dead_letter=target, aws={} if fits else {"max_body_bytes": 1000})]
    build(*bindings, destination("t.out", target))


@pytest.mark.parametrize("target", NATIVE)
def test_native_identifiers_are_refused_on_local_naming_the_binding(target: str) -> None:
    text = refused(destination("t.out", target), adapter="local")
    assert (
        f"destination('t.out', {target!r}) names {target!r}, a native identifier that adapter 'local'" in text
    )
    assert "logical name" in text
    text = refused(queue("inbox", "t.main", dead_letter=target), adapter="local")
    assert f"queue binding 'inbox' (dead_letter=) names {target!r}" in text
    text = refused(adapter="local", dead_letter=target)
    assert f"App(dead_letter=...) names {target!r}" in text


def test_logical_names_work_on_both_adapters() -> None:
    for adapter in ("aws", "local"):
        build(
            queue("inbox", "t.main", dead_letter="orders-dlq"),
            destination("t.out", "orders-events"),
            adapter=adapter,
        )


def test_malformed_native_targets_are_refused_on_aws() -> None:
    text = refused(destination("t.out", "arn:aws:s3:::bucket"))
    assert "'arn:aws:s3:::bucket' is not an AWS destination" in text


@pytest.mark.parametrize(
    ("bindings", "options", "where"),
    [
        ((queue("inbox", "t.main", dead_letter="arn:aws:s3:::bucket"),), {}, "queue('inbox', dead_letter=...)"),
        ((), {"dead_letter": "arn:aws:s3:::bucket"}, "App(dead_letter=...)"),
    ],
)
def test_a_malformed_dead_letter_target_alone_is_refused(
    bindings: tuple[Binding, ...], options: dict[str, Any], where: str
) -> None:
    # No destination names a target: the dead-letter choice alone must still be parsed.
    text = refused(*bindings, **options)
    assert f"{where}: 'arn:aws:s3:::bucket' is not an AWS destination" in text


def test_schedules_eventbridge_cannot_express_are_refused() -> None:
    build(schedule("nightly", "t.main", "0 2 * * *"), schedule("often", "t.main", "rate(5 minutes)"))
    with pytest.raises(StartupError):
        build(schedule("never", "t.main", "rate(0 minutes)"))
