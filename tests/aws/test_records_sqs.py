"""SQS batches: real samples (standard, FIFO, SNS-in-SQS, S3-in-SQS, a DLQ redrive), message
attributes, envelopes, poison records and the batchItemFailures report."""

from __future__ import annotations

import json
from typing import Any

import pytest

from portside import DROP, HAND_BACK, MESSAGE_TOPIC, Message, PublishError, event, queue, subscription
from portside.kit import TOPIC_HEADER
from portside.settlement import ERROR_HEADER, SOURCE_HEADER
from portside_aws.errors import DeliveryFailed
from tests.aws.records_kit import (
    DLQ_ARN,
    Recorder,
    assert_never_logged,
    failures,
    fields,
    load,
    portside_logs,
    sqs_batch,
)

POWERTOOLS = "aws/powertools/"


def attr(value: str, kind: str = "String") -> dict[str, str]:
    return {"stringValue": value, "dataType": kind}


def test_sqs_event_sample_delivers_json_and_hands_back_the_text_body(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([queue("my-queue", "t.main")])
    event = load(POWERTOOLS + "sqsEvent.json")
    with portside_logs(caplog) as logged:
        response = rec(event)
    # "Test message." is not JSON and there is no content-type attribute: poison; with no
    # dead-letter target it goes back to SQS (whose redrive policy keeps it), never acknowledged.
    assert failures(response) == ["059f36b4-87a3-44ab-83d2-661975830a7d"]
    [got] = rec.got
    assert (got.topic, got.body, dict(got.headers)) == ("t.main", {"message": "foo1"}, {})
    assert got.id == got.correlation_id == "2e1424d4-f796-459a-8184-9c92662be6da"
    assert (got.transport, got.attempt, got.raw) == ("aws:sqs", 1, event["Records"][1])
    [warning] = [fields(r) for r in logged if r.getMessage() == "t.main -> invalid"]
    assert warning["message_id"] == "059f36b4-87a3-44ab-83d2-661975830a7d"
    assert warning["errors"][0]["code"] == "malformed_json"
    assert_never_logged(logged, "Test message.")  # bodies are never logged


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
    assert parked.body == parked.data == "Test message."  # the received text, unchanged
    assert parked.headers["testattr"] == "100"
    assert parked.headers[ERROR_HEADER].startswith("invalid: malformed_json: body is not valid JSON")
    assert parked.headers[SOURCE_HEADER] == "aws:sqs"
    assert parked.id == parked.correlation_id == "059f36b4-87a3-44ab-83d2-661975830a7d"


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


def test_the_bindings_topic_wins_and_the_topic_attribute_stays_readable() -> None:
    rec = Recorder([queue("orders-inbox", "t.main")], topics=("t.main", "t.other"))
    event = sqs_batch([{"n": 1}, {"n": 2}, {"n": 3}])
    first, second, _ = event["Records"]
    first["messageAttributes"] = {"portside-topic": attr("t.other"), "x-correlation-id": attr("corr-1")}
    second["attributes"]["AWSTraceHeader"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    assert failures(rec(event)) == []
    assert rec.seen() == [("t.main", {"n": 1}), ("t.main", {"n": 2}), ("t.main", {"n": 3})]
    assert rec.got[0].headers[TOPIC_HEADER] == "t.other"
    assert [m.correlation_id for m in rec.got] == [
        "corr-1",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        "msg-2",
    ]


def test_a_message_topic_binding_dispatches_by_each_messages_topic_attribute() -> None:
    rec = Recorder([queue("orders-inbox", MESSAGE_TOPIC)], topics=("t.main", "t.other"))
    event = sqs_batch([{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}])
    first, second, third, _ = event["Records"]
    first["messageAttributes"] = {"portside-topic": attr("t.other")}
    second["messageAttributes"] = {"portside-topic": attr("t.main")}
    third["messageAttributes"] = {"portside-topic": attr("t.nobody-serves")}
    # The last message names no topic; the third names one no handler serves: both handed back.
    assert failures(rec(event)) == ["msg-2", "msg-3"]
    assert rec.seen() == [("t.other", {"n": 1}), ("t.main", {"n": 2})]
    [missing] = rec.app.translate(sqs_batch([{"n": 4}]))
    assert missing.topic == ""
    assert "has none; the sender must set it" in missing.failure.errors[0].message  # type: ignore[union-attr]


def test_unbound_queue_is_unroutable_even_with_a_topic_attribute(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([queue("orders-inbox", "t.main")])
    event = sqs_batch([{"n": 1}], queue="someone-elses-queue")
    event["Records"][0]["messageAttributes"] = {"portside-topic": attr("t.main")}
    with portside_logs(caplog) as logged:
        assert failures(rec(event)) == ["msg-0"]  # handed back: no binding, no dead-letter target
    assert rec.got == []
    [warning] = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert warning["errors"][0]["message"] == (
        "SQS queue 'someone-elses-queue' has no binding; add queue('someone-elses-queue', topic) "
        "to the startup file"
    )


def test_the_apps_dead_letter_target_keeps_what_no_binding_routes() -> None:
    rec = Recorder([queue("orders-inbox", "t.main")], dead_letter=DLQ_ARN)
    assert failures(rec(sqs_batch([{"n": 1}], queue="someone-elses-queue"))) == []
    [(parked, target)] = rec.dead_lettered
    assert target == DLQ_ARN and parked.data == '{"n": 1}'
    assert parked.headers[ERROR_HEADER].startswith("not_found: unroutable: SQS queue 'someone-elses-queue'")


def test_only_retry_settlements_are_reported() -> None:
    rec = Recorder([queue("orders-inbox", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    actions = ["ok", "invalid", "not_found", "error", "retry", "raise", "ok"]
    response = rec(sqs_batch([{"do": a} for a in actions]))
    assert failures(response) == ["msg-3", "msg-4", "msg-5"]
    assert len(rec.got) == len(actions)  # a standard queue dispatches every message
    # Dead letters keep the received text, byte for byte.
    assert [m.body for m, _ in rec.dead_lettered] == ['{"do": "invalid"}', '{"do": "not_found"}']


def test_without_a_target_rejected_messages_are_handed_back_and_retries_reported() -> None:
    rec = Recorder([queue("orders-inbox", "t.main")])
    actions = ["ok", "invalid", "not_found", "error", "retry", "raise", "ok"]
    assert failures(rec(sqs_batch([{"do": a} for a in actions]))) == [f"msg-{i}" for i in range(1, 6)]
    assert rec.dead_lettered == []


def test_drop_acknowledges_poison_and_logs_its_id_never_its_body(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([queue("orders-inbox", "t.main", dead_letter=DROP)])
    with portside_logs(caplog) as logged:
        assert failures(rec(sqs_batch([{"do": "invalid"}, "secret {oops", {"do": "retry"}]))) == ["msg-2"]
    dropped = [fields(r) for r in logged if "dropped" in r.getMessage()]
    assert [d["message_id"] for d in dropped] == ["msg-0", "msg-1"]
    assert "malformed_json" in dropped[1]["reason"]
    assert_never_logged(logged, "secret {oops")
    assert rec.dead_lettered == []


def test_hand_back_on_the_binding_overrides_the_apps_target() -> None:
    rec = Recorder([queue("orders-inbox", "t.main", dead_letter=HAND_BACK)], dead_letter=DLQ_ARN)
    assert failures(rec(sqs_batch(["{oops", {"do": "ok"}]))) == ["msg-0"]
    assert rec.dead_lettered == []


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


def fifo_batch(plan: list[tuple[str, Any]]) -> dict[str, Any]:
    """A FIFO batch: (message group, body) per record."""
    event = sqs_batch([body for _, body in plan], queue="orders-inbox.fifo")
    for record, (group, _) in zip(event["Records"], plan, strict=True):
        record["attributes"]["MessageGroupId"] = group
    return event


def test_fifo_poison_without_a_target_holds_back_the_rest_of_its_group_only() -> None:
    rec = Recorder([queue("orders-inbox.fifo", "t.main")])
    plan = [("a", {"do": "ok"}), ("a", "{oops"), ("b", {"do": "ok"}), ("a", {"do": "ok"}), ("b", {"do": "ok"})]
    assert failures(rec(fifo_batch(plan))) == ["msg-1", "msg-3"]
    assert len(rec.got) == 3  # msg-3 of group "a" never ran; group "b" is not held back


def test_fifo_dead_lettered_poison_does_not_hold_back_its_group() -> None:
    rec = Recorder([queue("orders-inbox.fifo", "t.main", dead_letter=DLQ_ARN)])
    plan = [("a", {"do": "ok"}), ("a", "{oops"), ("a", {"do": "ok"}), ("a", {"do": "retry"}), ("a", {})]
    assert failures(rec(fifo_batch(plan))) == ["msg-3", "msg-4"]
    assert [m.data for m, _ in rec.dead_lettered] == ["{oops"]


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
    rec = Recorder([subscription("powertools265", MESSAGE_TOPIC)], topics=("t.main", "t.other"))
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
        # A plain-text body without content-type is poison; no target: back to the queue.
        assert failures(rec(event)) == ["db37cc61-1bb0-4e77-b6f3-7cf87f44a72a"]
    assert rec.got == []
    assert any(r.getMessage() == "t.main -> invalid" for r in logged)
    assert_never_logged(logged, "hello world")


def test_malformed_records_become_poison_messages() -> None:
    rec = Recorder([queue("orders-inbox", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    event = sqs_batch([{"do": "ok"}, {"do": "ok"}, {"do": "ok"}])
    event["Records"][1]["messageAttributes"] = ["not", "an", "object"]
    del event["Records"][2]["body"]
    assert failures(rec(event)) == []
    assert rec.seen() == [("t.main", {"do": "ok"})]
    parked = rec.dead_lettered
    assert [target for _, target in parked] == ["arn:aws:sqs:us-east-1:123456789012:dlq"] * 2
    assert parked[0][0].body == event["Records"][1]  # the raw record is kept whole
    assert parked[1][0].body == event["Records"][2]
    assert [m.headers[ERROR_HEADER] for m, _ in parked] == [
        "invalid: malformed_record: message attributes are not an object",
        "invalid: malformed_record: SQS record has no text body",
    ]


def test_a_record_that_is_not_an_object_redelivers_the_whole_batch() -> None:
    """It names no queue (so no binding and no target) and has no id to report it by: the
    invocation fails and SQS redelivers the batch, then its redrive policy keeps it."""
    rec = Recorder([queue("orders-inbox", "t.main", dead_letter=DLQ_ARN)])
    event = sqs_batch([{"do": "ok"}])
    event["Records"].append(42)
    with pytest.raises(DeliveryFailed, match=r"no id the platform can name it by.*SQS record is not an object"):
        rec(event)


def test_a_retry_without_message_id_fails_the_whole_batch() -> None:
    rec = Recorder([queue("orders-inbox", "t.main")])
    event = sqs_batch([{"do": "ok"}, {"do": "retry"}])
    del event["Records"][1]["messageId"]
    with pytest.raises(DeliveryFailed, match="no id the platform can name it by"):
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
    assert (got.topic, got.body, got.correlation_id) == ("t.main", {"sku": "A1"}, "c-42")
    assert got.headers[TOPIC_HEADER] == "t.other"  # the binding decides; the sender's topic stays readable
    assert got.id == received["MessageId"]
