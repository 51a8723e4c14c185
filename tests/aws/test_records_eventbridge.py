"""EventBridge events: detail-type / source event bindings, scheduled rules, S3 via EventBridge."""

from __future__ import annotations

import pytest

from portside import event, schedule
from portside_aws.errors import DeliveryFailed
from tests import samples
from tests.aws.records_kit import Event, Recorder, fields, load, portside_logs

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


def test_scheduled_event_of_an_unbound_rule_is_unroutable(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([schedule("nightly-report", "t.main", "0 2 * * *")])
    with portside_logs(caplog) as logged:
        assert rec(scheduled("arn:aws:events:us-west-1:123456789012:rule/hourly")) is None
    assert rec.got == []
    [warning] = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert "no schedule binding for EventBridge rule 'hourly'" in warning["errors"][0]["message"]


def test_unbound_event_is_acknowledged_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder([event("Object Created", "t.main")])
    with portside_logs(caplog) as logged:
        assert rec(load("aws/aws-lambda-go/codepipeline-execution-state-change-event.json")) is None
    [parked] = [fields(r) for r in logged if "poison message acknowledged" in r.getMessage()]
    assert "CodePipeline Pipeline Execution State Change" in parked["reason"]


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
