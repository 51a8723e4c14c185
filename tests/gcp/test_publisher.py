"""The Pub/Sub publisher at the client boundary: the real google-cloud-pubsub client, pointed by
PUBSUB_EMULATOR_HOST at an in-process gRPC server on 127.0.0.1 that speaks the Publisher API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent import futures
from types import ModuleType
from typing import Any

import pytest

from portside import App, Message, PublishError, Service, StartupError, State, destination, http
from portside.kit import Outgoing, TooLarge
from portside_gcp.publisher import PubSubPublisher

from .conftest import PROJECT


class FakePubSub:
    """google.pubsub.v1.Publisher/Publish, recording requests; `fail` makes it answer NOT_FOUND."""

    def __init__(self) -> None:
        import grpc
        from google.pubsub_v1.types import PublishRequest, PublishResponse

        self.requests: list[Any] = []
        self.fail = False

        def publish(request: Any, context: Any) -> Any:
            if self.fail:
                context.abort(grpc.StatusCode.NOT_FOUND, f"Resource not found (resource={request.topic})")
            self.requests.append(request)
            return PublishResponse(message_ids=[f"id-{i}" for i in range(len(request.messages))])

        handler = grpc.method_handlers_generic_handler("google.pubsub.v1.Publisher", {
            "Publish": grpc.unary_unary_rpc_method_handler(
                publish, request_deserializer=PublishRequest.deserialize,
                response_serializer=PublishResponse.serialize),
        })
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        self.server.add_generic_rpc_handlers((handler,))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def messages(self) -> list[tuple[str, Any]]:
        return [(request.topic, message) for request in self.requests for message in request.messages]


@pytest.fixture
def pubsub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePubSub]:
    fake = FakePubSub()
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", f"127.0.0.1:{fake.port}")
    monkeypatch.setenv("NO_GCE_CHECK", "true")  # google-auth must never probe a metadata server here
    try:
        yield fake
    finally:
        fake.server.stop(grace=None)


@pytest.fixture
def live(main: ModuleType, pubsub: FakePubSub) -> App:
    built: App = main.build()  # its publisher is the real PubSubPublisher
    assert isinstance(built.publisher, PubSubPublisher)
    return built


def test_a_handler_publishes_to_the_topic_of_its_destination(live: App, pubsub: FakePubSub) -> None:
    kit = live.adapter.hook.portside_testing_kit(app=live)
    response = kit.send("POST", "/orders", {"content-type": "application/json", "x-correlation-id": "corr-1"},
                        b'{"id": "o-7", "qty": 2}')
    assert response.status == 201
    [(topic, message)] = pubsub.messages()
    assert topic == f"projects/{PROJECT}/topics/orders-events"
    assert json.loads(message.data) == {"id": "o-7"}
    assert message.attributes["portside-topic"] == "orders.created"
    assert message.attributes["x-correlation-id"] == "corr-1"


def test_ordering_key_and_bytes(live: App, pubsub: FakePubSub) -> None:
    publisher = PubSubPublisher(live)
    publisher.publish(Message("t.x", b"\x00\xffraw", {"message-group-id": "key-1", "k": "v"}),
                      "projects/other-project/topics/raw")
    [(topic, message)] = pubsub.messages()
    assert topic == "projects/other-project/topics/raw"
    assert message.data == b"\x00\xffraw" and message.ordering_key == "key-1"
    assert message.attributes["k"] == "v" and "x-portside-encoding" not in message.attributes


def test_failure_raises_publish_error_and_the_key_resumes(live: App, pubsub: FakePubSub) -> None:
    publisher = PubSubPublisher(live)
    pubsub.fail = True
    with pytest.raises(PublishError, match="projects/portside-test/topics/gone"):
        publisher.publish(Message("t", {"a": 1}, {"message-group-id": "k"}), "gone")
    pubsub.fail = False
    publisher.publish(Message("t", {"a": 2}, {"message-group-id": "k"}), "gone")
    assert [json.loads(m.data) for _, m in pubsub.messages()] == [{"a": 2}]


def test_too_large_for_pubsub(live: App, pubsub: FakePubSub) -> None:
    with pytest.raises(TooLarge):
        PubSubPublisher(live).publish(Message("t", b"x" * (10 * 1000 * 1000 + 1)), "big")
    assert pubsub.messages() == []


def test_dead_lettering_goes_through_pubsub(live: App, pubsub: FakePubSub) -> None:
    kit = live.adapter.hook.portside_testing_kit(app=live)
    previous = live.publisher
    answer = kit.send("POST", "/", {"content-type": "application/json"}, json.dumps({
        "message": {"data": "eyJpZCI6ICJkIiwgInF0eSI6IC0xfQ==", "messageId": "p-1"},
        "subscription": "projects/p/subscriptions/parked-inbox"}).encode())
    assert live.publisher is previous
    assert answer.status == 200 and answer.headers["x-portside-delivery"] == State.DEAD_LETTERED.value
    [(topic, message)] = pubsub.messages()
    assert topic == f"projects/{PROJECT}/topics/orders-dead"
    assert message.data == b'{"id": "d", "qty": -1}'
    assert message.attributes["x-portside-error"].startswith("invalid")
    assert message.attributes["x-portside-source"] == "gcp:pubsub"


def test_no_project_is_a_clear_error(live: App, pubsub: FakePubSub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/portside-test-credentials.json")
    with pytest.raises(PublishError, match="set GOOGLE_CLOUD_PROJECT"):
        PubSubPublisher(live).publish(Message("t", {}), "somewhere")


service = Service("targets")


@service.handler("t")
def handle() -> None:
    return None


def test_native_topic_paths_are_accepted_and_other_ids_refused() -> None:
    App(service, [http("GET /t", "t"), destination("t", "projects/other-project/topics/events")], adapter="gcp")
    with pytest.raises(StartupError, match="native identifier"):
        App(service, [http("GET /t", "t"), destination("t", "arn:aws:sns:us-east-1:1:x")], adapter="gcp")
    with pytest.raises(StartupError, match="cannot be a Pub/Sub topic name"):
        App(service, [http("GET /t", "t"), destination("t", "goog-events")], adapter="gcp")


def test_the_kit_records_instead_of_publishing(app: App, pubsub: FakePubSub) -> None:
    kit = app.adapter.hook.portside_testing_kit(app=app)
    inbox = app.bindings.queue("orders-inbox")
    delivered = kit.deliver("pubsub_push", inbox, [Outgoing(b'{"id": "r", "qty": 1}')])
    assert [target for _, target in delivered.published] == ["orders-events"]
    assert pubsub.messages() == []
