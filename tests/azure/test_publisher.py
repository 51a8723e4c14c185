"""Outbound: the Storage queue publisher against a real Azurite; Service Bus and Event Grid at
their client library's boundary (the AMQP link / the HTTP transport replaced, no network)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from azure.functions import meta
from azure.functions.queue import QueueMessageInConverter

from portside import App, Message, PublishError, Service, destination, queue
from portside.kit import TooLarge
from portside_azure.publisher import Address, AzurePublisher
from tests.azure import azurite


def make_app() -> App:
    service = Service("shop")

    @service.handler("orders.create")
    def create(body: dict[str, Any]) -> None: ...

    return App(
        service,
        [
            queue("audit", "orders.create"),
            destination("orders.audit", "audit", channel="queue"),
            destination("orders.created", "orders-events"),
            destination(
                "orders.sb", "jobs", channel="queue", azure={"service": "servicebus", "connection": "JobsBus"}
            ),
            destination("orders.grid", "orders-grid", channel="events"),
        ],
        adapter="azure",
    )


@pytest.fixture(scope="module")
def storage() -> Iterator[str]:
    with azurite.queue_service() as connection:
        yield connection


def test_targets_resolve_by_channel_and_options() -> None:
    publisher = AzurePublisher(make_app(), environ={})
    assert publisher.address_of("audit") == Address("storage-queue", "audit", "AzureWebJobsStorage")
    assert publisher.address_of("orders-events") == Address(
        "servicebus-topic", "orders-events", "ServiceBusConnection"
    )
    assert publisher.address_of("jobs") == Address("servicebus-queue", "jobs", "JobsBus")
    assert publisher.address_of("orders-grid") == Address("eventgrid", "orders-grid", "EventGridTopic")
    parked = Message("orders.create", {"a": 1}, transport="dead-letter")
    assert publisher.address_of("poison", parked) == Address("storage-queue", "poison", "AzureWebJobsStorage")


def test_a_missing_connection_setting_says_which_to_set() -> None:
    publisher = AzurePublisher(make_app(), environ={})
    with pytest.raises(PublishError, match="set the app setting ServiceBusConnection"):
        publisher.publish(Message("orders.created", {"id": 1}), "orders-events")


def test_storage_queue_round_trip_through_azurite(storage: str) -> None:
    from azure.storage.queue import QueueClient

    app = make_app()
    QueueClient.from_connection_string(storage, "audit").create_queue()
    publisher = AzurePublisher(app, environ={"AzureWebJobsStorage": storage})
    sent = Message(
        "orders.audit", {"order": "o-1", "total": 12.5}, headers={"x-tenant": "t-1"}, correlation_id="corr-42"
    )
    publisher.publish(sent, "audit")
    reader = QueueClient.from_connection_string(storage, "audit")
    [received] = list(reader.receive_messages(messages_per_page=1, max_messages=1))
    # What the host does before the worker: base64-decode the text, then the trigger metadata.
    datum = meta.Datum(base64.b64decode(received.content).decode("utf-8"), "string")
    native = QueueMessageInConverter.decode(
        datum,
        trigger_metadata={
            "Id": meta.Datum(received.id, "string"),
            "DequeueCount": meta.Datum(received.dequeue_count, "int"),
            "InsertionTime": meta.Datum(received.inserted_on.isoformat(), "string"),
            "ExpirationTime": meta.Datum(received.expires_on.isoformat(), "string"),
            "NextVisibleTime": meta.Datum(received.next_visible_on.isoformat(), "string"),
            "PopReceipt": meta.Datum(received.pop_receipt, "string"),
        },
    )
    [message] = app.translate(("queue_audit", native))
    assert message.topic == "orders.create"  # the binding's topic decides
    assert message.headers["portside-topic"] == "orders.audit"
    assert message.body == {"order": "o-1", "total": 12.5}
    assert message.correlation_id == "corr-42" and message.id == sent.id
    assert message.headers["xtenant"] == "t-1" and message.attempt == 1


def test_storage_queue_refuses_what_cannot_fit(storage: str) -> None:
    publisher = AzurePublisher(make_app(), environ={"AzureWebJobsStorage": storage})
    with pytest.raises(TooLarge):
        publisher.publish(Message("orders.audit", "x" * 60_000), "audit")


class FakeLink:
    """Stands in for the AMQP send link: what would go on the wire."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send_message(self, message: Any, timeout: Any = None) -> None:
        self.sent.append(message)

    def close(self) -> None: ...


def test_service_bus_message_on_the_wire(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.servicebus import ServiceBusSender

    link = FakeLink()

    def open_link(self: Any, timeout: Any = None) -> None:
        self._handler, self._running = link, True

    monkeypatch.setattr(ServiceBusSender, "_open", open_link)
    connection = "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=a2V5"
    publisher = AzurePublisher(make_app(), environ={"ServiceBusConnection": connection, "JobsBus": connection})
    publisher.publish(
        Message("orders.created", {"id": "o-1"}, headers={"message-group-id": "o-1"}, correlation_id="corr-1"),
        "orders-events",
    )
    publisher.publish(
        Message("orders.sb", b"\xff\x00raw", headers={"content-type": "application/octet-stream"}), "jobs"
    )
    first, second = link.sent
    properties = {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in first.application_properties.items()
    }
    assert properties["portside-topic"] == "orders.created" and properties["x-correlation-id"] == "corr-1"
    assert first.properties.correlation_id in (b"corr-1", "corr-1")
    assert first.properties.group_id in (b"o-1", "o-1")  # the session id
    assert b"".join(first.data) == b'{"id":"o-1"}'
    assert b"".join(second.data) == b"\xff\x00raw"  # binary bodies stay bytes


class FakeTransport:
    """An azure-core HTTP transport that answers 200 and keeps the requests."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def __enter__(self) -> FakeTransport:
        return self

    def __exit__(self, *args: Any) -> None: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def send(self, request: Any, **kwargs: Any) -> Any:
        from azure.core.pipeline.transport import HttpResponse

        self.requests.append(request)

        class Response(HttpResponse):
            def body(self) -> bytes:
                return b""

        response = Response(request, None)
        response.status_code = 200
        response.headers = {}
        response.reason = "OK"
        response.content_type = None
        return response


def test_event_grid_cloudevent_over_http(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.core.pipeline.transport import RequestsTransport

    transport = FakeTransport()  # the client gives basic topics no transport option: replace the default one
    monkeypatch.setattr(RequestsTransport, "send", lambda self, request, **kwargs: transport.send(request))
    publisher = AzurePublisher(
        make_app(),
        environ={
            "EventGridTopicEndpoint": "https://{name}.westeurope-1.eventgrid.azure.net/api/events",
            "EventGridTopicKey": "a2V5",
        },
    )
    publisher.publish(Message("orders.grid", {"id": "o-2"}, correlation_id="corr-2"), "orders-grid")
    [request] = transport.requests
    assert request.url.startswith("https://orders-grid.westeurope-1.eventgrid.azure.net/api/events")
    assert request.headers["aeg-sas-key"] == "a2V5"
    [event] = json.loads(request.body if isinstance(request.body, (bytes, str)) else request.content)
    assert event["type"] == "orders.grid" and event["data"] == {"id": "o-2"}
    assert event["correlationid"] == "corr-2" and event["specversion"] == "1.0"
