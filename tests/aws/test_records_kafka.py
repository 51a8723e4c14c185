"""Kafka (MSK and self-managed): topic bindings, base64 values, byte-list headers, and the
composite {"partition", "offset"} batchItemFailures identifier."""

from __future__ import annotations

import json

import pytest

from portside import queue
from portside.app import ERROR_HEADER
from tests.aws.records_kit import Recorder, b64, failures, fields, kafka_batch, load, portside_logs

MSK = "aws/powertools/kafkaEventMsk.json"


@pytest.mark.parametrize("source", ["aws:kafka", "aws:SelfManagedKafka", "SelfManagedKafka"])
def test_msk_and_self_managed_samples(source: str) -> None:
    rec = Recorder([queue("mytopic", "t.main")])
    sample = load("aws/powertools/kafkaEventSelfManaged.json" if source != "aws:kafka" else MSK)
    sample["eventSource"] = source
    assert failures(rec(sample)) == []
    [got] = rec.got
    assert (got.topic, got.body) == ("t.main", {"key": "value"})
    assert dict(got.headers) == {"headerkey": "headerValue", "partition-key": "recordKey"}
    assert got.id == got.correlation_id == "mytopic-0@15"
    assert got.transport == "aws:kafka" and got.raw == sample["records"]["mytopic-0"][0]


def test_aws_lambda_go_sample_signed_header_bytes_and_a_non_json_value() -> None:
    rec = Recorder([queue("AWSKafkaTopic", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    sample = load("aws/aws-lambda-go/kafka-event.json")
    [message] = rec.app.translate(sample)
    # [118, -36, 0, 127, -128] are Java's signed bytes 0x76 0xdc 0x00 0x7f 0x80: not UTF-8.
    assert message.headers["headerKey"] == "v\ufffd\x00\x7f\ufffd"
    assert message.headers["partition-key"] == "8d5596b4-1813-4238-b24b-6dad8e3d1c0c"
    assert failures(rec(sample)) == []  # the value is a bare UUID, not JSON: parked, not retried
    [(parked, _)] = rec.dead_lettered
    assert parked.body == b"8d5596b4-1813-4238-b24b-6dad8e3d1c0c"
    assert parked.headers[ERROR_HEADER].startswith("invalid: body is not valid JSON")


def test_content_type_header_and_tombstone() -> None:
    rec = Recorder([queue("orders", "t.main")])
    text_header = [{"content-type": list(b"text/plain")}]
    event = kafka_batch(
        {
            "orders-0": [
                {"offset": 1, "value": b64("plain words"), "headers": text_header},
                {"offset": 2, "value": None, "headers": []},
            ]
        }
    )
    assert failures(rec(event)) == []
    assert [m.body for m in rec.got] == ["plain words", None]


def test_topic_header_overrides_and_correlation_header() -> None:
    rec = Recorder([queue("orders", "t.main")], topics=("t.main", "t.other"))
    headers = [{"portside-topic": list(b"t.other")}, {"x-correlation-id": list(b"c-7")}]
    rec(kafka_batch({"orders-3": [{"offset": 9, "value": b64("{}"), "headers": headers}]}))
    [got] = rec.got
    assert (got.topic, got.correlation_id, got.id) == ("t.other", "c-7", "orders-3@9")


def test_failures_use_partition_and_offset_and_keep_order() -> None:
    rec = Recorder([queue("orders", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    event = kafka_batch(
        {
            "orders-0": [
                {"offset": 10, "value": b64(json.dumps({"do": "ok"}))},
                {"offset": 11, "value": b64(json.dumps({"do": "invalid"}))},
                {"offset": 12, "value": b64(json.dumps({"do": "retry"}))},
                {"offset": 13, "value": b64(json.dumps({"do": "ok"}))},
            ],
            "orders-1": [{"offset": 4, "value": b64(json.dumps({"do": "ok"}))}],
        }
    )
    response = rec(event)
    assert failures(response) == [
        {"partition": "orders-0", "offset": 12},
        {"partition": "orders-0", "offset": 13},
        {"partition": "orders-1", "offset": 4},
    ]
    assert [m.body["do"] for m in rec.got] == ["ok", "invalid", "retry"]
    json.dumps(response)


def test_malformed_kafka_records_are_poison() -> None:
    rec = Recorder([queue("orders", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    event = kafka_batch(
        {
            "orders-0": [
                {"offset": 1, "value": "%%%"},
                {"offset": 2, "value": b64("{}"), "headers": [{"h": [1, 2, 999]}]},
                {"offset": 3, "value": b64("{}"), "headers": "h=1"},
                {"offset": 4, "value": b64("{}")},
            ]
        }
    )
    event["records"]["orders-1"] = "not a list"
    event["records"]["orders-0"].append(7)
    assert failures(rec(event)) == []
    assert len(rec.got) == 1
    assert [m.headers[ERROR_HEADER] for m, _ in rec.dead_lettered] == [
        "invalid: Kafka record 'value' is not base64",
        "invalid: Kafka header 'h' is not a list of bytes",
        "invalid: Kafka record 'headers' is not a list",
        "invalid: Kafka record in 'orders-0' is not an object",
        "invalid: records['orders-1'] is not a list",
    ]


def test_records_that_are_not_an_object_become_one_logged_poison_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = Recorder([queue("orders", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    event = load(MSK)
    event["records"] = [1, 2]
    with portside_logs(caplog) as logged:
        assert failures(rec(event)) == []
    # No Kafka topic is known, so no binding and no dead-letter target: it is logged in full.
    assert rec.dead_lettered == []
    [parked] = [fields(r) for r in logged if "poison message acknowledged" in r.getMessage()]
    assert parked["body"] == [1, 2] and parked["reason"] == "Kafka 'records' is not an object"
