"""Every Google sample in ../shared/events/gcp through the real target: the CloudEvents of
google-cloudevents (structured documents; binary bodies and `testdata` payloads sent with the
`ce-*` headers of their type), and functions-framework's legacy events, conversions and push
envelopes (its conversion is the reference: the converted CloudEvent must equal its output)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from portside import App, Message, Service, event, queue, schedule, subscription
from portside.kit import DELIVERY_HEADER
from portside.kit.cloudevents import STRUCTURED, CloudEvent, to_binary, to_dict
from portside_gcp.legacy import to_cloudevent
from tests import samples

GCP = "gcp"
CE = "gcp/google-cloudevents"
FF = "gcp/functions-framework-python"
# google-cloudevents folder (service, data type) -> the CloudEvent type and a source it has.
TYPES: dict[str, tuple[str, str]] = {
    "pubsub": ("google.cloud.pubsub.topic.v1.messagePublished",
               "//pubsub.googleapis.com/projects/test-project/topics/my-topic"),
    "storage": ("google.cloud.storage.object.v1.finalized", "//storage.googleapis.com/projects/_/buckets/b"),
    "firestore": ("google.cloud.firestore.document.v1.written",
                  "//firestore.googleapis.com/projects/p/databases/(default)"),
    "audit": ("google.cloud.audit.log.v1.written", "//cloudaudit.googleapis.com/projects/p/logs/activity"),
    "scheduler": ("google.cloud.scheduler.job.v1.executed",
                  "//cloudscheduler.googleapis.com/projects/p/locations/us-central1/jobs/nightly"),
    "cloudbuild": ("google.cloud.cloudbuild.build.v1.statusChanged",
                   "//cloudbuild.googleapis.com/projects/p/locations/global/builds/b"),
    "database": ("google.firebase.database.ref.v1.written",
                 "//firebasedatabase.googleapis.com/projects/_/locations/us-central1/instances/i"),
    "firebasealerts": ("google.firebase.firebasealerts.alerts.v1.published",
                       "//firebasealerts.googleapis.com/projects/p"),
    "testlab": ("google.firebase.testlab.testMatrix.v1.completed",
                "//firebasetestlab.googleapis.com/projects/p"),
    "auth": ("google.firebase.auth.user.v1.created", "//firebaseauth.googleapis.com/projects/p"),
    "remoteconfig": ("google.firebase.remoteconfig.remoteConfig.v1.updated",
                     "//firebaseremoteconfig.googleapis.com/projects/p"),
    "analytics": ("google.firebase.analytics.log.v1.written",
                  "//firebaseanalytics.googleapis.com/projects/p/apps/a"),
}
SEEN: list[Message] = []
service = Service("samples")


@service.handler("sink")
def sink(body: Any, message: Message) -> None:
    SEEN.append(message)


@pytest.fixture
def target() -> Any:
    SEEN.clear()
    app = App(service, [
        queue("my-subscription", "sink"),
        queue("gcf-test-sub", "sink"),
        subscription("gcf-test", "sink"),
        schedule("nightly", "sink", "0 2 * * *"),
        event("google.*", "sink"),
    ], adapter="gcp")
    return app.adapter.hook.portside_testing_kit(app=app)


def delivered(target: Any, headers: dict[str, str], body: bytes) -> Message:
    answer = target.send("POST", "/", headers, body)
    assert answer.status == 200, answer.body
    assert answer.headers[DELIVERY_HEADER] == "acknowledged"
    assert len(SEEN) == 1
    return SEEN.pop()


def folder_of(path: Path) -> str:
    parts = path.relative_to(samples.EVENTS / CE).parts
    return parts[2] if parts[0] == "examples" else parts[4]


def check_body(kind: str, message: Message, data: Any) -> None:
    """What the handler gets for each service's data."""
    if kind == "pubsub":
        sent = data["message"]
        raw = base64.b64decode(sent["data"])
        try:
            assert message.body == json.loads(raw)
        except ValueError:
            assert message.body == raw
        assert message.id == sent["messageId"]
        assert message.headers.get("pubsub-publish-time") == sent.get("publishTime")
        assert message.headers.get("message-group-id") == sent.get("orderingKey")
        for name, value in sent.get("attributes", {}).items():
            assert message.headers[name] == value
    elif kind == "storage":
        assert message.body["key"] == data["name"] and message.body["bucket"] == data["bucket"]
        assert message.body["size"] == int(data["size"])
    elif kind == "scheduler":
        assert message.body["rule"] == "nightly" and message.body["time"]
    else:
        assert message.body == data


BINARY = samples.each(samples.files(f"{CE}/examples/binary", "*/*.json")
                      + samples.files(f"{CE}/testdata", "**/*.json"))


