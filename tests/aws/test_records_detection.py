"""Which record shape every real sample is recognised as, and the documented rejection of the
event sources portside does not serve (Cognito, CloudWatch Logs, Firehose, SES, ...)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from portside import App, InMemoryPublisher, Service
from portside.kit import EntryPoint
from portside_aws import direct, dynamodb, entry, eventbridge, kafka, kinesis, s3, sns, sqs
from portside_aws.errors import UnsupportedEvent
from tests import samples

RECORD_SHAPES: list[ModuleType] = [sqs, sns, eventbridge, s3, kinesis, dynamodb, kafka, direct]
EXPECTED: dict[str, set[str]] = {
    "sqs": {
        "powertools/sqsEvent.json",
        "powertools/snsSqsEvent.json",
        "powertools/snsSqsFifoEvent.json",
        "powertools/sqsDlqTriggerEvent.json",
        "powertools/s3SqsEvent.json",
        "aws-lambda-go/sqs-event.json",
    },
    "sns": {
        "powertools/snsEvent.json",
        "aws-lambda-go/sns-event.json",
        "aws-lambda-go/cloudwatch-alarm-sns-payload-multiple-metrics.json",
        "aws-lambda-go/cloudwatch-alarm-sns-payload-single-metric.json",
    },
    "eventbridge": {
        "powertools/eventBridgeEvent.json",
        *(
            f"powertools/s3EventBridgeNotificationObject{k}Event.json"
            for k in ("Created", "Deleted", "Expired")
        ),
        "powertools/s3EventBridgeNotificationObjectRestoreCompletedEvent.json",
        *(
            f"aws-lambda-go/{p.name}"
            for p in samples.files("aws/aws-lambda-go")
            if '"detail-type"' in p.read_text()
        ),
    },
    "s3": {
        *(f"powertools/s3Event{k}.json" for k in ("", "DecodedKey", "DeleteObject", "Glacier")),
        *(
            f"aws-lambda-go/s3-{k}.json"
            for k in (
                "event",
                "event-with-decoded",
                "glacier-event",
                "intelligenttier-event",
                "lifecycle-event",
                "replication-event",
                "restore-event",
            )
        ),
    },
    "kinesis": {
        "powertools/kinesisStreamEvent.json",
        "powertools/kinesisStreamEventOneRecord.json",
        "powertools/kinesisStreamCloudWatchLogsEvent.json",
        "aws-lambda-go/kinesis-event.json",
        "aws-lambda-go/kinesis-time-window-event.json",
    },
    "dynamodb": {
        "powertools/dynamoStreamEvent.json",
        "aws-lambda-go/dynamodb-event.json",
        "aws-lambda-go/dynamodb-time-window-event.json",
    },
    "kafka": {
        "powertools/kafkaEventMsk.json",
        "powertools/kafkaEventSelfManaged.json",
        "aws-lambda-go/kafka-event.json",
    },
}
NOT_JSON = {"aws-lambda-go/dynamodb-event-malformed.2.json"}  # deliberately invalid, per the README
UNSUPPORTED = [
    "powertools/cognitoPreSignUpEvent.json",
    "aws-lambda-go/cognito-event-userpools-pretokengen-v2.json",
    "powertools/cloudWatchLogEvent.json",
    "aws-lambda-go/cloudwatch-logs-event.json",
    "powertools/kinesisFirehosePutEvent.json",
    "powertools/kinesisFirehoseSQSEvent.json",
    "powertools/s3BatchOperationEventSchemaV2.json",
    "powertools/appSyncResolverEvent.json",
    "powertools/appSyncBatchEvent.json",
    "powertools/sesEvent.json",
    "aws-lambda-go/ses-sns-event.json",
    "aws-lambda-go/codepipeline-job-event.json",
    "powertools/codePipelineEvent.json",
    "powertools/vpcLatticeV2Event.json",
    "aws-lambda-go/apigw-websocket-request.json",
    "powertools/activeMQEvent.json",
    "powertools/rabbitMQEvent.json",
    "powertools/secretsManagerEvent.json",
    "powertools/cloudformationCustomResourceCreate.json",
    "powertools/cloudWatchAlarmEventSingleMetric.json",
    "aws-lambda-go/s3-object-lambda-event-get-object-iam.json",
    "aws-lambda-go/code-commit-event.json",
    "aws-lambda-go/lex-event.json",
]


def all_samples() -> list[str]:
    return [
        f"{p.parent.name}/{p.name}"
        for folder in ("aws/powertools", "aws/aws-lambda-go")
        for p in samples.files(folder)
    ]


def shape_of(event: Any, shapes: Sequence[Any]) -> str | None:
    """The shape the adapter's entry point would pick among `shapes`, as the kit detects it."""
    app = App(Service("nothing"), adapter="aws", publisher=InMemoryPublisher())
    try:
        found = EntryPoint(app, shapes, unsupported=UnsupportedEvent).detect(event)
    except UnsupportedEvent:
        return None
    return str(found.__name__).rsplit(".", 1)[-1]


def test_every_sample_is_recognised_by_exactly_the_expected_record_shape() -> None:
    expected = {name: shape for shape, names in EXPECTED.items() for name in names}
    assert len(expected) == sum(len(names) for names in EXPECTED.values())  # no sample in two sets
    found = {}
    for name in all_samples():
        if name in NOT_JSON:
            continue
        event = json.loads(Path(samples.path("aws/" + name)).read_text())
        # A record shape must match its own samples and nothing else; at most one of them may match.
        assert sum(bool(isinstance(event, dict) and m.matches(event)) for m in RECORD_SHAPES) <= 1, name
        shape = shape_of(event, RECORD_SHAPES)
        if shape is not None:
            found[name] = shape
    assert found == expected


def test_the_malformed_sample_really_is_not_json() -> None:
    [name] = NOT_JSON
    with pytest.raises(ValueError):
        json.loads(Path(samples.path("aws/" + name)).read_text())


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_unsupported_sources_are_rejected_by_name(name: str) -> None:
    event = samples.load("aws/" + name)
    app = App(Service("nothing"), adapter="aws", publisher=InMemoryPublisher())
    with pytest.raises(UnsupportedEvent) as raised:
        app.entry_point(event, None)
    text = str(raised.value)
    if isinstance(event, dict):
        assert "top-level keys" in text and sorted(event)[0] in text
        records = event.get("Records")
        if isinstance(records, list) and records:
            source = records[0].get("eventSource") or records[0].get("EventSource")
            assert f"Records[0] source {source!r}" in text
    else:
        assert type(event).__name__ in text


def test_unsupported_samples_are_not_served_by_any_shape() -> None:
    for name in UNSUPPORTED:
        assert shape_of(samples.load("aws/" + name), entry.shapes()) is None, name
