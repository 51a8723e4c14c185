"""The orders example, one scenario, on every adapter it runs on.

The same steps run on the local adapter (through portside's TestClient), on aws (real API
Gateway HTTP API and SQS events through `app.entry_point`, moto standing in for SNS and SQS), on
gcp (the Functions Framework's own app in-process, Pub/Sub push deliveries, the real Pub/Sub
client talking to an in-process gRPC server) and on azure (the generated FunctionApp's
functions called with func.* objects from azure-functions' converters, the real Service Bus
sender with its AMQP link replaced): create, get, cancel twice, a bad body, an unknown route, a
queue message that cannot be processed, a good one, and what reached `orders-events`, which the
app's own subscription then hands to the audit handler.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol

import pytest

from portside import App, HttpRequest, State
from portside.codec import encode_json
from portside.kit import Outgoing
from portside.testing import TestClient

# The function's home, named only by its ARN: not the SDK's default region, not moto's default
# account, so the test fails if the adapter resolves `orders-events` anywhere else.
REGION = "eu-west-1"
ACCOUNT = "111122223333"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"
INBOX_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-inbox"


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class Event:
    """A message as it reached `orders-events`: its topic attribute, body and correlation id."""

    def __init__(self, topic: str, body: Any, correlation_id: str) -> None:
        self.topic = topic
        self.body = body
        self.correlation_id = correlation_id


class Harness(Protocol):
    app: App

    def http(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
        """One HTTP request as the platform delivers it."""

    def queue(self, body: bytes) -> bool:
        """One message on `orders-inbox`; True when the platform is told to redeliver/keep it."""

    def events(self) -> list[Event]:
        """What reached `orders-events` so far, oldest first."""

    def settle_events(self) -> None:
        """Let the platform deliver what reached `orders-events` to the app's subscription."""


