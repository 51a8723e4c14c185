"""Logical destinations and dead letters on AWS, end to end against a real moto server.

A logical name resolves in the running function's own region and account, read from the
invocation's function ARN: an SNS topic by default, an SQS queue for channel="queue", an
EventBridge bus for channel="events" (whose `detail` is a CloudEvents envelope that the adapter's
EventBridge reader unwraps again). Dead letters keep binary bodies as base64 text marked with
x-portside-encoding; a dead letter too large for its target is handed back instead.
"""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from types import SimpleNamespace
from typing import Any, Literal

import pytest

from portside import App, Context, InMemoryPublisher, Message, Service, destination, event, queue, subscription
from portside.kit import CORRELATION_HEADER, ENCODING_HEADER, ERROR_HEADER, SOURCE_HEADER, TOPIC_HEADER
from portside_aws.errors import DeliveryFailed
from tests.aws.conftest import ACCOUNT, AwsEnv
from tests.aws.records_kit import failures, fields, portside_logs

HOME = "eu-west-1"  # the function's region: not the environment's default (us-east-1)


def context(region: str = HOME, account: str = ACCOUNT) -> Any:
    """A Lambda context as the runtime passes it."""
    return SimpleNamespace(
        aws_request_id=str(uuid.uuid4()),
        invoked_function_arn=f"arn:aws:lambda:{region}:{account}:function:orders:live",
        get_remaining_time_in_millis=lambda: 10_000,
    )


