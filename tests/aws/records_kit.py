"""Shared helpers for the record-shape tests: a recording service, log capture, sample editing."""

from __future__ import annotations

import base64
import copy
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from portside import App, InMemoryPublisher, Message, Result, Service, queue
from portside.bindings import Binding
from portside.logs import LOGGER_NAME, get_logger
from tests import samples

Event = dict[str, Any]

# What a test message asks its handler to do, by the "do" field of its JSON body.
OUTCOMES = ("ok", "invalid", "not_found", "error", "retry", "raise")

DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:dlq"  # a dead-letter target the AWS adapter accepts


def stream(
    name: str, source: str, dead_letter: str = DLQ_ARN, topic: str = "t.main", **options: Any
) -> Binding:
    """A queue binding on a Kinesis stream, DynamoDB table or Kafka topic: it declares its source
    and, since a handed-back record blocks its shard, what becomes of poison."""
    return queue(name, topic, dead_letter=dead_letter, aws={"source": source, **options})


class Recorder:
    """An App whose handlers record every message they get, and act on a body's "do" field."""

    def __init__(
        self, bindings: Iterable[Binding], topics: Iterable[str] = ("t.main",), **options: Any
    ) -> None:
        self.got: list[Message] = []
        self.succeeded: list[Message] = []  # the messages whose handler call succeeded
        service = Service("recorder")
        for topic in topics:
            service.handler(topic)(self._handle)
        self.publisher = InMemoryPublisher()
        self.app = App(service, list(bindings), adapter="aws", publisher=self.publisher, **options)

    def _handle(self, message: Message) -> Result[Any] | None:
        self.got.append(message)
        action = _action(message.body)
        if action == "invalid":
            return Result.invalid("rejected by the handler")
        if action == "not_found":
            return Result.not_found("no such thing")
        if action == "error":
            return Result.error("handler error")
        if action == "retry":
            return Result.retry("busy")
        if action == "raise":
            raise RuntimeError("handler crashed")
        self.succeeded.append(message)
        return None

    def __call__(self, event: Any) -> Any:
        return self.app.entry_point(event, None)

    def seen(self) -> list[tuple[str, Any]]:
        return [(m.topic, m.body) for m in self.got]

    @property
    def dead_lettered(self) -> list[tuple[Message, str | None]]:
        return list(self.publisher.sent)


def _action(body: Any) -> Any:
    if not isinstance(body, dict):
        return None
    image = body.get("new_image")  # DynamoDB records carry it in the item
    return body.get("do") or (image.get("do") if isinstance(image, dict) else None)


@contextmanager
def portside_logs(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """Records logged by portside. Its logger does not propagate (it writes JSON lines itself)
    and is configured on first use, possibly after pytest attached caplog to non-propagating
    loggers, so caplog's handler is attached to it here."""
    logger = get_logger(LOGGER_NAME)
    propagate, logger.propagate = logger.propagate, False  # each record captured once
    logger.addHandler(caplog.handler)
    try:
        yield caplog.records
    finally:
        logger.removeHandler(caplog.handler)
        logger.propagate = propagate


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields portside attached to a log record."""
    found: dict[str, Any] = getattr(record, "portside", {})
    return found


def assert_never_logged(logged: Iterable[logging.LogRecord], text: str) -> None:
    """Bodies are never logged: `text` appears in no message and no field of any record."""
    records = list(logged)
    assert records, "nothing was logged at all; the check would be vacuous"
    for record in records:
        assert text not in record.getMessage()
        assert text not in json.dumps(fields(record), default=str)


def load(name: str) -> Event:
    """A private deep copy of a sample (samples are never edited)."""
    event: Event = copy.deepcopy(samples.load(name))
    return event


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def sqs_batch(
    bodies: list[Any], *, queue: str = "orders-inbox", sample: str = "aws/powertools/sqsEvent.json"
) -> Event:
    """An SQS event built from a real sample: one record per body (JSON-encoded unless already
    text), each with a distinct messageId, from queue `queue`."""
    template = load(sample)["Records"][1]
    template["eventSourceARN"] = f"arn:aws:sqs:us-east-2:123456789012:{queue}"
    records = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["messageId"] = f"msg-{index}"
        record["body"] = body if isinstance(body, str) else json.dumps(body)
        records.append(record)
    return {"Records": records}


def kinesis_batch(bodies: list[Any], *, stream: str = "lambda-stream") -> Event:
    template = load("aws/powertools/kinesisStreamEvent.json")["Records"][0]
    template["eventSourceARN"] = f"arn:aws:kinesis:us-east-2:123456789012:stream/{stream}"
    records = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["kinesis"]["sequenceNumber"] = f"4959{index:04d}"
        record["kinesis"]["data"] = b64(body if isinstance(body, str) else json.dumps(body))
        records.append(record)
    return {"Records": records}


def kafka_batch(partitions: dict[str, list[dict[str, Any]]]) -> Event:
    """An MSK event from the real sample: "<topic>-<n>" -> [{"offset": ..., "value": ...}, ...]."""
    event = load("aws/powertools/kafkaEventMsk.json")
    template = event["records"]["mytopic-0"][0]
    event["records"] = {}
    for key, items in partitions.items():
        topic, partition = key.rsplit("-", 1)
        event["records"][key] = [
            {**copy.deepcopy(template), "topic": topic, "partition": int(partition), **item} for item in items
        ]
    return event


def dynamodb_batch(actions: list[str], *, table: str = "Example-Table") -> Event:
    """DynamoDB records from the aws-lambda-go sample whose NewImage carries `do`."""
    template = load("aws/aws-lambda-go/dynamodb-event.json")["Records"][0]
    template["eventSourceARN"] = (
        f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2016-12-01T00:00:00.000"
    )
    records = []
    for index, action in enumerate(actions):
        record = copy.deepcopy(template)
        record["dynamodb"]["SequenceNumber"] = f"14054{index:04d}"
        record["dynamodb"]["NewImage"] = {"do": {"S": action}}
        records.append(record)
    return {"Records": records}


def failures(response: Any) -> list[Any]:
    assert isinstance(response, dict) and set(response) == {"batchItemFailures"}, response
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]