class LocalHarness:
    def __init__(self, build: Callable[[str], App]) -> None:
        self.app = build("local")
        self.client = TestClient(self.app)

    def http(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
        response = self.client.request(method, path, data=body, headers=headers)
        return Reply(response.status, dict(response.headers), response.body)

    def queue(self, body: bytes) -> bool:
        binding = self.app.bindings.queue("orders-inbox")
        assert binding is not None
        before = len(self.client.dead_letters)
        settlement = self.client.deliver(binding.topic, body, dead_letter=binding.dead_letter)
        if settlement.redeliver:  # no dead-letter target: handed back, and kept where users see it
            assert settlement.state is State.HANDED_BACK
            assert len(self.client.dead_letters) == before + 1
        return settlement.redeliver

    def events(self) -> list[Event]:
        return [
            Event(m.topic, json.loads(encode_json(m.body)), m.correlation_id)
            for m in self.client.broker.to_target("orders-events")
        ]

    def settle_events(self) -> None:
        # The local channel delivers to the subscription after each call; all were acknowledged.
        audits = [s for s in self.client.settlements if s.message and s.message.topic == "orders.audit"]
        assert audits and all(s.state is State.ACKNOWLEDGED for s in audits)


class LambdaContext:
    """What Lambda passes as `context` (the fields the adapter may read)."""

    function_name = "orders"
    function_version = "$LATEST"
    invoked_function_arn = FUNCTION_ARN
    memory_limit_in_mb = 256

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


class AwsHarness:
    """The aws adapter's real entry point; moto is SNS and SQS. A queue subscribed to the
    `orders-events` topic shows what reached it."""

    def __init__(self, build: Callable[[str], App], stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> None:
        import boto3
        import moto

        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
            "MOTO_ACCOUNT_ID": ACCOUNT,  # what moto serves: the function's account
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
        monkeypatch.delenv("AWS_REGION", raising=False)
        stack.enter_context(moto.mock_aws())
        sns, self.sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        topic_arn = sns.create_topic(Name="orders-events")["TopicArn"]
        assert topic_arn == f"arn:aws:sns:{REGION}:{ACCOUNT}:orders-events"
        self.tap = self.sqs.create_queue(QueueName="orders-events-tap")["QueueUrl"]
        tap_arn = self.sqs.get_queue_attributes(QueueUrl=self.tap, AttributeNames=["QueueArn"])
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=tap_arn["Attributes"]["QueueArn"])
        self.app = build("aws")
        self.received: list[dict[str, Any]] = []  # SNS notifications read from the tap, oldest first

    def http(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
        raw_path, _, query = path.partition("?")
        answer = self.app.entry_point(apigw_v2(method, raw_path, query, body, headers or {}), LambdaContext())
        data = answer.get("body") or ""
        payload = base64.b64decode(data) if answer.get("isBase64Encoded") else data.encode()
        return Reply(answer["statusCode"], answer.get("headers") or {}, payload)

    def queue(self, body: bytes) -> bool:
        record_id = str(uuid.uuid4())
        answer = self.app.entry_point(sqs_event(record_id, body.decode()), LambdaContext())
        failures = [item["itemIdentifier"] for item in answer["batchItemFailures"]]
        assert failures in ([], [record_id])
        return failures == [record_id]

    def events(self) -> list[Event]:
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.tap, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                break
            for message in batch:
                self.received.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.tap, ReceiptHandle=message["ReceiptHandle"])
        events = []
        for note in self.received:
            attributes = {k: v["Value"] for k, v in note.get("MessageAttributes", {}).items()}
            events.append(Event(attributes["portside-topic"], json.loads(note["Message"]),
                                attributes["x-correlation-id"]))
        return events

    def settle_events(self) -> None:
        self.events()
        answer = self.app.entry_point(sns_event(self.received), LambdaContext())
        assert not (answer or {}).get("batchItemFailures")


def apigw_v2(method: str, path: str, query: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event, as AWS sends it."""
    lowered = {k.lower(): v for k, v in headers.items()}
    text = body.decode("utf-8", "replace")
    binary = text.encode() != body
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "api.example.com", "user-agent": "pytest", **lowered},
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "orders-api",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1",
                     "userAgent": "pytest"},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": "02/Dec/2026:11:30:46 +0000",
            "timeEpoch": 1796211046000,
        },
        **({"body": base64.b64encode(body).decode() if binary else text} if body else {}),
        "isBase64Encoded": binary,
    }


def sqs_event(record_id: str, body: str) -> dict[str, Any]:
    return {"Records": [{
        "messageId": record_id,
        "receiptHandle": "AQEB" + record_id,
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1796211046000",
                       "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1796211046001"},
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": INBOX_ARN,
        "awsRegion": REGION,
    }]}


def sns_event(notifications: list[dict[str, Any]]) -> dict[str, Any]:
    """Lambda's SNS event for notifications as SNS delivered them to the tap queue."""
    return {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{note['TopicArn']}:{uuid.uuid4()}",
        "Sns": {
            "Type": "Notification",
            "MessageId": note["MessageId"],
            "TopicArn": note["TopicArn"],
            "Subject": note.get("Subject"),
            "Message": note["Message"],
            "Timestamp": note["Timestamp"],
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertUrl": f"https://sns.{REGION}.amazonaws.com/cert.pem",
            "UnsubscribeUrl": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe",
            "MessageAttributes": note.get("MessageAttributes", {}),
        },
    } for note in notifications]}


MAIN = Path(__file__).with_name("main.py")
# The project the function runs in (as the platform sets GOOGLE_CLOUD_PROJECT): `orders-events`
# must resolve to the topic of that name here, not in a test default.
GCP_PROJECT = "orders-eu-7"
GCP_ORDERS_EVENTS = f"projects/{GCP_PROJECT}/topics/orders-events"
GCP_UNSET = ("PORTSIDE_GCP_SERVE", "PORTSIDE_GCP_AUDIENCE", "PORTSIDE_GCP_INVOKERS", "PORTSIDE_GCP_CERTS_URL",
             "PORTSIDE_GCP_PROJECT", "GCP_PROJECT", "FUNCTION_SIGNATURE_TYPE", "FUNCTION_SOURCE", "ENTRY_POINT")


