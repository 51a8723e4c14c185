"""SNS notifications pushed to Lambda: subscription bindings, attributes, retry by raising."""

from __future__ import annotations

import json

import pytest

from portside import subscription
from portside.app import ERROR_HEADER
from portside_aws.errors import DeliveryFailed
from tests.aws.records_kit import Event, Recorder, fields, load, portside_logs


def sns_event(messages: list[str], *, sample: str = "aws/powertools/snsEvent.json") -> Event:
    event = load(sample)
    template = event["Records"][0]
    event["Records"] = []
    for index, text in enumerate(messages):
        record = json.loads(json.dumps(template))
        record["Sns"].update(Message=text, MessageId=f"sns-{index}")
        event["Records"].append(record)
    return event


def test_powertools_sample_text_message_is_parked(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([subscription("sns-lambda", "t.main", dead_letter="arn:aws:sns:us-east-2:123456789012:dlq")])
    event = load("aws/powertools/snsEvent.json")
    [message] = rec.app.translate(event)
    assert (message.topic, message.body, message.transport) == ("t.main", "Hello from SNS!", "aws:sns")
    assert dict(message.headers) == {"test": "TestString", "testbinary": "TestBinary"}
    assert message.id == message.correlation_id == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"
    assert rec(event) is None
    assert rec.got == []
    [(parked, target)] = rec.dead_lettered
    assert target == "arn:aws:sns:us-east-2:123456789012:dlq"
    assert parked.body == "Hello from SNS!"
    assert parked.headers[ERROR_HEADER].startswith("invalid: body is not valid JSON")


def test_text_message_with_a_content_type_attribute() -> None:
    rec = Recorder([subscription("sns-lambda", "t.main")])
    event = load("aws/powertools/snsEvent.json")
    event["Records"][0]["Sns"]["MessageAttributes"]["Content-Type"] = {"Type": "String", "Value": "text/plain"}
    assert rec(event) is None
    assert rec.seen() == [("t.main", "Hello from SNS!")]


def test_aws_lambda_go_sample_with_an_abbreviated_topic_arn() -> None:
    # Its TopicArn is "arn:aws:sns:EXAMPLE": the last field names the topic.
    rec = Recorder([subscription("EXAMPLE", "t.main")])
    [message] = rec.app.translate(load("aws/aws-lambda-go/sns-event.json"))
    assert message.topic == "t.main" and message.body == "Hello from SNS!"


def test_cloudwatch_alarm_via_sns_is_json() -> None:
    rec = Recorder([subscription("EXAMPLE", "t.main")])
    assert rec(load("aws/aws-lambda-go/cloudwatch-alarm-sns-payload-single-metric.json")) is None
    [got] = rec.got
    assert got.body["AlarmName"] == "EXAMPLE" and got.body["NewStateValue"] == "ALARM"


def test_json_messages_topic_override_and_correlation() -> None:
    rec = Recorder([subscription("sns-lambda", "t.main")], topics=("t.main", "t.other"))
    event = sns_event([json.dumps({"n": 1}), json.dumps({"n": 2})])
    event["Records"][1]["Sns"]["MessageAttributes"] = {
        "portside-topic": {"Type": "String", "Value": "t.other"},
        "x-correlation-id": {"Type": "String", "Value": "corr-9"},
    }
    assert rec(event) is None
    assert rec.seen() == [("t.main", {"n": 1}), ("t.other", {"n": 2})]
    assert [m.correlation_id for m in rec.got] == ["sns-0", "corr-9"]


def test_a_message_to_retry_raises_delivery_failed() -> None:
    rec = Recorder([subscription("sns-lambda", "t.main")])
    event = sns_event([json.dumps({"do": "ok"}), json.dumps({"do": "retry"}), json.dumps({"do": "invalid"})])
    with pytest.raises(DeliveryFailed) as raised:
        rec(event)
    text = str(raised.value)
    assert "1 of 3 SNS message(s)" in text and "sns-1" in text and "retry_later" in text
    assert len(rec.got) == 3


def test_unbound_topic_is_logged_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([subscription("other-topic", "t.main")])
    with portside_logs(caplog) as logged:
        assert rec(sns_event([json.dumps({"n": 1})])) is None
    [warning] = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert "SNS topic 'sns-lambda' has no subscription binding" in warning["errors"][0]["message"]


def test_malformed_sns_records() -> None:
    rec = Recorder([subscription("sns-lambda", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    event = sns_event([json.dumps({"n": 1}), json.dumps({"n": 2})])
    event["Records"][0]["Sns"]["Message"] = {"not": "text"}
    del event["Records"][1]["Sns"]
    assert rec(event) is None
    assert rec.got == []
    assert [m.body for m, _ in rec.dead_lettered] == event["Records"]
