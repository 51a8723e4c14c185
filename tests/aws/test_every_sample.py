"""Every file in ../shared/events/aws through the Lambda handler, data-driven.

Each sample is in exactly one category (taken from the per-shape test catalogues), and the
handler's behaviour per category is asserted on the real file: HTTP samples get a response in
their source's exact shape; record samples yield one Message per record and the source's native
result; every other file (Cognito, Firehose, response samples, ...) is the documented rejection,
`UnsupportedEvent`; the deliberately malformed JSON sample cannot reach a handler at all.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from portside import App, InMemoryPublisher, Message, Service, http
from portside_aws.errors import DeliveryFailed, UnsupportedEvent
from tests import samples
from tests.aws.test_http_shapes import HTTP_SAMPLES, alb_keys, rest_keys
from tests.aws.test_records_detection import EXPECTED, NOT_JSON

V2_KEYS = {"statusCode", "headers", "body", "isBase64Encoded", "cookies"}
HTTP_KEYS = {"apigw_v2": lambda: V2_KEYS, "apigw_rest": rest_keys, "alb": alb_keys}
BATCH_REPORTING = {"sqs", "kinesis", "dynamodb", "kafka"}
RECORD_KIND = {f"aws/{name}": kind for kind, names in EXPECTED.items() for name in names}
NOT_JSON_FILES = {f"aws/{name}" for name in NOT_JSON}


def every_file() -> list[str]:
    folders = ("aws/powertools", "aws/aws-lambda-go")
    return [f"aws/{p.parent.name}/{p.name}" for folder in folders for p in samples.files(folder)]


def category(name: str) -> str:
    if name in NOT_JSON_FILES:
        return "not-json"
    if name in HTTP_SAMPLES:
        return "http:" + HTTP_SAMPLES[name].__name__.rsplit(".", 1)[-1]
    if name in RECORD_KIND:
        return "records:" + RECORD_KIND[name]
    return "unsupported"


def catch_all_app() -> tuple[App, list[Message]]:
    seen: list[Message] = []
    service = Service("catch-all")

    @service.handler("catch")
    def catch(message: Message) -> dict[str, Any]:
        seen.append(message)
        return {"ok": True}

    routes = [http(f"{m} /{{path+}}", "catch") for m in ("GET", "POST", "PUT", "PATCH", "DELETE")]
    routes += [http(f"{m} /", "catch") for m in ("GET", "POST")]
    return App(service, routes, adapter="aws", publisher=InMemoryPublisher()), seen


def record_count(event: dict[str, Any]) -> int:
    if isinstance(event.get("Records"), list):
        return len(event["Records"])
    if isinstance(event.get("records"), dict):
        return sum(len(batch) for batch in event["records"].values())
    return 1  # EventBridge: one event


def record_ids(shape: str, event: dict[str, Any]) -> list[Any]:
    """What Lambda names each record by in a partial-failure report (None: the record has none)."""
    def text(value: Any) -> Any:
        return value if isinstance(value, str) and value else None

    if shape == "kafka":
        return [{"partition": key, "offset": item["offset"]}
                for key, items in event["records"].items() for item in items]
    inner = {"kinesis": ("kinesis", "sequenceNumber"), "dynamodb": ("dynamodb", "SequenceNumber")}
    if shape in inner:
        outer, key = inner[shape]
        return [text(record.get(outer, {}).get(key)) for record in event["Records"]]
    return [text(record.get("messageId")) for record in event.get("Records", [])]


def test_the_catalogue_covers_every_file_once() -> None:
    files = every_file()
    assert len(files) > 200
    assert set(HTTP_SAMPLES) <= set(files) and set(RECORD_KIND) <= set(files)
    assert not set(HTTP_SAMPLES) & set(RECORD_KIND)
    assert sum(category(f) == "unsupported" for f in files) > 50


@pytest.mark.parametrize("name", samples.each(every_file()))
def test_sample_through_the_lambda_handler(name: str) -> None:
    kind = category(name)
    text = samples.path(name).read_text()
    if kind == "not-json":
        with pytest.raises(ValueError):
            json.loads(text)
        app, _ = catch_all_app()
        with pytest.raises(UnsupportedEvent, match="type str"):
            app.entry_point(text, None)  # what a handler would see if it were passed as a string
        return
    event = json.loads(text)
    app, seen = catch_all_app()
    if kind == "unsupported":
        with pytest.raises(UnsupportedEvent, match="cannot"):
            app.entry_point(event, None)
        assert seen == []
        return
    source, shape = kind.split(":")
    if source == "http":
        response = app.entry_point(event, None)
        assert set(response) <= HTTP_KEYS[shape](), name
        assert isinstance(response["statusCode"], int) and 200 <= response["statusCode"] < 600
        assert isinstance(response["body"], str)
        if response["statusCode"] == 200:
            assert len(seen) == 1 and json.loads(response["body"]) == {"ok": True}
        else:  # a sample whose text body has no content type: the documented structured 400
            assert json.loads(response["body"])["error"]["status"] == "invalid"
        return
    messages = app.translate(event)
    assert len(messages) == record_count(event), name
    # No binding serves these sources and nothing dead-letters: every record is handed back,
    # named in batchItemFailures, or the invocation raises so Lambda retries it.
    ids = record_ids(shape, event)
    if shape in BATCH_REPORTING and None not in ids:
        assert app.entry_point(event, None) == {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}, name
    else:
        with pytest.raises(DeliveryFailed, match=r"must be redelivered|no id the platform can name it by"):
            app.entry_point(event, None)
    assert seen == []


def test_a_defect_reading_an_http_event_still_answers_in_its_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    from portside_aws import apigw_v2

    def broken(*args: Any) -> Any:
        raise RuntimeError("bug in a reader")

    monkeypatch.setattr(apigw_v2, "to_request", broken)
    app, seen = catch_all_app()
    response = app.entry_point(samples.load("aws/powertools/apiGatewayProxyV2Event.json"), None)
    assert response["statusCode"] == 500 and set(response) <= V2_KEYS and seen == []
    error = json.loads(response["body"])["error"]
    assert error["errors"][0]["code"] == "unreadable_event" and "bug in a reader" not in response["body"]


def test_a_defect_reading_a_batch_fails_the_invocation(monkeypatch: pytest.MonkeyPatch) -> None:
    from portside_aws import sqs

    def broken(*args: Any) -> Any:
        raise KeyError("bug in a reader")

    monkeypatch.setattr(sqs, "to_batch", broken)
    app, _ = catch_all_app()
    with pytest.raises(DeliveryFailed, match="the platform will redeliver it"):
        app.entry_point(samples.load("aws/powertools/sqsEvent.json"), None)
