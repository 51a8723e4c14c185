"""S3 notifications pushed to Lambda: event bindings on eventName, the decoded key, retries."""

from __future__ import annotations

from typing import Any

import pytest

from portside import OBJECT_CREATED, OBJECT_DELETED, App, InMemoryPublisher, Service, event
from portside.settlement import ERROR_HEADER
from portside_aws.errors import DeliveryFailed
from tests.aws.records_kit import DLQ_ARN, Recorder, load

# sample -> (eventName, decoded key, versionId if any)
SAMPLES: dict[str, tuple[str, str, str | None]] = {
    "aws/powertools/s3Event.json": ("ObjectCreated:Put", "b21b84d653bb07b05b1e6b33684dc11b", None),
    "aws/powertools/s3EventDecodedKey.json": ("ObjectCreated:Put", "Happy Face.jpg", "version"),
    "aws/powertools/s3EventDeleteObject.json": (
        "ObjectRemoved:Delete",
        "b21b84d653bb07b05b1e6b33684dc11b",
        None,
    ),
    "aws/powertools/s3EventGlacier.json": ("ObjectCreated:Put", "b21b84d653bb07b05b1e6b33684dc11b", None),
    "aws/aws-lambda-go/s3-event.json": ("ObjectCreated:Put", "Happy Face.jpg", "version"),
    "aws/aws-lambda-go/s3-event-with-decoded.json": ("ObjectCreated:Put", "Happy Face.jpg", "version"),
    "aws/aws-lambda-go/s3-glacier-event.json": (
        "s3:ObjectRestore:Completed",
        "glacier-test.txt",
        "abcdeH0Xp66ep__QDjR76LK7Gc9X4wKO",
    ),
    "aws/aws-lambda-go/s3-intelligenttier-event.json": (
        "s3:IntelligentTiering:TransitionAccess",
        "intelligent-tier-test.dat",
        "versionExample123",
    ),
    "aws/aws-lambda-go/s3-lifecycle-event.json": (
        "s3:LifecycleTransition",
        "lifecycle-test.dat",
        "lifecycleVersion123",
    ),
    "aws/aws-lambda-go/s3-replication-event.json": (
        "s3:Replication:OperationFailedReplication",
        "replication-test.png",
        "abcdeH0Xp66ep__QDjR76LK7Gc9X4wKO",
    ),
    "aws/aws-lambda-go/s3-restore-event.json": (
        "s3:ObjectRestore:Completed",
        "glacier-test.txt",
        "abcdeH0Xp66ep__QDjR76LK7Gc9X4wKO",
    ),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_s3_samples(name: str) -> None:
    event_name, key, version = SAMPLES[name]
    # Bind the name without its "s3:" prefix: both spellings reach the same binding.
    rec = Recorder([event(event_name.removeprefix("s3:").split(":")[0] + "*", "t.main")])
    sample = load(name)
    assert rec(sample) is None
    [got] = rec.got
    record = sample["Records"][0]
    obj = record["s3"]["object"]
    expected: dict[str, Any] = {
        "bucket": record["s3"]["bucket"]["name"],
        "key": key,
        "size": obj.get("size"),
        "etag": obj.get("eTag"),
        "sequencer": obj["sequencer"],
        "eventName": event_name,
        "eventTime": record["eventTime"],
    }
    if version is not None:
        expected["versionId"] = version
    assert got.body == expected
    assert got.topic == "t.main" and got.transport == "aws:s3"
    assert got.correlation_id == record["responseElements"]["x-amz-request-id"]
    assert dict(got.headers) == {
        "event-type": event_name,
        "event-source": "aws:s3",
        "event-time": record["eventTime"],
    }


def test_the_samples_table_covers_every_s3_notification_sample() -> None:
    from tests import samples

    found = {
        f"aws/{p.parent.name}/{p.name}"
        for folder in ("aws/powertools", "aws/aws-lambda-go")
        for p in samples.files(folder)
        if '"aws:s3"' in p.read_text() and '"eventSource"' in p.read_text()
    }
    assert found == set(SAMPLES)


def test_plus_is_a_space_and_percent_escapes_are_decoded() -> None:
    rec = Recorder([event("ObjectCreated:*", "t.main")])
    sample = load("aws/powertools/s3Event.json")
    sample["Records"][0]["s3"]["object"]["key"] = "reports/2024+Q1/summary%2Bfinal%C3%A9.pdf"
    rec(sample)
    assert rec.got[0].body["key"] == "reports/2024 Q1/summary+finalé.pdf"


def test_prefixed_pattern_matches_unprefixed_name() -> None:
    rec = Recorder([event("s3:ObjectCreated:*", "t.main")])
    rec(load("aws/powertools/s3Event.json"))
    assert len(rec.got) == 1


def test_unbound_event_name_and_malformed_record_are_dead_lettered() -> None:
    """A malformed record of a bound event name goes to its binding's target; an event name no
    binding matches has no binding, so the App's dead-letter target keeps it."""
    app_dlq = "arn:aws:sqs:us-east-1:123456789012:app-dlq"
    rec = Recorder([event("ObjectCreated:*", "t.main", dead_letter=DLQ_ARN)], dead_letter=app_dlq)
    created, removed = load("aws/powertools/s3Event.json"), load("aws/powertools/s3EventDeleteObject.json")
    broken = load("aws/powertools/s3Event.json")["Records"][0]
    broken["s3"]["object"] = {"size": 5}
    assert rec({"Records": [created["Records"][0], removed["Records"][0], broken]}) is None
    assert [m.body["eventName"] for m in rec.got] == ["ObjectCreated:Put"]
    (unbound, unbound_target), (malformed, malformed_target) = rec.dead_lettered
    assert (unbound_target, malformed_target) == (app_dlq, DLQ_ARN)
    assert unbound.body["eventName"] == "ObjectRemoved:Delete"
    assert unbound.headers[ERROR_HEADER].startswith(
        "not_found: unroutable: no event binding matches S3 event 'ObjectRemoved"
    )
    assert malformed.body == broken
    assert malformed.headers[ERROR_HEADER] == "invalid: malformed_record: S3 record has no object key"


def test_without_a_target_unbound_and_malformed_records_fail_the_invocation() -> None:
    """S3 invokes asynchronously: raising makes Lambda retry, then use its on-failure destination."""
    rec = Recorder([event("ObjectCreated:*", "t.main")])
    removed = load("aws/powertools/s3EventDeleteObject.json")
    with pytest.raises(DeliveryFailed, match=r"1 of 1 S3 message.*handed_back, not_found"):
        rec(removed)
    broken = load("aws/powertools/s3Event.json")
    del broken["Records"][0]["s3"]["bucket"]
    with pytest.raises(DeliveryFailed, match=r"handed_back, invalid.*S3 record has no bucket name"):
        rec(broken)
    assert rec.got == []


@pytest.mark.parametrize(
    ("name", "neutral", "event_name"),
    [
        ("aws/powertools/s3Event.json", OBJECT_CREATED, "ObjectCreated:Put"),
        ("aws/aws-lambda-go/s3-event.json", OBJECT_CREATED, "ObjectCreated:Put"),
        ("aws/powertools/s3EventDeleteObject.json", OBJECT_DELETED, "ObjectRemoved:Delete"),
    ],
)
def test_neutral_object_events_bind_s3_notifications(name: str, neutral: str, event_name: str) -> None:
    rec = Recorder([event(OBJECT_CREATED, "t.created"), event(OBJECT_DELETED, "t.deleted")],
                   topics=("t.created", "t.deleted"))
    sample = load(name)
    assert rec(sample) is None
    [got] = rec.got
    obj = sample["Records"][0]["s3"]["object"]
    assert got.topic == ("t.created" if neutral == OBJECT_CREATED else "t.deleted")
    bucket = sample["Records"][0]["s3"]["bucket"]["name"]
    assert (got.body["bucket"], got.body["eventName"]) == (bucket, event_name)
    assert got.body["etag"] == obj.get("eTag") and got.body["size"] == obj.get("size")


def test_a_platform_pattern_wins_over_the_neutral_name() -> None:
    rec = Recorder([event(OBJECT_CREATED, "t.created"), event("ObjectCreated:Put", "t.put")],
                   topics=("t.created", "t.put"))
    rec(load("aws/powertools/s3Event.json"))
    assert [m.topic for m in rec.got] == ["t.put"]


def test_events_the_neutral_names_do_not_cover_stay_unbound() -> None:
    rec = Recorder([event(OBJECT_CREATED, "t.main"), event(OBJECT_DELETED, "t.main")])
    with pytest.raises(DeliveryFailed, match="s3:ObjectRestore:Completed"):
        rec(load("aws/aws-lambda-go/s3-restore-event.json"))
    assert rec.got == []


def test_a_failing_handler_makes_the_invocation_raise() -> None:
    service = Service("thumbnails")

    @service.handler("files.uploaded")
    def thumbnail(body: dict[str, Any]) -> None:
        raise TimeoutError("thumbnail service timed out")

    app = App(
        service, [event("ObjectCreated:*", "files.uploaded")], adapter="aws", publisher=InMemoryPublisher()
    )
    with pytest.raises(DeliveryFailed, match="1 of 1 S3 message"):
        app.entry_point(load("aws/powertools/s3Event.json"), None)