@pytest.mark.parametrize("path", BINARY, ids=lambda p: str(p.name) if p else "none")
@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_cloudevent_data_samples(target: Any, path: Path, mode: str) -> None:
    kind = folder_of(path)
    ce_type, source = TYPES[kind]
    data = json.loads(path.read_text())
    cloud = CloudEvent(ce_type, source, data, id=f"id-{path.stem}", time="2024-01-01T00:00:00Z",
                       datacontenttype="application/json")
    if mode == "binary":
        headers, body = to_binary(cloud)
    else:
        headers, body = {"content-type": STRUCTURED}, json.dumps(to_dict(cloud)).encode()
    message = delivered(target, headers, body)
    assert message.headers["ce-type"] == ce_type and message.headers["event-source"] == source
    check_body(kind, message, data)


STRUCTURED_SAMPLES = samples.each(samples.files(f"{CE}/examples/structured", "*/*.json"))


@pytest.mark.parametrize("path", STRUCTURED_SAMPLES, ids=lambda p: str(p.name) if p else "none")
def test_structured_samples(target: Any, path: Path) -> None:
    document = json.loads(path.read_text())
    message = delivered(target, {"content-type": STRUCTURED}, path.read_bytes())
    assert message.headers["ce-id"] == document["id"] or message.id == document["data"]["message"]["messageId"]
    check_body(path.parent.name, message, document["data"])


LEGACY = samples.each(samples.files(f"{FF}/test_data", "*-legacy-input.json"))


@pytest.mark.parametrize("path", LEGACY, ids=lambda p: str(p.name) if p else "none")
def test_legacy_events_convert_like_functions_framework(target: Any, path: Path) -> None:
    document = json.loads(path.read_text())
    expected = json.loads(path.with_name(path.name.replace("-legacy-input", "-cloud-event-output")).read_text())
    if expected["type"].endswith("messagePublished"):  # the framework adds these (its own test checks them)
        expected["data"]["message"].update(messageId=expected["id"], publishTime=expected["time"])
    assert to_dict(to_cloudevent(document)) == expected
    message = delivered(target, {"content-type": "application/json"}, path.read_bytes())
    assert message.headers["ce-type"] == expected["type"]
    assert message.headers["event-source"] == expected["source"]
    if expected["type"].endswith("messagePublished"):
        assert message.body == b"test message 3" and message.headers["attr1"] == "attr1-value"
    else:
        assert message.body == expected["data"]


BACKGROUND = samples.each(samples.files(f"{FF}/test_convert_fixtures", "pubsub_background_event*.json"))


@pytest.mark.parametrize("path", BACKGROUND, ids=lambda p: str(p.name) if p else "none")
def test_background_pubsub_converts_to_the_structured_fixture(target: Any, path: Path) -> None:
    expected = samples.load(f"{FF}/test_convert_fixtures/pubsub_cloud_event_structured.json")
    assert to_dict(to_cloudevent(json.loads(path.read_text()))) == expected
    message = delivered(target, {"content-type": "application/json"}, path.read_bytes())
    assert message.body == base64.b64decode("10==") and message.id == expected["id"]


ENVELOPES = samples.each(samples.files(f"{FF}/test_convert_fixtures", "pubsub_push_*.json"))


@pytest.mark.parametrize("path", ENVELOPES, ids=lambda p: str(p.name) if p else "none")
def test_push_envelopes_and_their_background_form(target: Any, path: Path) -> None:
    document = json.loads(path.read_text())
    message = delivered(target, {"content-type": "application/json"}, path.read_bytes())
    assert message.body == {"foo": "bar"}
    attributes = (document.get("message") or document.get("data") or {}).get("attributes") or {}
    assert {k: message.headers.get(k) for k in attributes} == attributes
    assert message.id == "1215011316659232"
    assert message.transport == "gcp:pubsub"


def test_storage_background_resource_splits_into_source_and_subject(target: Any) -> None:
    resource = samples.load(f"{FF}/test_convert_fixtures/storage_background_resource.json")
    legacy = {
        "context": {"eventId": "s-1", "timestamp": "2024-01-01T00:00:00Z",
                    "eventType": "google.storage.object.finalize", "resource": resource},
        "data": {"bucket": "some-bucket", "name": "folder/Test.cs", "kind": "storage#object", "size": "9"},
    }
    converted = to_cloudevent(legacy)
    assert converted.source == "//storage.googleapis.com/projects/_/buckets/some-bucket"
    assert converted.subject == "objects/folder/Test.cs"
    assert converted.type == "google.cloud.storage.object.v1.finalized"
    message = delivered(target, {"content-type": "application/json"}, json.dumps(legacy).encode())
    assert message.body["key"] == "folder/Test.cs" and message.body["size"] == 9


def test_every_gcp_sample_is_used() -> None:
    samples.require()
    used = {p for group in (BINARY, STRUCTURED_SAMPLES, LEGACY, BACKGROUND, ENVELOPES) for p in group}
    used |= {p.with_name(p.name.replace("-legacy-input", "-cloud-event-output")) for p in LEGACY}
    used |= set(samples.files(f"{FF}/test_convert_fixtures", "pubsub_cloud_event_structured.json"))
    used |= set(samples.files(f"{FF}/test_convert_fixtures", "storage_background_resource.json"))
    every = set(samples.files(GCP, "**/*.json"))
    assert every and every - used == set()