class GcpHarness:
    """`functions-framework --source main.py --target handler`, in-process: the framework's own
    Flask app (`create_app`) with PORTSIDE_ADAPTER=gcp, driven by the gcp testing kit's request
    builders. Queue messages arrive as Pub/Sub push deliveries to the `orders-inbox`
    subscription. The real google-cloud-pubsub client publishes to an in-process gRPC Publisher
    behind PUBSUB_EMULATOR_HOST; what reached `orders-events` is pushed back to the audit
    subscription."""

    def __init__(self, build: Callable[[str], App], stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> None:
        import functions_framework

        from tests.gcp.test_publisher import FakePubSub

        self.pubsub = FakePubSub()
        stack.callback(self.pubsub.server.stop, None)
        for name in GCP_UNSET:
            monkeypatch.delenv(name, raising=False)
        for name, value in {
            "GOOGLE_CLOUD_PROJECT": GCP_PROJECT, "PORTSIDE_ADAPTER": "gcp", "FUNCTION_TARGET": "handler",
            "PUBSUB_EMULATOR_HOST": f"127.0.0.1:{self.pubsub.port}",
            "NO_GCE_CHECK": "true",  # google-auth must never probe a metadata server here
        }.items():
            monkeypatch.setenv(name, value)
        # load_app makes examples/orders the folder `service` is imported from (the framework
        # only appends the source's folder to sys.path) and empties the shared store.
        isolated = build("gcp")
        # The framework imports the source as module `main` and appends its folder to sys.path.
        monkeypatch.setattr(sys, "path", list(sys.path))
        previous_main = sys.modules.get("main")
        try:
            framework = functions_framework.create_app("handler", str(MAIN))  # type: ignore[no-untyped-call]
            self.app: App = sys.modules["main"].app
        finally:
            if previous_main is None:
                sys.modules.pop("main", None)
            else:
                sys.modules["main"] = previous_main
        assert self.app.adapter_name == "gcp" and self.app.service is isolated.service
        self.kit = self.app.adapter.hook.portside_testing_kit(app=self.app)
        self.kit.client = framework.test_client()  # its requests go through the framework's app
        self.pushed = 0  # messages of orders-events already pushed to the audit subscription

    def http(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
        response = self.kit.send(method, path, headers or {}, body)
        return Reply(response.status, dict(response.headers), response.body)

    def queue(self, body: bytes) -> bool:
        inbox = self.app.bindings.queue("orders-inbox")
        return self.push(inbox, Outgoing(body)) is State.HANDED_BACK

    def push(self, binding: Any, outgoing: Outgoing) -> State:
        """One Pub/Sub push delivery to `binding`'s subscription; the state Pub/Sub reads from
        the answer (any 2xx acknowledges; 500, a handed-back message, is redelivered)."""
        from portside_gcp.testing_kit import state_of

        method, path, headers, data = self.kit.native("pubsub_push", binding, outgoing)
        answer = self.kit.send(method, path, headers, data)
        state = state_of(answer)
        assert state in (State.ACKNOWLEDGED, State.HANDED_BACK), (answer.status, answer.body)
        assert (answer.status == 500) is (state is State.HANDED_BACK)
        return state

    def events(self) -> list[Event]:
        events = []
        for topic, message in self.pubsub.messages():
            assert topic == GCP_ORDERS_EVENTS
            attributes = dict(message.attributes)
            events.append(Event(attributes["portside-topic"], json.loads(message.data),
                                attributes["x-correlation-id"]))
        return events

    def settle_events(self) -> None:
        audit = self.app.bindings.subscription("orders-events")
        published = self.pubsub.messages()
        for _, message in published[self.pushed:]:
            outgoing = Outgoing(message.data, dict(message.attributes), group=message.ordering_key or None)
            assert self.push(audit, outgoing) is State.ACKNOWLEDGED
        self.pushed = len(published)


SERVICE_BUS = "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=a2V5"


class AzureHarness:
    """The azure adapter's generated FunctionApp (`app.entry_point`): each step calls the Python
    function the worker calls for its trigger, with the func.* object azure-functions' own
    converters build (the azure testing kit's builders), and reads HTTP answers back as the
    worker encodes them. `orders-events` is a Service Bus topic: the real azure-servicebus
    sender publishes, its AMQP link replaced; what went on the wire is delivered to the audit
    subscription's function as Service Bus messages."""

    def __init__(self, build: Callable[[str], App], stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> None:
        from azure.servicebus import ServiceBusSender

        from portside_azure.functionapp import generated
        from tests.azure.test_publisher import FakeLink

        monkeypatch.delenv("PORTSIDE_AZURE_AUTH_LEVEL", raising=False)
        monkeypatch.setenv("ServiceBusConnection", SERVICE_BUS)
        self.links: dict[str, FakeLink] = {}  # Service Bus entity -> what its sender put on the wire

        def open_link(sender: Any, timeout: Any = None) -> None:
            sender._handler, sender._running = self.links.setdefault(sender.entity_name, FakeLink()), True

        monkeypatch.setattr(ServiceBusSender, "_open", open_link)
        self.app = build("azure")
        self.functions = {
            (spec.kind, getattr(spec.binding, "name", None)): (spec.name, function)
            for spec, function in generated(self.app.entry_point).values()
        }
        self.delivered = 0  # messages of orders-events already delivered to the audit subscription

    def call(self, kind: str, binding: str | None, native: Any) -> Any:
        """Invoke the generated function for (trigger kind, binding name) as the worker does."""
        from portside_azure.testing_kit import Context

        name, function = self.functions[(kind, binding)]
        return function(native, Context(name))

    def http(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
        from portside_azure.testing_kit import http_request, http_response

        native = http_request(HttpRequest.from_url(method, path, headers or {}, body))
        response = http_response(self.call("http", None, native))
        return Reply(response.status, dict(response.headers), response.body)

    def queue(self, body: bytes) -> bool:
        """A Storage queue message; a function that raises has the host make it visible again
        (then `orders-inbox-poison` after maxDequeueCount)."""
        from portside_azure.errors import RedeliveryRequested
        from portside_azure.testing_kit import build as native

        inbox = self.app.bindings.queue("orders-inbox")
        try:
            self.call("storage_queue", "orders-inbox", native("storage_queue", inbox, Outgoing(body)))
        except RedeliveryRequested as exc:
            assert exc.states == [State.HANDED_BACK], exc.states
            return True
        return False

    def wire(self) -> list[tuple[dict[str, str], bytes, str]]:
        """(application properties, body, message id) of each message sent to `orders-events`."""
        assert set(self.links) <= {"orders-events"}, sorted(self.links)
        link = self.links.get("orders-events")
        return [(
            {_text(k): _text(v) for k, v in message.application_properties.items()},
            b"".join(message.data),
            _text(message.properties.message_id),
        ) for message in (link.sent if link else [])]

    def events(self) -> list[Event]:
        return [Event(properties["portside-topic"], json.loads(body), properties["x-correlation-id"])
                for properties, body, _ in self.wire()]

    def settle_events(self) -> None:
        from portside_azure.testing_kit import build as native

        audit = self.app.bindings.subscription("orders-events")
        sent = self.wire()
        for properties, body, message_id in sent[self.delivered:]:
            message = native("servicebus_topic", audit, Outgoing(body, properties, id=message_id))
            assert self.call("servicebus_topic", "orders-events", message) is None
        self.delivered = len(sent)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


@pytest.fixture(params=["local", "aws", "gcp", "azure"])
def harness(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, orders_app: Callable[[str], App]
) -> Iterator[Harness]:
    with ExitStack() as stack:
        if request.param == "local":
            local = LocalHarness(orders_app)
            stack.callback(local.client.close)
            yield local
        elif request.param == "aws":
            yield AwsHarness(orders_app, stack, monkeypatch)
        elif request.param == "gcp":
            yield GcpHarness(orders_app, stack, monkeypatch)
        else:
            yield AzureHarness(orders_app, stack, monkeypatch)


JSON = {"content-type": "application/json"}


def test_orders_scenario(harness: Harness, audit_entries: Callable[[App], list[tuple[str, str, str]]]) -> None:
    # create
    created = harness.http("POST", "/orders", b'{"sku": "A1", "qty": 2}', JSON)
    assert created.status == 201, created.body
    order = created.json()
    assert order["status"] == "open" and order["sku"] == "A1" and order["qty"] == 2
    assert created.headers["location"] == f"/orders/{order['id']}"
    assert created.headers["x-correlation-id"]

    # get (a trailing slash is the same path)
    got = harness.http("GET", f"/orders/{order['id']}/")
    assert got.status == 200 and got.json() == order

    # cancel twice: the repeat answers 200 with the cancelled order and publishes again
    first = harness.http("POST", f"/orders/{order['id']}/cancel")
    again = harness.http("POST", f"/orders/{order['id']}/cancel")
    assert first.status == again.status == 200
    assert first.json() == again.json() == {**order, "status": "cancelled"}

    # bad body: every failing field named, in the JSON error format; nothing published
    before = len(harness.events())
    bad = harness.http("POST", "/orders", b'{"sku": "", "qty": 5000}', JSON)
    assert bad.status == 400
    error = bad.json()["error"]
    assert {e["field"] for e in error["errors"]} == {"sku", "qty"}
    assert error["correlation_id"] == bad.headers["x-correlation-id"]
    malformed = harness.http("POST", "/orders", b"{not json", JSON)
    assert malformed.status == 400 and malformed.json()["error"]["errors"][0]["code"] == "malformed_json"

    # unknown route and wrong method
    assert harness.http("GET", "/nope").status == 404
    assert harness.http("GET", "/orders/missing").status == 404
    wrong = harness.http("PUT", "/orders")
    assert wrong.status == 405 and wrong.headers["allow"] == "POST"

    # a queue message the service cannot process is handed back, never acknowledged
    assert harness.queue(b"not json") is True
    assert harness.queue(b'{"sku": "B2"}') is True
    assert len(harness.events()) == before
    # a good one is acknowledged and its order created
    assert harness.queue(b'{"sku": "B2", "qty": 1}') is False

    # what reached orders-events: every event, in order, with the request's correlation id
    events = harness.events()
    expected_topics = ["orders.created", "orders.cancelled", "orders.cancelled", "orders.created"]
    assert [e.topic for e in events] == expected_topics
    assert events[0].body == order and events[0].correlation_id == created.headers["x-correlation-id"]
    assert events[1].body["status"] == events[2].body["status"] == "cancelled"
    assert events[3].body["sku"] == "B2"

    # ...and the app's own subscription handed each to the audit handler
    harness.settle_events()
    assert audit_entries(harness.app) == [
        ("orders.created", order["id"], "open"),
        ("orders.cancelled", order["id"], "cancelled"),
        ("orders.cancelled", order["id"], "cancelled"),
        ("orders.created", events[3].body["id"], "open"),
    ]


def test_direct_send_and_replay(portside_client: TestClient) -> None:
    """`send` dispatches like a direct invocation; only declared topics are published."""
    result = portside_client.send("orders.create", {"sku": "C3", "qty": 3})
    assert result.status.value == "created"
    assert result.payload is not None and result.payload.sku == "C3"
    assert [m.topic for m in portside_client.published] == ["orders.created"]
    [replayed] = portside_client.replay({"topic": "orders.get", "body": {"id": result.payload.id}})
    assert replayed.payload == result.payload
