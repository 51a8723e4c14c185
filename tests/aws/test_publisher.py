"""The AWS publisher, end to end against a real moto server, through portside's public API."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from pydantic import BaseModel

import portside.logs as portside_logs
from portside import (
    App,
    Context,
    InMemoryPublisher,
    Message,
    PublishError,
    Service,
    StartupError,
    State,
    Status,
    destination,
    queue,
)
from portside.bindings import Binding
from portside.kit import CORRELATION_HEADER, ENCODING_HEADER, SOURCE_HEADER, TOPIC_HEADER
from portside_aws.publisher import MAX_ATTRIBUTES, AwsPublisher, parse_target, target_problems
from tests import samples
from tests.aws.conftest import AwsEnv


class Order(BaseModel):
    sku: str
    qty: int


class Note(BaseModel):
    message: str


def shop(*, publishing: bool = True) -> tuple[Service, list[str]]:
    """A service whose handlers publish; `seen` collects the correlation ids they ran with.
    `publishing=False` leaves out the publishing handler, for apps with no destination."""
    service = Service("shop")
    seen: list[str] = []

    if publishing:

        @service.handler("orders.place", publishes=["orders.placed"])
        def place(order: Order, ctx: Context) -> dict[str, bool]:
            seen.append(ctx.correlation_id)
            ctx.publish("orders.placed", order, headers={"tenant": "acme"})
            return {"ok": True}

    @service.handler("notes.take")
    def take(note: Note) -> None:
        if note.message == "boom":
            raise RuntimeError("transient")

    return service, seen


def publisher(**options: Any) -> AwsPublisher:
    """An AwsPublisher of a bare aws App (its source is `portside.shop`)."""
    app = App(Service("shop"), adapter="aws", publisher=InMemoryPublisher())
    return AwsPublisher(app, **options)


def invoke(app: App, topic: str, body: Any, correlation_id: str = "corr-test") -> Any:
    """A direct Lambda invocation `{"topic": ..., "body": ..., "headers": ...}` via the entry point."""
    event = {"topic": topic, "body": body, "headers": {CORRELATION_HEADER: correlation_id}}
    return app.entry_point(event, None)


def attributes(sqs_message: dict[str, Any]) -> dict[str, str]:
    return {k: v["StringValue"] for k, v in sqs_message.get("MessageAttributes", {}).items()}


# ---------------------------------------------------------------------- SQS


def test_sqs_queue_by_arn(aws: AwsEnv) -> None:
    target = aws.queue("placed")
    service, seen = shop()
    app = App(service, [destination("orders.placed", target.arn)], adapter="aws")

    response = invoke(app, "orders.place", {"sku": "A-1", "qty": 2}, correlation_id="corr-sqs")

    assert response["status"] == "ok"
    assert seen == ["corr-sqs"]
    [received] = target.receive()
    assert json.loads(received["Body"]) == {"sku": "A-1", "qty": 2}
    assert attributes(received) == {
        TOPIC_HEADER: "orders.placed",
        CORRELATION_HEADER: "corr-sqs",
        "tenant": "acme",
    }
    assert all(a["DataType"] == "String" for a in received["MessageAttributes"].values())
    assert "MessageGroupId" not in received["Attributes"]


def test_sqs_fifo_queue_by_url(aws: AwsEnv) -> None:
    target = aws.queue("placed", fifo=True)
    service, seen = shop()
    app = App(service, [destination("orders.placed", target.url)], adapter="aws")

    invoke(app, "orders.place", {"sku": "A-1", "qty": 2}, correlation_id="corr-1")
    invoke(app, "orders.place", {"sku": "B-2", "qty": 3}, correlation_id="corr-2")

    received = target.receive(2)
    assert [json.loads(m["Body"])["sku"] for m in received] == ["A-1", "B-2"]  # FIFO order
    assert {m["Attributes"]["MessageGroupId"] for m in received} == {"orders.placed"}
    dedup_ids = {m["Attributes"]["MessageDeduplicationId"] for m in received}
    assert len(dedup_ids) == 2
    assert [attributes(m)[CORRELATION_HEADER] for m in received] == seen == ["corr-1", "corr-2"]


def test_fifo_group_from_header_and_dedup_from_message_id(aws: AwsEnv) -> None:
    target = aws.queue("grouped", fifo=True)
    sender = publisher()
    message = Message("t", {"a": 1}, headers={"message-group-id": "customer-7"}, id="msg-42")

    sender.publish(message, target.arn)
    sender.publish(message, target.arn)  # same id: deduplicated by SQS

    received = target.receive(2, attempts=2)
    assert len(received) == 1
    assert received[0]["Attributes"]["MessageGroupId"] == "customer-7"
    assert received[0]["Attributes"]["MessageDeduplicationId"] == "msg-42"


def test_sqs_queue_url_and_arn_resolution_is_cached(aws: AwsEnv) -> None:
    import boto3

    target = aws.queue("cached")
    session = CountingSession(boto3.session.Session())
    sender = publisher(session=session)

    for n in range(3):
        sender.publish(Message("t", {"n": n}), target.arn)

    assert session.clients == [("sqs", "us-east-1")]  # one client, reused
    assert session.calls.count("GetQueueUrl") == 1
    assert session.calls.count("SendMessage") == 3
    assert len(target.receive(3)) == 3


# ---------------------------------------------------------------------- SNS


def test_sns_topic_delivers_envelope_with_attributes(aws: AwsEnv) -> None:
    topic = aws.topic("placed")
    subscriber = aws.queue("sub")
    aws.subscribe(topic, subscriber)
    service, _ = shop()
    app = App(service, [destination("orders.placed", topic)], adapter="aws")

    invoke(app, "orders.place", {"sku": "A-1", "qty": 2}, correlation_id="corr-sns")

    [received] = subscriber.receive()
    envelope = json.loads(received["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == topic
    assert json.loads(envelope["Message"]) == {"sku": "A-1", "qty": 2}
    assert envelope["MessageAttributes"] == {
        TOPIC_HEADER: {"Type": "String", "Value": "orders.placed"},
        CORRELATION_HEADER: {"Type": "String", "Value": "corr-sns"},
        "tenant": {"Type": "String", "Value": "acme"},
    }


def test_sns_raw_delivery_keeps_attributes(aws: AwsEnv) -> None:
    topic = aws.topic("raw")
    subscriber = aws.queue("rawsub")
    aws.subscribe(topic, subscriber, raw=True)

    publisher().publish(Message("t.raw", [1, 2], correlation_id="corr-1"), topic)

    [received] = subscriber.receive()
    assert json.loads(received["Body"]) == [1, 2]
    assert attributes(received) == {TOPIC_HEADER: "t.raw", CORRELATION_HEADER: "corr-1"}


def test_sns_fifo_topic(aws: AwsEnv) -> None:
    topic = aws.topic("placed", fifo=True)
    subscriber = aws.queue("fifosub", fifo=True)
    aws.subscribe(topic, subscriber)
    service, _ = shop()
    app = App(service, [destination("orders.placed", topic)], adapter="aws")

    invoke(app, "orders.place", {"sku": "A-1", "qty": 2})

    [received] = subscriber.receive()
    assert json.loads(json.loads(received["Body"])["Message"]) == {"sku": "A-1", "qty": 2}
    assert received["Attributes"]["MessageGroupId"] == "orders.placed"


# ---------------------------------------------------------------------- EventBridge


def test_eventbridge_bus_rule_to_queue(aws: AwsEnv) -> None:
    landing = aws.queue("bus-landing")
    bus = aws.bus("orders", landing, {"source": ["portside.shop"], "detail-type": ["orders.placed"]})
    service, _ = shop()
    app = App(service, [destination("orders.placed", bus)], adapter="aws")

    invoke(app, "orders.place", {"sku": "A-1", "qty": 2})

    [received] = landing.receive()
    event = json.loads(received["Body"])
    assert event["source"] == "portside.shop"
    assert event["detail-type"] == "orders.placed"
    assert event["detail"]["type"] == "orders.placed"
    assert event["detail"]["correlationid"] == "corr-test"
    assert event["detail"]["data"] == {"sku": "A-1", "qty": 2}


def test_eventbridge_carries_any_body_in_its_envelope(aws: AwsEnv) -> None:
    landing = aws.queue("bus-landing")
    bus = aws.bus("lists", landing, {"source": ["portside.shop"]})

    publisher().publish(Message("t", [1, 2]), bus)

    [received] = landing.receive()
    assert json.loads(received["Body"])["detail"]["data"] == [1, 2]


BUS_ARN = "arn:aws:events:eu-west-1:1:event-bus/b"


def test_eventbridge_failed_entry_raises() -> None:
    session = FakeSession(
        {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "x"}]}
    )
    sender = publisher(session=session)

    with pytest.raises(PublishError, match="InternalFailure"):
        sender.publish(Message("t", {"a": 1}, id="m-1", correlation_id="c-1"), BUS_ARN)

    [(service, region, operation, params)] = session.calls
    assert (service, region, operation) == ("events", "eu-west-1", "put_events")
    [entry] = params["Entries"]
    detail = json.loads(entry.pop("Detail"))
    assert entry == {"EventBusName": BUS_ARN, "Source": "portside.shop", "DetailType": "t"}
    # EventBridge has no message attributes: the detail is a structured CloudEvent.
    assert detail["specversion"] == "1.0" and detail["type"] == "t" and detail["id"] == "m-1"
    assert detail["source"] == "portside.shop" and detail["correlationid"] == "c-1"
    assert detail["data"] == {"a": 1}


# ---------------------------------------------------------------------- failures


def test_no_destination_says_how_to_add_one() -> None:
    service, _ = shop(publishing=False)
    app = App(service, adapter="aws")

    with pytest.raises(PublishError) as caught:
        app.publisher.publish(Message("orders.placed", {}), None)

    assert "destination('orders.placed', \"<name>\")" in str(caught.value)
    assert "startup file" in str(caught.value)


def test_unknown_queue_is_a_publish_error_with_the_aws_code(aws: AwsEnv) -> None:
    missing = f"arn:aws:sqs:us-east-1:{aws.account}:{aws.unique('missing')}"

    with pytest.raises(PublishError) as caught:
        publisher().publish(Message("t", {}), missing)

    text = str(caught.value)
    assert missing in text
    assert "NonExistentQueue" in text or "QueueDoesNotExist" in text
    assert "Traceback" not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_unknown_topic_is_a_publish_error(aws: AwsEnv) -> None:
    missing = f"arn:aws:sns:us-east-1:{aws.account}:{aws.unique('missing')}"

    with pytest.raises(PublishError, match="NotFound"):
        publisher().publish(Message("t", {}), missing)


def test_publish_failure_in_an_sqs_batch_reports_the_records_for_redelivery(aws: AwsEnv) -> None:
    inbox_name = aws.unique("inbox")
    missing = f"arn:aws:sqs:us-east-1:{aws.account}:{aws.unique('missing')}"
    service, _ = shop()
    app = App(
        service,
        [queue(inbox_name, "orders.place"), destination("orders.placed", missing)],
        adapter="aws",
    )
    event = sqs_event(f"arn:aws:sqs:us-east-1:{aws.account}:{inbox_name}")
    for record in event["Records"]:
        record["body"] = json.dumps({"sku": "A", "qty": 1})

    response = app.entry_point(event, None)

    assert response == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}


def test_publish_failure_in_a_direct_invoke_raises_so_lambda_retries(aws: AwsEnv) -> None:
    from portside_aws.errors import DeliveryFailed

    missing = f"arn:aws:sqs:us-east-1:{aws.account}:{aws.unique('missing')}"
    service, _ = shop()
    app = App(service, [destination("orders.placed", missing)], adapter="aws")

    with pytest.raises(DeliveryFailed):
        invoke(app, "orders.place", {"sku": "A", "qty": 1})


def test_publish_failure_in_a_queued_delivery_is_retried(aws: AwsEnv) -> None:
    missing = f"arn:aws:sqs:us-east-1:{aws.account}:{aws.unique('missing')}"
    service, _ = shop()
    app = App(service, [destination("orders.placed", missing)], adapter="aws")

    settlement = app.deliver(Message("orders.place", {"sku": "A", "qty": 1}))

    assert settlement.state is State.RETRIED  # nothing lost: the source redelivers it
    assert settlement.result.status is Status.RETRY_LATER
    assert [e.code for e in settlement.result.errors] == ["publish_failed"]
    assert "NonExistentQueue" not in json.dumps([e.to_dict() for e in settlement.result.errors])


def test_unreachable_endpoint_is_a_publish_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.config import Config

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sender = publisher(config=Config(retries={"max_attempts": 1}, connect_timeout=2))

    with pytest.raises(PublishError, match="EndpointConnectionError") as caught:
        sender.publish(Message("t", {}), "arn:aws:sns:us-east-1:123456789012:t")

    assert "arn:aws:sns:us-east-1:123456789012:t" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_no_region_anywhere_is_a_publish_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/portside-test-aws-config")

    with pytest.raises(PublishError, match="NoRegionError"):
        publisher().publish(Message("t", {}), "http://localhost:4566/000000000000/q")


def test_unserialisable_body_is_a_publish_error() -> None:
    with pytest.raises(PublishError, match="serialised"):
        publisher().publish(Message("t", {"x": object()}), "arn:aws:sns:us-east-1:1:t")


def test_missing_boto3_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    monkeypatch.setitem(sys.modules, "boto3.session", None)

    with pytest.raises(PublishError, match=r"portside\[aws-publish\]"):
        publisher().publish(Message("t", {}), "arn:aws:sns:us-east-1:1:t")


def test_a_logical_name_outside_an_invocation_is_a_publish_error() -> None:
    with pytest.raises(PublishError, match=r"context.invoked_function_arn.*publish from a handler"):
        publisher().publish(Message("t", {}), "orders-events")


@pytest.mark.parametrize(
    "target",
    [
        "arn:aws:s3:::bucket",
        "arn:aws:sns:us-east-1",
        "arn:aws:events:us-east-1:1:rule/x",
        "https://example.com/",
    ],
)
def test_malformed_target_is_a_publish_error(target: str) -> None:
    with pytest.raises(PublishError, match="not an AWS destination"):
        publisher().publish(Message("t", {}), target)


# ---------------------------------------------------------------------- dead-lettering


def sqs_event(source_arn: str) -> dict[str, Any]:
    event: dict[str, Any] = samples.load("aws/powertools/sqsEvent.json")
    for record in event["Records"]:
        record["eventSourceARN"] = source_arn
        record["awsRegion"] = "us-east-1"
    return event  # record 0 "Test message." is poison for Note; record 1 is a valid Note


def test_poison_sqs_record_is_dead_lettered_to_a_queue(aws: AwsEnv) -> None:
    inbox_name = aws.unique("inbox")
    dlq = aws.queue("dlq")
    service, _ = shop(publishing=False)
    app = App(service, [queue(inbox_name, "notes.take", dead_letter=dlq.arn)], adapter="aws")
    event = sqs_event(f"arn:aws:sqs:us-east-1:{aws.account}:{inbox_name}")

    response = app.entry_point(event, None)

    assert response == {"batchItemFailures": []}  # poison parked, good record done
    [parked] = dlq.receive()
    assert parked["Body"] == "Test message."  # the received text, unchanged
    parked_attributes = attributes(parked)
    assert parked_attributes[TOPIC_HEADER] == "notes.take"
    assert parked_attributes["x-portside-error"].startswith("invalid: malformed_json")
    assert parked_attributes[SOURCE_HEADER] == "aws:sqs"
    assert parked_attributes["testattr"] == "100"  # the record's own attributes travel along
    assert parked_attributes[CORRELATION_HEADER] == event["Records"][0]["messageId"]
    assert ENCODING_HEADER not in parked_attributes


def test_dead_lettering_to_an_unknown_queue_retries_the_record(aws: AwsEnv) -> None:
    inbox_name = aws.unique("inbox")
    missing = f"arn:aws:sqs:us-east-1:{aws.account}:{aws.unique('missing-dlq')}"
    service, _ = shop(publishing=False)
    app = App(service, [queue(inbox_name, "notes.take", dead_letter=missing)], adapter="aws")
    event = sqs_event(f"arn:aws:sqs:us-east-1:{aws.account}:{inbox_name}")

    response = app.entry_point(event, None)

    poison_id = event["Records"][0]["messageId"]
    assert response == {"batchItemFailures": [{"itemIdentifier": poison_id}]}


def test_dead_letter_publishes_the_failure_header(aws: AwsEnv) -> None:
    dlq = aws.queue("dlq")
    service, _ = shop(publishing=False)
    app = App(service, adapter="aws")
    poison = Message("notes.take", {"message": 7}, correlation_id="corr-9", transport="sqs")

    settlement = app.deliver(poison, dead_letter=dlq.url)

    assert settlement.state is State.DEAD_LETTERED
    [parked] = dlq.receive()
    assert json.loads(parked["Body"]) == {"message": 7}
    parked_attributes = attributes(parked)
    assert parked_attributes[CORRELATION_HEADER] == "corr-9"
    assert parked_attributes[TOPIC_HEADER] == "notes.take"
    assert parked_attributes["x-portside-error"].startswith("invalid: ")


def test_dead_letter_to_unknown_queue_is_retry(aws: AwsEnv) -> None:
    missing = f"arn:aws:sqs:us-east-1:{aws.account}:{aws.unique('missing-dlq')}"
    service, _ = shop(publishing=False)
    app = App(service, adapter="aws")

    settlement = app.deliver(Message("notes.take", "garbage"), dead_letter=missing)

    assert settlement.state is State.RETRIED


# ---------------------------------------------------------------------- attributes


def test_attribute_limit_keeps_ours_first(aws: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    logged: list[dict[str, Any]] = []
    monkeypatch.setattr(
        portside_logs, "log", lambda level, message, **fields: logged.append({"msg": message, **fields})
    )
    target = aws.queue("many")
    headers = {f"h{n:02d}": str(n) for n in range(12)}
    headers |= {"x-portside-error": "invalid: bad", "bad name!": "x", "empty": "", "AWS.x": "y"}

    publisher().publish(Message("t", {}, headers=headers, correlation_id="c"), target.url)

    [received] = target.receive()
    sent = attributes(received)
    assert len(sent) == MAX_ATTRIBUTES
    expected = [TOPIC_HEADER, CORRELATION_HEADER, "x-portside-error"] + [f"h{n:02d}" for n in range(7)]
    assert sorted(sent) == sorted(expected)
    [line] = logged
    # Empty values are never sent (nor reported); illegal names and those past the limit are.
    assert line["dropped"] == ["bad name!", "aws.x"] + [f"h{n:02d}" for n in range(7, 12)]
    assert line["correlation_id"] == "c"


def test_fifo_ids_that_aws_would_refuse_are_hashed(aws: AwsEnv) -> None:
    target = aws.queue("hashed", fifo=True)
    message = Message("t", {}, id="has spaces é " + "x" * 200, headers={"message-group-id": "ok"})

    publisher().publish(message, target.url)

    [received] = target.receive()
    dedup = received["Attributes"]["MessageDeduplicationId"]
    assert len(dedup) == 64 and all(c in "0123456789abcdef" for c in dedup)


# ---------------------------------------------------------------------- targets and regions


@pytest.mark.parametrize(
    ("target", "service", "region", "fifo"),
    [
        ("arn:aws:sns:eu-west-1:123456789012:events", "sns", "eu-west-1", False),
        ("arn:aws:sns:eu-west-1:123456789012:events.fifo", "sns", "eu-west-1", True),
        ("arn:aws-cn:sqs:cn-north-1:123456789012:q", "sqs", "cn-north-1", False),
        ("arn:aws:sqs:us-east-2:123456789012:q.fifo", "sqs", "us-east-2", True),
        ("https://sqs.ap-south-1.amazonaws.com/123456789012/q", "sqs", "ap-south-1", False),
        ("https://sqs-fips.us-east-1.amazonaws.com/123456789012/q", "sqs", None, False),
        ("https://eu-west-3.queue.amazonaws.com/123456789012/q.fifo", "sqs", "eu-west-3", True),
        ("http://localhost:4566/000000000000/q", "sqs", None, False),
        ("arn:aws:events:us-west-2:123456789012:event-bus/default", "events", "us-west-2", False),
    ],
)
def test_parse_target(target: str, service: str, region: str | None, fifo: bool) -> None:
    parsed = parse_target(target)
    assert repr(parsed).startswith(f"Target({service!r}, {target!r}")
    assert (parsed.service, parsed.region, parsed.fifo, parsed.address) == (service, region, fifo, target)


def test_client_region_comes_from_the_target_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    session = FakeSession({})
    sender = publisher(session=session)

    sender.publish(Message("t", {}), "arn:aws:sns:eu-central-1:1:t")
    sender.publish(Message("t", {}), "http://localhost:4566/000000000000/q")
    sender.publish(Message("t", {}), "arn:aws:sns:eu-central-1:1:t")

    assert session.clients == [("sns", "eu-central-1"), ("sqs", "sa-east-1")]


def test_unusable_targets_stop_the_startup_naming_each() -> None:
    service, _ = shop()
    bindings: list[Binding] = [
        destination("orders.placed", "arn:aws:s3:::bucket"),
        queue("inbox", "notes.take", dead_letter="arn:aws:sqs:us-east-1:1:dlq"),
    ]
    with pytest.raises(StartupError) as raised:
        App(service, bindings, adapter="aws", dead_letter="https://example.com/")
    text = str(raised.value)
    assert "destination('orders.placed', ...): 'arn:aws:s3:::bucket' is not an AWS destination" in text
    assert "SNS topic ARN" in text
    assert "App(dead_letter=...): 'https://example.com/' is not an AWS destination" in text
    assert "dlq" not in text  # the good target is not named
    logical = App(service, [destination("orders.placed", "orders-events"), bindings[1]], adapter="aws")
    assert target_problems(logical) == []


def test_app_publisher_names_the_service() -> None:
    service, _ = shop()
    app = App(service, [destination("orders.placed", "orders-events")], adapter="aws")
    assert isinstance(app.publisher, AwsPublisher)
    assert app.publisher.source == "portside.shop"


# ---------------------------------------------------------------------- cold start


COLD_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import portside_aws
    from portside import App, Service, destination, http, queue

    service = Service("cold")

    @service.handler("ping")
    def ping(body: dict) -> dict:
        return {"pong": body}

    app = App(service, [
        http("POST /ping", "ping"),
        queue("inbox", "ping", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq"),
        destination("pong", "arn:aws:sns:us-east-1:123456789012:pong"),
    ], adapter="aws")
    handler = app.entry_point
    assert handler({"topic": "ping", "body": {"a": 1}}, None)["status"] == "ok"
    sqs = {"Records": [{"messageId": "m1", "body": '{"b": 2}', "eventSource": "aws:sqs",
                        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:inbox"}]}
    assert handler(sqs, None) == {"batchItemFailures": []}
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore"))))
    """
)


def test_cold_start_without_publishing_never_imports_boto3() -> None:
    done = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


# ---------------------------------------------------------------------- doubles


class CountingSession:
    """Wraps a real boto3 Session: records clients built and API operations called."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.clients: list[tuple[str, str | None]] = []
        self.calls: list[str] = []

    def client(self, service: str, region_name: str | None = None, **kwargs: Any) -> Any:
        self.clients.append((service, region_name))
        client = self._session.client(service, region_name=region_name, **kwargs)
        client.meta.events.register(
            f"before-call.{client.meta.service_model.service_name}.*",
            lambda model, **_: self.calls.append(model.name),
        )
        return client


class FakeSession:
    """A session whose clients record calls and answer every operation with `response`."""

    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response
        self.clients: list[tuple[str, str | None]] = []
        self.calls: list[tuple[str, str | None, str, dict[str, Any]]] = []

    def client(self, service: str, region_name: str | None = None, **kwargs: Any) -> Any:
        self.clients.append((service, region_name))
        session = self

        class Client:
            def __getattr__(self, operation: str) -> Any:
                def call(**params: Any) -> dict[str, Any]:
                    session.calls.append((service, region_name, operation, params))
                    return session.response

                return call

        return Client()
