"""EventBridge events: detail-type / source event bindings, scheduled rules, S3 via EventBridge."""

from __future__ import annotations

import pytest

from portside import DROP, OBJECT_CREATED, OBJECT_DELETED, event, schedule
from portside_aws.errors import DeliveryFailed
from tests import samples
from tests.aws.records_kit import DLQ_ARN, Event, Recorder, fields, load, portside_logs

S3_VIA_EVENTBRIDGE = {
    "s3EventBridgeNotificationObjectCreatedEvent.json": "Object Created",
    "s3EventBridgeNotificationObjectDeletedEvent.json": "Object Deleted",
    "s3EventBridgeNotificationObjectExpiredEvent.json": "Object Deleted",
    "s3EventBridgeNotificationObjectRestoreCompletedEvent.json": "Object Restore Completed",
}
GO_EVENTBRIDGE = sorted(p.name for p in samples.files("aws/aws-lambda-go") if '"detail-type"' in p.read_text())


def scheduled(rule_arn: str) -> Event:
    base = load("aws/powertools/eventBridgeEvent.json")
    base.update(
        {"detail-type": "Scheduled Event", "source": "aws.events", "resources": [rule_arn], "detail": {}}
    )
    return base


def test_powertools_sample_by_detail_type() -> None:
    rec = Recorder([event("EC2 Instance State-change Notification", "t.main")])
    original = load("aws/powertools/eventBridgeEvent.json")
    assert rec(original) is None
    [got] = rec.got
    assert (got.topic, got.body) == ("t.main", {"instance_id": "i-1234567890abcdef0", "state": "terminated"})
    assert dict(got.headers) == {
        "event-type": "EC2 Instance State-change Notification",
        "event-source": "aws.ec2",
        "event-time": "2017-12-22T18:43:48Z",
    }
    assert got.id == got.correlation_id == "6a7e8feb-b491-4cf7-a9f1-bf3703467718"
    assert got.transport == "aws:eventbridge" and got.raw == original


def test_glob_on_detail_type_then_source() -> None:
    by_glob = Recorder([event("EC2 Instance *", "t.main")])
    by_glob(load("aws/powertools/eventBridgeEvent.json"))
    by_source = Recorder([event("aws.ec2", "t.main")])
    by_source(load("aws/powertools/eventBridgeEvent.json"))
    assert len(by_glob.got) == len(by_source.got) == 1


@pytest.mark.parametrize("name", sorted(S3_VIA_EVENTBRIDGE))
def test_s3_via_eventbridge(name: str) -> None:
    rec = Recorder([event(S3_VIA_EVENTBRIDGE[name], "t.main")])
    sample = load("aws/powertools/" + name)
    assert rec(sample) is None
    [got] = rec.got
    assert got.body == sample["detail"]
    assert got.body["bucket"]["name"] == "example-bucket" and got.body["object"]["key"] == "IMG_m7fzo3.jpg"
    assert got.headers["event-source"] == "aws.s3"


@pytest.mark.parametrize("name", samples.each(GO_EVENTBRIDGE))
def test_aws_lambda_go_eventbridge_samples_route_by_source(name: str) -> None:
    rec = Recorder([event("aws.*", "t.main")])
    sample = load("aws/aws-lambda-go/" + name)
    assert rec(sample) is None
    [got] = rec.got
    assert got.body == sample["detail"] and got.id == sample["id"]
    assert got.headers["event-type"] == sample["detail-type"]


def test_the_go_eventbridge_samples_were_found() -> None:
    samples.require()
    assert len(GO_EVENTBRIDGE) == 16, GO_EVENTBRIDGE  # autoscaling, codebuild, codedeploy, ...


@pytest.mark.parametrize(
    "rule_arn",
    [
        "arn:aws:events:us-west-1:123456789012:rule/nightly-report",
        "arn:aws:events:us-west-1:123456789012:rule/custom-bus/nightly-report",
    ],
)
def test_scheduled_event_by_rule_name(rule_arn: str) -> None:
    rec = Recorder([schedule("nightly-report", "t.main", "0 2 * * *")])
    assert rec(scheduled(rule_arn)) is None
    [got] = rec.got
    assert got.body == {"time": "2017-12-22T18:43:48Z", "rule": "nightly-report"}


