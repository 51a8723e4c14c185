"""SNS notifications pushed to Lambda: subscription bindings, attributes, retry by raising."""

from __future__ import annotations

import json

import pytest

from portside import DROP, MESSAGE_TOPIC, subscription
from portside.kit import TOPIC_HEADER
from portside.settlement import ERROR_HEADER
from portside_aws.errors import DeliveryFailed
from tests.aws.records_kit import DLQ_ARN, Event, Recorder, assert_never_logged, fields, load, portside_logs


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
    assert parked.headers[ERROR_HEADER].startswith("invalid: malformed_json: body is not valid JSON")
    assert parked.headers["test"] == "TestString"  # its attributes travel with it


def test_powertools_sample_text_message_without_a_target_fails_the_invocation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SNS has no partial-batch report: the invocation raises, Lambda retries it and then hands
    the event to the function's on-failure destination; the body is never logged."""
    rec = Recorder([subscription("sns-lambda", "t.main")])
    with portside_logs(caplog) as logged, pytest.raises(DeliveryFailed) as raised:
        rec(load("aws/powertools/snsEvent.json"))
    assert "1 of 1 SNS message(s) must be redelivered" in str(raised.value)
    assert "handed_back, invalid" in str(raised.value)
    assert "Hello from SNS!" not in str(raised.value)
    assert_never_logged(logged, "Hello from SNS!")


def test_drop_acknowledges_the_unreadable_message() -> None:
    rec = Recorder([subscription("sns-lambda", "t.main", dead_letter=DROP)])
    assert rec(load("aws/powertools/snsEvent.json")) is None
    assert rec.got == [] and rec.dead_lettered == []


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


@pytest.mark.parametrize(("binding_topic", "second"), [("t.main", "t.main"), (MESSAGE_TOPIC, "t.other")])
def test_json_messages_topic_attribute_and_correlation(binding_topic: str, second: str) -> None:
    """The binding's topic decides, unless it is MESSAGE_TOPIC: then each message's own does."""
    rec = Recorder([subscription("sns-lambda", binding_topic)], topics=("t.main", "t.other"))
    event = sns_event([json.dumps({"n": 1}), json.dumps({"n": 2})])
    event["Records"][0]["Sns"]["MessageAttributes"] = {"portside-topic": {"Type": "String", "Value": "t.main"}}
    event["Records"][1]["Sns"]["MessageAttributes"] = {
        "portside-topic": {"Type": "String", "Value": "t.other"},
        "x-correlation-id": {"Type": "String", "Value": "corr-9"},
    }
    assert rec(event) is None
    assert rec.seen() == [("t.main", {"n": 1}), (second, {"n": 2})]
    assert rec.got[1].headers[TOPIC_HEADER] == "t.other"
    assert [m.correlation_id for m in rec.got] == ["sns-0", "corr-9"]


def test_a_message_topic_binding_hands_back_a_message_without_a_topic() -> None:
    rec = Recorder([subscription("sns-lambda", MESSAGE_TOPIC)])
    with pytest.raises(DeliveryFailed, match="has none; the sender must set it"):
        rec(sns_event([json.dumps({"n": 1})]))
    assert rec.got == []


def test_a_message_to_retry_raises_delivery_failed() -> None:
    rec = Recorder([subscription("sns-lambda", "t.main", dead_letter=DLQ_ARN)])
    event = sns_event([json.dumps({"do": "ok"}), json.dumps({"do": "retry"}), json.dumps({"do": "invalid"})])
    with pytest.raises(DeliveryFailed) as raised:
        rec(event)
    text = str(raised.value)
    assert "1 of 3 SNS message(s)" in text and "sns-1" in text and "retry_later" in text
    assert len(rec.got) == 3
    assert [m.id for m, _ in rec.dead_lettered] == ["sns-2"]


def test_a_rejected_message_without_a_target_is_handed_back_too() -> None:
    rec = Recorder([subscription("sns-lambda", "t.main")])
    event = sns_event([json.dumps({"do": "ok"}), json.dumps({"do": "retry"}), json.dumps({"do": "invalid"})])
    expected = r"2 of 3 SNS message\(s\) must be redelivered \(ids: sns-1, sns-2\)"
    with pytest.raises(DeliveryFailed, match=expected):
        rec(event)


def test_unbound_topic_is_handed_back(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([subscription("other-topic", "t.main")])
    with portside_logs(caplog) as logged, pytest.raises(DeliveryFailed, match="handed_back, not_found"):
        rec(sns_event([json.dumps({"n": 1})]))
    [warning] = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert warning["errors"][0]["message"] == (
        "SNS topic 'sns-lambda' has no binding; add subscription('sns-lambda', topic) to the startup file"
    )


def test_malformed_sns_records() -> None:
    rec = Recorder([subscription("sns-lambda", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    event = sns_event([json.dumps({"n": 1}), json.dumps({"n": 2})])
    event["Records"][0]["Sns"]["Message"] = {"not": "text"}
    event["Records"][1]["Sns"]["MessageAttributes"] = {"a": "not an object"}
    assert rec(event) is None
    assert rec.got == []
    assert [m.body for m, _ in rec.dead_lettered] == event["Records"]  # each raw record, whole
    assert [m.headers[ERROR_HEADER] for m, _ in rec.dead_lettered] == [
        "invalid: malformed_record: SNS record has no text 'Message'",
        "invalid: malformed_record: message attribute 'a' is not an object",
    ]


def test_a_record_without_sns_names_no_binding_and_is_handed_back() -> None:
    rec = Recorder([subscription("sns-lambda", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    event = sns_event([json.dumps({"n": 1}), json.dumps({"n": 2})])
    del event["Records"][1]["Sns"]
    with pytest.raises(DeliveryFailed, match="SNS record has no 'Sns' object"):
        rec(event)
    assert rec.seen() == [("t.main", {"n": 1})] and rec.dead_lettered == []
