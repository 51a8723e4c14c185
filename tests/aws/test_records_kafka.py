"""Kafka (MSK and self-managed): topic bindings, base64 values, byte-list headers, and the
composite {"partition", "offset"} batchItemFailures identifier."""

from __future__ import annotations

import json

import pytest

from portside import HAND_BACK, MESSAGE_TOPIC
from portside.kit import TOPIC_HEADER
from portside.settlement import ERROR_HEADER
from portside_aws.errors import DeliveryFailed
from tests.aws.records_kit import DLQ_ARN, Recorder, b64, failures, kafka_batch, load, stream

MSK = "aws/powertools/kafkaEventMsk.json"


@pytest.mark.parametrize("source", ["aws:kafka", "aws:SelfManagedKafka", "SelfManagedKafka"])
def test_msk_and_self_managed_samples(source: str) -> None:
    rec = Recorder([stream("mytopic", "kafka")])
    sample = load("aws/powertools/kafkaEventSelfManaged.json" if source != "aws:kafka" else MSK)
    sample["eventSource"] = source
    assert failures(rec(sample)) == []
    [got] = rec.got
    assert (got.topic, got.body) == ("t.main", {"key": "value"})
    assert dict(got.headers) == {"headerkey": "headerValue", "partition-key": "recordKey"}
    assert got.id == got.correlation_id == "mytopic-0@15"
    assert got.transport == "aws:kafka" and got.raw == sample["records"]["mytopic-0"][0]


def test_aws_lambda_go_sample_signed_header_bytes_and_a_non_json_value() -> None:
    rec = Recorder([stream("AWSKafkaTopic", "kafka")])
    sample = load("aws/aws-lambda-go/kafka-event.json")
    [message] = rec.app.translate(sample)
    # [118, -36, 0, 127, -128] are Java's signed bytes 0x76 0xdc 0x00 0x7f 0x80: not UTF-8.
    assert message.headers["headerKey"] == "v\ufffd\x00\x7f\ufffd"
    assert message.headers["partition-key"] == "8d5596b4-1813-4238-b24b-6dad8e3d1c0c"
    assert failures(rec(sample)) == []  # the value is a bare UUID, not JSON: parked, not retried
    [(parked, _)] = rec.dead_lettered
    assert parked.body == b"8d5596b4-1813-4238-b24b-6dad8e3d1c0c"
    assert parked.headers[ERROR_HEADER].startswith("invalid: malformed_json: body is not valid JSON")
    assert parked.headers["headerKey"] == "v\ufffd\x00\x7f\ufffd"  # headers travel with it


def test_content_type_header_and_tombstone() -> None:
    rec = Recorder([stream("orders", "kafka")])
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


@pytest.mark.parametrize(("binding_topic", "expected"), [("t.main", "t.main"), (MESSAGE_TOPIC, "t.other")])
def test_topic_header_and_correlation_header(binding_topic: str, expected: str) -> None:
    rec = Recorder([stream("orders", "kafka", topic=binding_topic)], topics=("t.main", "t.other"))
    headers = [{"portside-topic": list(b"t.other")}, {"x-correlation-id": list(b"c-7")}]
    rec(kafka_batch({"orders-3": [{"offset": 9, "value": b64("{}"), "headers": headers}]}))
    [got] = rec.got
    assert (got.topic, got.correlation_id, got.id) == (expected, "c-7", "orders-3@9")
    assert got.headers[TOPIC_HEADER] == "t.other"


def test_failures_use_partition_and_offset_and_keep_order_per_partition() -> None:
    rec = Recorder([stream("orders", "kafka")])
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
    # Ordering is per partition: orders-1 is not held back by orders-0's retry.
    assert failures(response) == [
        {"partition": "orders-0", "offset": 12},
        {"partition": "orders-0", "offset": 13},
    ]
    assert [m.body["do"] for m in rec.got] == ["ok", "invalid", "retry", "ok"]
    assert [m.id for m, _ in rec.dead_lettered] == ["orders-0@11"]
    json.dumps(response)


def test_hand_back_holds_back_only_its_partition() -> None:
    rec = Recorder([stream("orders", "kafka", HAND_BACK)])
    event = kafka_batch(
        {
            "orders-0": [{"offset": 1, "value": b64("{oops")}, {"offset": 2, "value": b64("{}")}],
            "orders-1": [{"offset": 7, "value": b64("{}")}],
        }
    )
    assert failures(rec(event)) == [{"partition": "orders-0", "offset": n} for n in (1, 2)]
    assert [m.id for m in rec.got] == ["orders-1@7"]


def test_malformed_kafka_records_are_poison() -> None:
    rec = Recorder([stream("orders", "kafka")])
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
    # The partition's key names the topic, so even records that are not objects (and a partition
    # that is not a list) get their binding's dead-letter target.
    assert [(m.headers[ERROR_HEADER], target) for m, target in rec.dead_lettered] == [
        ("invalid: malformed_record: Kafka record 'value' is not base64", DLQ_ARN),
        ("invalid: malformed_record: Kafka header 'h' is not a list of bytes", DLQ_ARN),
        ("invalid: malformed_record: Kafka record 'headers' is not a list", DLQ_ARN),
        ("invalid: malformed_record: Kafka record in 'orders-0' is not an object", DLQ_ARN),
        ("invalid: malformed_record: records['orders-1'] is not a list", DLQ_ARN),
    ]
    assert rec.dead_lettered[-1][0].body == "not a list"


def test_records_that_are_not_an_object_fail_the_invocation() -> None:
    """No Kafka topic is known, so no binding: the one poison message is handed back, and having
    no partition and offset to name it by, the whole batch is redelivered."""
    rec = Recorder([stream("orders", "kafka")])
    event = load(MSK)
    event["records"] = [1, 2]
    with pytest.raises(DeliveryFailed, match="Kafka 'records' is not an object"):
        rec(event)
    assert rec.dead_lettered == []


def test_the_apps_dead_letter_target_keeps_records_of_no_known_topic() -> None:
    rec = Recorder([stream("orders", "kafka")], dead_letter="arn:aws:sqs:us-east-1:123456789012:app-dlq")
    event = load(MSK)
    event["records"] = [1, 2]
    assert failures(rec(event)) == []
    [(parked, target)] = rec.dead_lettered
    assert target == "arn:aws:sqs:us-east-1:123456789012:app-dlq" and parked.body == [1, 2]