class Region:
    """boto3 clients of one region of the moto server, creating uniquely named resources."""

    def __init__(self, aws: AwsEnv, region: str) -> None:
        import boto3

        self.region = region
        self.sns = boto3.client("sns", region_name=region)
        self.sqs = boto3.client("sqs", region_name=region)
        self.events = boto3.client("events", region_name=region)

    def queue(self, name: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def tapped_topic(self, name: str, tap: str = "") -> tuple[str, str]:
        """A topic and the URL of a queue (`tap`, else `<name>-tap`) subscribed to it, raw."""
        arn = self.sns.create_topic(Name=name)["TopicArn"]
        url, queue_arn = self.queue(tap or f"{name}-tap")
        self.sns.subscribe(
            TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
        )
        return arn, url

    def receive(self, url: str, expected: int = 1) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for _ in range(5):
            found += self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
            if len(found) >= expected:
                break
        return found


def attributes(message: dict[str, Any]) -> dict[str, str]:
    return {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}


def orders(channel: Literal["topic", "queue", "events"], name: str) -> App:
    """A service whose handler publishes `orders.created` to the logical destination `name`."""
    service = Service("orders")

    @service.handler("orders.create", publishes=["orders.created"])
    def create(body: dict[str, Any], ctx: Context) -> dict[str, str]:
        ctx.publish("orders.created", {"id": body["id"]}, headers={"tenant": "acme"})
        return {"id": body["id"]}

    return App(service, [destination("orders.created", name, channel=channel)], adapter="aws")


def create(app: App, order_id: str, ctx: Any) -> Any:
    event = {
        "topic": "orders.create",
        "body": {"id": order_id},
        "headers": {CORRELATION_HEADER: f"corr-{order_id}"},
    }
    return app.entry_point(event, ctx)


# --------------------------------------------------------------------------- logical destinations
def test_a_logical_topic_is_the_sns_topic_of_that_name_in_the_functions_region(aws: AwsEnv) -> None:
    name = "orders-events"
    home, elsewhere = Region(aws, HOME), Region(aws, aws.region)
    topic_arn, tap = home.tapped_topic(name, aws.unique("orders-events-tap"))
    assert topic_arn == f"arn:aws:sns:{HOME}:{ACCOUNT}:orders-events"
    # The same name in the environment's default region must receive nothing.
    _, decoy_tap = elsewhere.tapped_topic(name, aws.unique("orders-events-decoy"))

    assert create(orders("topic", name), "o-1", context())["status"] == "ok"

    [received] = home.receive(tap)
    assert json.loads(received["Body"]) == {"id": "o-1"}
    assert attributes(received) == {
        TOPIC_HEADER: "orders.created",
        CORRELATION_HEADER: "corr-o-1",
        "tenant": "acme",
    }
    assert elsewhere.receive(decoy_tap, 0) == []


def test_the_account_comes_from_the_function_arn_never_a_constant(
    aws: AwsEnv, caplog: pytest.LogCaptureFixture
) -> None:
    name = aws.unique("orders-events")
    Region(aws, HOME).tapped_topic(name)  # exists in moto's default account only
    other = "210987654321"
    with portside_logs(caplog) as logged, pytest.raises(DeliveryFailed, match="retried, retry_later"):
        create(orders("topic", name), "o-2", context(account=other))
    [failed] = [fields(r) for r in logged if r.getMessage().startswith("publishing failed")]
    assert f"arn:aws:sns:{HOME}:{other}:{name}" in failed["error"]


def test_a_logical_queue_is_the_sqs_queue_of_that_name(aws: AwsEnv) -> None:
    name = aws.unique("orders-audit")
    home = Region(aws, HOME)
    url, _ = home.queue(name)

    create(orders("queue", name), "o-3", context())

    [received] = home.receive(url)
    assert json.loads(received["Body"]) == {"id": "o-3"}
    assert attributes(received)[TOPIC_HEADER] == "orders.created"


def test_a_logical_bus_carries_a_cloudevent_that_the_eventbridge_reader_unwraps(aws: AwsEnv) -> None:
    name = aws.unique("orders-bus")
    home = Region(aws, HOME)
    landing_url, landing_arn = home.queue(aws.unique("bus-landing"))
    home.events.create_event_bus(Name=name)
    home.events.put_rule(
        Name=name + "-all", EventBusName=name, EventPattern=json.dumps({"source": ["portside.orders"]})
    )
    home.events.put_targets(
        Rule=name + "-all", EventBusName=name, Targets=[{"Id": "landing", "Arn": landing_arn}]
    )

    create(orders("events", name), "o-4", context())

    [received] = home.receive(landing_url)
    delivered = json.loads(received["Body"])  # the EventBridge event, as a rule target gets it
    assert (delivered["source"], delivered["detail-type"]) == ("portside.orders", "orders.created")
    detail = delivered["detail"]
    assert detail["specversion"] == "1.0" and detail["type"] == "orders.created"
    assert detail["correlationid"] == "corr-o-4" and detail["data"] == {"id": "o-4"}

    audit, seen = audit_app()
    assert audit.entry_point(delivered, context()) is None
    [message] = seen
    assert message.body == {"id": "o-4"}
    assert message.headers[TOPIC_HEADER] == "orders.created"
    assert message.correlation_id == "corr-o-4"


def consumer(name: str, topic: str) -> Service:
    """A service whose one handler takes any body and does nothing with it."""
    service = Service(name)

    @service.handler(topic)
    def take(body: Any) -> None:
        return None

    return service


def audit_app() -> tuple[App, list[Any]]:
    service = Service("audit")
    seen: list[Any] = []

    @service.handler("orders.audit")
    def audit(message: Message) -> None:
        seen.append(message)

    return App(service, [event("orders.created", "orders.audit")], adapter="aws"), seen


# --------------------------------------------------------------------------- dead letters
def kinesis_record(data: bytes, stream: str) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "logs",
            "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
            "data": base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": 1545084650.987,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
        "eventName": "aws:kinesis:record",
        "awsRegion": HOME,
        "eventSourceARN": f"arn:aws:kinesis:{HOME}:{ACCOUNT}:stream/{stream}",
    }


