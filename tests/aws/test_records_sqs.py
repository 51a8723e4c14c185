"""SQS batches: real samples (standard, FIFO, SNS-in-SQS, S3-in-SQS, a DLQ redrive), message
attributes, envelopes, poison records and the batchItemFailures report."""

from __future__ import annotations

import json
from typing import Any

import pytest

from portside import Message, PublishError, event, queue, subscription
from portside.app import ERROR_HEADER
from portside_aws.errors import DeliveryFailed
from tests.aws.records_kit import Recorder, failures, fields, load, portside_logs, sqs_batch

POWERTOOLS = "aws/powertools/"


def attr(value: str, kind: str = "String") -> dict[str, str]:
    return {"stringValue": value, "dataType": kind}


def test_sqs_event_sample_delivers_json_and_parks_the_text_body(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([queue("my-queue", "t.main")])
    event = load(POWERTOOLS + "sqsEvent.json")
    with portside_logs(caplog) as logged:
        response = rec(event)
    assert failures(response) == []
    [got] = rec.got
    assert (got.topic, got.body, dict(got.headers)) == ("t.main", {"message": "foo1"}, {})
    assert got.id == got.correlation_id == "2e1424d4-f796-459a-8184-9c92662be6da"
    assert (got.transport, got.attempt, got.raw) == ("aws:sqs", 1, event["Records"][1])
    # "Test message." is not JSON and there is no content-type attribute: poison, logged in full.
    [parked] = [fields(r) for r in logged if "poison message acknowledged" in r.getMessage()]
    assert parked["body"] == "Test message."
    assert parked["message_id"] == "059f36b4-87a3-44ab-83d2-661975830a7d"
    assert parked["status"] == "invalid"


def test_sqs_event_sample_translates_attributes_to_headers() -> None:
    rec = Recorder([queue("my-queue", "t.main")])
    first, _ = rec.app.translate(load(POWERTOOLS + "sqsEvent.json"))
    assert first.topic == "t.main" and first.body == "Test message."
    assert dict(first.headers) == {"testattr": "100"}  # stringValue wins over binaryValue


def test_poison_goes_to_the_bindings_dead_letter_target() -> None:
    rec = Recorder([queue("my-queue", "t.main", dead_letter="arn:aws:sqs:us-east-2:123456789012:my-dlq")])
    assert failures(rec(load(POWERTOOLS + "sqsEvent.json"))) == []
    [(parked, target)] = rec.dead_lettered
    assert target == "arn:aws:sqs:us-east-2:123456789012:my-dlq"
    assert parked.body == "Test message."
    assert parked.headers["testattr"] == "100"
    assert parked.headers[ERROR_HEADER].startswith("invalid: body is not valid JSON")
    assert parked.correlation_id == "059f36b4-87a3-44ab-83d2-661975830a7d"


def test_aws_lambda_go_sample_with_a_content_type_attribute() -> None:
    rec = Recorder([queue("SQSQueue", "t.main")])
    event = load("aws/aws-lambda-go/sqs-event.json")
    event["Records"][0]["messageAttributes"]["content-type"] = attr("text/plain")
    assert failures(rec(event)) == []
    [got] = rec.got
    assert got.body == "Message Body"
    assert dict(got.headers) == {
        "attribute3": "MTEwMA==",  # binary attributes stay base64 text
        "attribute2": "123",
        "attribute1": "AttributeValue1",
        "content-type": "text/plain",
    }
    assert got.attempt == 2 and got.id == got.correlation_id == "MessageID_1"


def test_topic_attribute_overrides_the_binding_and_correlation_attributes_win() -> None:
    rec = Recorder([queue("orders-inbox", "t.main")], topics=("t.main", "t.other"))
    event = sqs_batch([{"n": 1}, {"n": 2}, {"n": 3}])
    first, second, _ = event["Records"]
    first["messageAttributes"] = {"portside-topic": attr("t.other"), "x-correlation-id": attr("corr-1")}
    second["attributes"]["AWSTraceHeader"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    assert failures(rec(event)) == []
    assert rec.seen() == [("t.other", {"n": 1}), ("t.main", {"n": 2}), ("t.main", {"n": 3})]
    assert [m.correlation_id for m in rec.got] == [
        "corr-1",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        "msg-2",
    ]


def test_unbound_queue_is_unroutable_even_with_a_topic_attribute(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([queue("orders-inbox", "t.main")])
    event = sqs_batch([{"n": 1}], queue="someone-elses-queue")
    event["Records"][0]["messageAttributes"] = {"portside-topic": attr("t.main")}
    with portside_logs(caplog) as logged:
        assert failures(rec(event)) == []
    assert rec.got == []
    [warning] = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert "SQS queue 'someone-elses-queue' has no queue binding" in warning["errors"][0]["message"]


def test_only_retry_settlements_are_reported() -> None:
    rec = Recorder([queue("orders-inbox", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    actions = ["ok", "invalid", "not_found", "error", "retry", "raise", "ok"]
    response = rec(sqs_batch([{"do": a} for a in actions]))
    assert failures(response) == ["msg-3", "msg-4", "msg-5"]
    assert len(rec.got) == len(actions)  # a standard queue dispatches every message
    assert [m.body for m, _ in rec.dead_lettered] == [{"do": "invalid"}, {"do": "not_found"}]


def test_failed_dead_lettering_is_retried() -> None:
    class Down:
        def publish(self, message: Message, target: str | None) -> None:
            raise PublishError("DLQ unreachable")

    rec = Recorder([queue("orders-inbox", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    rec.app.publisher = Down()
    assert failures(rec(sqs_batch([{"do": "ok"}, "{broken"]))) == ["msg-1"]


def test_fifo_stops_at_the_first_failure_and_reports_the_rest() -> None:
    rec = Recorder([queue("Test.fifo", "t.main")])
    event = load(POWERTOOLS + "snsSqsFifoEvent.json")
    template = event["Records"][0]
    records = []
    for index, action in enumerate(["ok", "retry", "ok", "invalid"]):
        record = json.loads(json.dumps(template))
        envelope = json.loads(record["body"])
        envelope["Message"] = json.dumps({"do": action})
        record.update(messageId=f"fifo-{index}", body=json.dumps(envelope))
        records.append(record)
    response = rec({"Records": records})
    assert failures(response) == ["fifo-1", "fifo-2", "fifo-3"]
    assert [m.body for m in rec.got] == [{"do": "ok"}, {"do": "retry"}]  # later ones never ran


def test_ordered_binding_on_a_standard_queue() -> None:
    rec = Recorder([queue("orders-inbox", "t.main", ordered=True)])
    assert failures(rec(sqs_batch([{"do": "error"}, {"do": "ok"}]))) == ["msg-0", "msg-1"]
    assert len(rec.got) == 1


def test_sns_envelope_is_unwrapped() -> None:
    rec = Recorder([queue("powertools265", "t.main")])
    event = load(POWERTOOLS + "snsSqsEvent.json")
    assert failures(rec(event)) == []
    [got] = rec.got
    assert got.body == {"message": "hello world", "username": "lessa"}
    assert got.id == "79406a00-bf15-46ca-978c-22c3613fcb30"  # the SQS message, which is what is retried
    assert got.correlation_id == "d88d4479-6ec0-54fe-b63f-1cf9df4bb16e"  # the SNS message
    assert got.raw is event["Records"][0] and dict(got.headers) == {} and got.topic == "t.main"


def test_sns_envelope_routes_by_subscription_when_the_queue_is_unbound() -> None:
    rec = Recorder([subscription("powertools265", "t.main")], topics=("t.main", "t.other"))
    event = load(POWERTOOLS + "snsSqsEvent.json")
    envelope = json.loads(event["Records"][0]["body"])
    envelope["MessageAttributes"] = {
        "portside-topic": {"Type": "String", "Value": "t.other"},
        "x-correlation-id": {"Type": "String", "Value": "from-sns"},
    }
    event["Records"][0]["body"] = json.dumps(envelope)
    rec(event)
    [got] = rec.got
    assert got.topic == "t.other" and got.correlation_id == "from-sns"
    assert dict(got.headers) == {"portside-topic": "t.other", "x-correlation-id": "from-sns"}


def test_fifo_sns_envelope_sample() -> None:
    rec = Recorder([queue("Test.fifo", "t.main")])
    assert failures(rec(load(POWERTOOLS + "snsSqsFifoEvent.json"))) == []
    assert rec.seen() == [("t.main", {"message": "hello world", "username": "lessa"})]
    [got] = rec.got
    assert (got.id, got.correlation_id) == (
        "69bc4bbd-ed69-4325-a434-85c3b428ceab",
        "a7c9d2fa-77fa-5184-9de9-89391027cc7d",
    )
    assert dict(got.headers) == {}


def test_s3_notification_in_sqs() -> None:
    expected = {
        "bucket": "xxx",
        "key": "test.pdf",
        "size": 104681,
        "etag": "2e3ad1e983318bbd8e73b080e2997980",
        "sequencer": "00643717F9F8B85354",
        "eventName": "ObjectCreated:Put",
        "eventTime": "2023-04-12T20:43:38.021Z",
        "versionId": "yd3d4HaWOT2zguDLvIQLU6ptDTwKBnQV",
    }
    by_queue = Recorder([queue("SQS", "t.main")])
    assert failures(by_queue(load(POWERTOOLS + "s3SqsEvent.json"))) == []
    assert by_queue.seen() == [("t.main", expected)]
    [got] = by_queue.got
    assert got.id == got.correlation_id == "ca3e7a89-c358-40e5-8aa0-5da01403c267"
    assert dict(got.headers) == {
        "event-type": "ObjectCreated:Put",
        "event-source": "aws:s3",
        "event-time": "2023-04-12T20:43:38.021Z",
    }
    by_event = Recorder([event("ObjectCreated:*", "t.main")])
    by_event(load(POWERTOOLS + "s3SqsEvent.json"))
    assert by_event.seen() == [("t.main", expected)]


def test_eventbridge_event_in_sqs() -> None:
    rec = Recorder([queue("orders-inbox", "t.main")])
    rule_target = load(POWERTOOLS + "eventBridgeEvent.json")
    rec(sqs_batch([rule_target]))
    [got] = rec.got
    assert got.body == {"instance_id": "i-1234567890abcdef0", "state": "terminated"}
    assert got.headers["event-type"] == "EC2 Instance State-change Notification"
    assert got.headers["event-source"] == "aws.ec2"


def test_json_bodies_that_only_resemble_envelopes_are_kept_as_they_are() -> None:
    rec = Recorder([queue("orders-inbox", "t.main")])
    look_alikes: list[Any] = [
        {"Type": "Notification", "Subject": "no Message"},
        {"Records": [{"eventSource": "aws:s3", "s3": "not an object"}]},
        {"detail-type": "x"},
    ]
    assert failures(rec(sqs_batch(look_alikes))) == []
    assert [m.body for m in rec.got] == look_alikes


def test_dlq_redrive_sample_keeps_the_receive_count(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([queue("sqs-redrive-SampleDLQ-Emgp9MFSLBZm", "t.main")])
    event = load(POWERTOOLS + "sqsDlqTriggerEvent.json")
    [message] = rec.app.translate(event)
    assert message.attempt == 2 and message.topic == "t.main" and message.body == "hello world"
    assert message.correlation_id == "db37cc61-1bb0-4e77-b6f3-7cf87f44a72a" and dict(message.headers) == {}
    with portside_logs(caplog) as logged:
        assert failures(rec(event)) == []
    assert rec.got == []  # a plain-text body without content-type: parked, not retried forever
    assert any("poison message acknowledged" in r.getMessage() for r in logged)


def test_malformed_records_become_poison_messages() -> None:
    rec = Recorder([queue("orders-inbox", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    event = sqs_batch([{"do": "ok"}, {"do": "ok"}, {"do": "ok"}])
    event["Records"][1]["messageAttributes"] = ["not", "an", "object"]
    del event["Records"][2]["body"]
    event["Records"].append(42)
    assert failures(rec(event)) == []
    assert rec.seen() == [("t.main", {"do": "ok"})]
    parked = rec.dead_lettered
    assert [target for _, target in parked] == ["arn:aws:sqs:us-east-1:123456789012:dlq"] * 3
    assert parked[0][0].body == event["Records"][1]  # the raw record is kept whole
    assert parked[2][0].body == 42
    assert all(m.headers[ERROR_HEADER].startswith("invalid: ") for m, _ in parked)


def test_a_retry_without_message_id_fails_the_whole_batch() -> None:
    rec = Recorder([queue("orders-inbox", "t.main")])
    event = sqs_batch([{"do": "ok"}, {"do": "retry"}])
    del event["Records"][1]["messageId"]
    with pytest.raises(DeliveryFailed, match="no identifier"):
        rec(event)


def test_real_sns_to_sqs_delivery_from_moto(aws: Any) -> None:
    """An SNS envelope as a (moto) SNS topic writes it into a subscribed queue, with attributes."""
    topic_arn = aws.topic("orders")
    inbox = aws.queue("inbox")
    aws.subscribe(topic_arn, inbox)
    aws.sns.publish(
        TopicArn=topic_arn,
        Message=json.dumps({"sku": "A1"}),
        MessageAttributes={
            "portside-topic": {"DataType": "String", "StringValue": "t.other"},
            "x-correlation-id": {"DataType": "String", "StringValue": "c-42"},
        },
    )
    [received] = inbox.receive()
    record = {
        "messageId": received["MessageId"],
        "receiptHandle": received["ReceiptHandle"],
        "body": received["Body"],
        "attributes": received.get("Attributes", {}),
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": inbox.arn,
    }
    rec = Recorder([subscription(topic_arn.rsplit(":", 1)[1], "t.main")], topics=("t.main", "t.other"))
    assert failures(rec({"Records": [record]})) == []
    [got] = rec.got
    assert (got.topic, got.body, got.correlation_id) == ("t.other", {"sku": "A1"}, "c-42")
    assert got.id == received["MessageId"]