def test_scheduled_event_of_an_unbound_rule_is_handed_back(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([schedule("nightly-report", "t.main", "0 2 * * *")])
    with portside_logs(caplog) as logged, pytest.raises(DeliveryFailed, match="1 of 1 EventBridge"):
        rec(scheduled("arn:aws:events:us-west-1:123456789012:rule/hourly"))
    assert rec.got == []
    [warning] = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert "no schedule binding for EventBridge rule 'hourly'" in warning["errors"][0]["message"]


def test_a_scheduled_event_falls_back_to_an_event_binding_on_its_detail_type() -> None:
    rec = Recorder([event("Scheduled Event", "t.main")])
    assert rec(scheduled("arn:aws:events:us-west-1:123456789012:rule/hourly")) is None
    assert rec.seen() == [("t.main", {"time": "2017-12-22T18:43:48Z", "rule": "hourly"})]


def test_unbound_event_is_handed_back_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([event("Object Created", "t.main")])
    with portside_logs(caplog) as logged, pytest.raises(DeliveryFailed) as raised:
        rec(load("aws/aws-lambda-go/codepipeline-execution-state-change-event.json"))
    assert "handed_back, not_found" in str(raised.value)
    [warning] = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert "CodePipeline Pipeline Execution State Change" in warning["errors"][0]["message"]


def test_unbound_event_goes_to_the_apps_dead_letter_target() -> None:
    rec = Recorder([event("Object Created", "t.main")], dead_letter=DLQ_ARN)
    sample = load("aws/aws-lambda-go/codepipeline-execution-state-change-event.json")
    assert rec(sample) is None
    [(parked, target)] = rec.dead_lettered
    assert target == DLQ_ARN and parked.body == sample["detail"] and parked.id == sample["id"]


def test_retry_raises_delivery_failed_and_poison_is_dead_lettered() -> None:
    rec = Recorder([event("Order *", "t.main", dead_letter="arn:aws:sqs:eu-west-1:123456789012:dlq")])
    failing = load("aws/powertools/eventBridgeEvent.json")
    failing.update({"detail-type": "Order Placed", "detail": {"do": "raise"}})
    with pytest.raises(DeliveryFailed, match="EventBridge"):
        rec(failing)
    failing["detail"] = {"do": "invalid"}
    assert rec(failing) is None
    [(parked, target)] = rec.dead_lettered
    assert target == "arn:aws:sqs:eu-west-1:123456789012:dlq" and parked.body == {"do": "invalid"}


def test_rejected_event_without_a_target_raises_and_with_drop_is_acknowledged() -> None:
    rejected = load("aws/powertools/eventBridgeEvent.json")
    rejected.update({"detail-type": "Order Placed", "detail": {"do": "invalid"}})
    with pytest.raises(DeliveryFailed, match="handed_back, invalid"):
        Recorder([event("Order *", "t.main")])(rejected)
    dropping = Recorder([event("Order *", "t.main", dead_letter=DROP)])
    assert dropping(rejected) is None
    assert len(dropping.got) == 1 and dropping.dead_lettered == []


NEUTRAL_VIA_EVENTBRIDGE = {
    "s3EventBridgeNotificationObjectCreatedEvent.json": ("t.created", "Object Created"),
    "s3EventBridgeNotificationObjectDeletedEvent.json": ("t.deleted", "Object Deleted"),
    "s3EventBridgeNotificationObjectExpiredEvent.json": ("t.deleted", "Object Deleted"),
}


@pytest.mark.parametrize("name", sorted(NEUTRAL_VIA_EVENTBRIDGE))
def test_neutral_object_events_bind_s3_events_from_eventbridge(name: str) -> None:
    """OBJECT_CREATED / OBJECT_DELETED give the same body an S3 notification gives."""
    rec = Recorder([event(OBJECT_CREATED, "t.created"), event(OBJECT_DELETED, "t.deleted")],
                   topics=("t.created", "t.deleted"))
    sample = load("aws/powertools/" + name)
    assert rec(sample) is None
    [got] = rec.got
    topic, detail_type = NEUTRAL_VIA_EVENTBRIDGE[name]
    obj = sample["detail"]["object"]
    assert got.topic == topic
    expected = {
        "bucket": "example-bucket",
        "key": "IMG_m7fzo3.jpg",
        "size": obj.get("size"),
        "etag": obj.get("etag"),
        "sequencer": obj.get("sequencer"),
        "eventName": detail_type,
        "eventTime": sample["time"],
    }
    if "version-id" in obj:
        expected["versionId"] = obj["version-id"]
    assert got.body == expected
    assert got.headers["event-source"] == "aws.s3"


def test_restore_completed_is_not_a_neutral_object_event() -> None:
    rec = Recorder([event(OBJECT_CREATED, "t.main"), event(OBJECT_DELETED, "t.main")])
    with pytest.raises(DeliveryFailed, match="Object Restore Completed"):
        rec(load("aws/powertools/s3EventBridgeNotificationObjectRestoreCompletedEvent.json"))
