"""Kinesis Data Streams: base64 data, stream bindings, ordered partial failures."""

from __future__ import annotations

import pytest

from portside import DROP, HAND_BACK
from portside.settlement import ERROR_HEADER, SOURCE_HEADER
from portside_aws.errors import DeliveryFailed
from tests.aws.records_kit import (
    Recorder,
    b64,
    failures,
    fields,
    kinesis_batch,
    load,
    portside_logs,
    stream,
)


def test_one_record_sample() -> None:
    rec = Recorder([stream("lambda-stream", "kinesis")])
    sample = load("aws/powertools/kinesisStreamEventOneRecord.json")
    assert failures(rec(sample)) == []
    [got] = rec.got
    assert (got.topic, got.body) == ("t.main", {"message": "test message", "username": "test"})
    assert dict(got.headers) == {"partition-key": "1"}
    assert got.id == got.correlation_id == sample["Records"][0]["eventID"]
    assert got.transport == "aws:kinesis" and got.raw == sample["Records"][0]


@pytest.mark.parametrize(
    ("name", "name_of_stream", "texts"),
    [
        (
            "aws/powertools/kinesisStreamEvent.json",
            "lambda-stream",
            [b"Hello, this is a test.", b"This is only a test."],
        ),
        ("aws/aws-lambda-go/kinesis-event.json", "simple-stream", [b"Hello World", b"Hello World"]),
        ("aws/aws-lambda-go/kinesis-time-window-event.json", "lambda-stream", [b"Hello, this is a test."]),
    ],
)
def test_text_samples_are_dead_lettered_with_their_bytes(
    name: str, name_of_stream: str, texts: list[bytes]
) -> None:
    rec = Recorder([stream(name_of_stream, "kinesis", "arn:aws:sqs:us-east-2:123456789012:stream-dlq")])
    assert failures(rec(load(name))) == []  # poison is parked, not retried: the shard moves on
    assert rec.got == []
    assert [m.body for m, _ in rec.dead_lettered] == texts
    assert {t for _, t in rec.dead_lettered} == {"arn:aws:sqs:us-east-2:123456789012:stream-dlq"}
    assert all(
        m.headers[ERROR_HEADER].startswith("invalid: malformed_json: body is not valid JSON")
        and m.headers[SOURCE_HEADER] == "aws:kinesis"
        for m, _ in rec.dead_lettered
    )


def test_cloudwatch_logs_subscription_data_is_gzip_so_poison() -> None:
    rec = Recorder([stream("pt-1488-KinesisStreamCloudWatchLogs-D8tHs0im0aJG", "kinesis")])
    sample = load("aws/powertools/kinesisStreamCloudWatchLogsEvent.json")
    assert failures(rec(sample)) == []
    assert rec.got == [] and len(rec.dead_lettered) == len(sample["Records"]) == 2
    assert all(m.body[:2] == b"\x1f\x8b" for m, _ in rec.dead_lettered)  # the gzip bytes, kept whole


def test_ordered_stops_at_first_retry_and_reports_it_and_every_later_record() -> None:
    rec = Recorder([stream("lambda-stream", "kinesis")])
    response = rec(kinesis_batch([{"do": "ok"}, {"do": "invalid"}, {"do": "raise"}, {"do": "ok"}]))
    assert failures(response) == ["49590002", "49590003"]
    assert [m.body["do"] for m in rec.got] == ["ok", "invalid", "raise"]
    assert [m.body for m, _ in rec.dead_lettered] == [b'{"do": "invalid"}']  # the bytes as received


def test_hand_back_chosen_knowingly_blocks_the_shard_from_the_poison_on() -> None:
    rec = Recorder([stream("lambda-stream", "kinesis", HAND_BACK)])
    response = rec(kinesis_batch([{"do": "ok"}, "{oops", {"do": "ok"}]))
    assert failures(response) == ["49590001", "49590002"]
    assert len(rec.got) == 1 and rec.dead_lettered == []


def test_drop_lets_the_shard_move_on() -> None:
    rec = Recorder([stream("lambda-stream", "kinesis", DROP)])
    assert failures(rec(kinesis_batch([{"do": "ok"}, "{oops", {"do": "invalid"}, {"do": "ok"}]))) == []
    assert [m.body["do"] for m in rec.got] == ["ok", "invalid", "ok"] and rec.dead_lettered == []


def test_malformed_records_are_poison_not_crashes() -> None:
    rec = Recorder([stream("lambda-stream", "kinesis")])
    event = kinesis_batch([{"do": "ok"}, {"do": "ok"}, {"do": "ok"}])
    event["Records"][0]["kinesis"]["data"] = "not base64!"
    del event["Records"][1]["kinesis"]
    event["Records"][2]["kinesis"]["data"] = b64("{}")
    assert failures(rec(event)) == []
    assert rec.seen() == [("t.main", {})]
    reasons = [m.headers[ERROR_HEADER] for m, _ in rec.dead_lettered]
    # The record without its 'kinesis' object still names its stream: its binding's target keeps it.
    assert reasons == [
        "invalid: malformed_record: Kinesis record 'data' is not valid base64",
        "invalid: malformed_record: Kinesis record has no 'kinesis' object",
    ]
    assert rec.dead_lettered[1][0].body == event["Records"][1]


def test_unbound_stream_is_handed_back(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([stream("other-stream", "kinesis")])
    with portside_logs(caplog) as logged:
        assert failures(rec(kinesis_batch([{"n": 1}]))) == ["49590000"]
    [warning] = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert "Kinesis stream 'lambda-stream' has no queue binding" in warning["errors"][0]["message"]


def test_retry_of_a_record_without_sequence_number_fails_the_batch() -> None:
    rec = Recorder([stream("lambda-stream", "kinesis")])
    event = kinesis_batch([{"do": "retry"}])
    del event["Records"][0]["kinesis"]["sequenceNumber"]
    with pytest.raises(DeliveryFailed):
        rec(event)


def test_a_stream_bound_as_an_sqs_queue_is_not_read_by_that_binding() -> None:
    """A queue binding that does not declare aws={"source": "kinesis"} skipped the startup check
    that makes a stream say what to do with poison, so its records stay unroutable (handed back:
    reported) and reach no handler until the binding declares its source."""
    from portside import queue

    rec = Recorder([queue("lambda-stream", "t.main", dead_letter=DROP)])
    response = rec(kinesis_batch([{"n": 1}], stream="lambda-stream"))
    assert rec.got == []
    assert len(failures(response)) == 1
    declared = Recorder([stream("lambda-stream", "kinesis", dead_letter=DROP)])
    assert failures(declared(kinesis_batch([{"n": 1}], stream="lambda-stream"))) == []
    assert [m.body for m in declared.got] == [{"n": 1}]