def test_a_binary_dead_letter_travels_as_base64_marked_with_its_encoding(aws: AwsEnv) -> None:
    """Gzip bytes on a stream are poison (not JSON); SQS holds only text, so the dead letter's
    body is their base64 with x-portside-encoding: base64, and decodes to the very bytes."""
    home = Region(aws, HOME)
    dlq = aws.unique("clicks-dlq")
    url, _ = home.queue(dlq)  # a logical dead-letter name: the queue in the function's region
    service = consumer("clicks", "clicks.record")
    app = App(
        service, [queue("clicks", "clicks.record", dead_letter=dlq, aws={"source": "kinesis"})], adapter="aws"
    )
    data = gzip.compress(b'{"not": "readable as JSON"}')

    assert app.entry_point({"Records": [kinesis_record(data, "clicks")]}, context()) == {
        "batchItemFailures": []
    }

    [parked] = home.receive(url)
    parked_attributes = attributes(parked)
    assert parked_attributes[ENCODING_HEADER] == "base64"
    assert base64.b64decode(parked["Body"]) == data
    assert parked_attributes[SOURCE_HEADER] == "aws:kinesis"
    assert parked_attributes[ERROR_HEADER].startswith("invalid: ")
    assert parked_attributes["partition-key"] == "logs"


def sqs_record(body: str, message_id: str, queue_name: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "handle",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{HOME}:{ACCOUNT}:{queue_name}",
        "awsRegion": HOME,
    }


def test_a_dead_letter_too_large_for_its_target_is_handed_back(
    aws: AwsEnv, caplog: pytest.LogCaptureFixture
) -> None:
    """The producers promised bodies under 200 KB (so SNS may hold the dead letters), then one
    sent 300 KB of poison: it cannot fit, so it goes back to SQS (its redrive policy keeps it)."""
    home = Region(aws, HOME)
    topic_arn, tap = home.tapped_topic(aws.unique("inbox-dead-letters"))
    service = consumer("inbox", "inbox.take")
    binding = queue("inbox", "inbox.take", dead_letter=topic_arn, aws={"max_body_bytes": 200_000})
    app = App(service, [binding], adapter="aws")
    small, huge = "not json", "x" * 300_000

    with portside_logs(caplog) as logged:
        answer = app.entry_point(
            {"Records": [sqs_record(small, "m-small", "inbox"), sqs_record(huge, "m-huge", "inbox")]}, context()
        )

    assert failures(answer) == ["m-huge"]
    [parked] = home.receive(tap)
    assert parked["Body"] == small  # the small one fits and is dead-lettered
    [too_large] = [fields(r) for r in logged if "too large for its dead-letter target" in r.getMessage()]
    assert too_large["message_id"] == "m-huge" and too_large["target"] == topic_arn


def test_a_dead_letter_too_large_for_eventbridge_fails_an_sns_invocation(aws: AwsEnv) -> None:
    """SNS has no partial report: the handed-back message makes the invocation raise."""
    service = consumer("alerts", "alerts.take")
    bus = f"arn:aws:events:{HOME}:{ACCOUNT}:event-bus/dead-letters"
    app = App(service, [subscription("alerts", "alerts.take", dead_letter=bus)], adapter="aws")
    record = {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"arn:aws:sns:{HOME}:{ACCOUNT}:alerts:sub",
        "Sns": {
            "Type": "Notification",
            "MessageId": "sns-huge",
            "TopicArn": f"arn:aws:sns:{HOME}:{ACCOUNT}:alerts",
            "Message": "y" * 262_000,  # fits SNS, not once wrapped in an EventBridge envelope
            "MessageAttributes": {},
        },
    }
    with pytest.raises(DeliveryFailed, match="handed_back, invalid"):
        app.entry_point({"Records": [record]}, context())


def test_dead_letters_resolve_logical_names_with_the_in_memory_publisher_untouched() -> None:
    """A recording publisher (what tests swap in) sees the logical name as the target."""
    service = consumer("inbox", "inbox.take")
    recorder = InMemoryPublisher()
    app = App(
        service, [queue("inbox", "inbox.take", dead_letter="inbox-dlq")], adapter="aws", publisher=recorder
    )
    assert failures(app.entry_point({"Records": [sqs_record("{oops", "m-1", "inbox")]}, context())) == []
    [(parked, target)] = recorder.sent
    assert target == "inbox-dlq" and parked.data == "{oops"
