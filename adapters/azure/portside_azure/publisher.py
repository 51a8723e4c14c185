"""Outbound publishing on Azure: logical destination names resolve to Azure entities.

- `destination(t, "orders-events")` (channel "topic", the default): the Service Bus topic
  `orders-events`, connection setting `ServiceBusConnection`;
- `destination(t, "audit", channel="queue")`: the Storage queue `audit`, `AzureWebJobsStorage`
  (with `azure={"service": "servicebus"}`: the Service Bus queue, `ServiceBusConnection`);
- `destination(t, "orders", channel="events")`: an Event Grid topic (CloudEvents schema),
  settings `EventGridTopicEndpoint` (`{name}` in it becomes the target's name) and
  `EventGridTopicKey`;
- `dead_letter="orders-poison"` (a binding's or the App's): the Storage queue `orders-poison`.

`azure={"connection": "OtherSetting"}` on a destination names another setting (for Event Grid a
prefix: `OtherSettingEndpoint`, `OtherSettingKey`). Every message carries its neutral topic and
correlation id: application properties on Service Bus (`portside-topic`, `x-correlation-id`,
then its other headers; binary bodies stay bytes), a CloudEvents envelope on Storage queues
(base64 text, as the queue trigger decodes it) and Event Grid (extension `correlationid`). Each
SDK (azure-storage-queue, azure-servicebus, azure-eventgrid) is imported on its first publish
only; clients are made once per entity and reused.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from portside import Message, PublishError, TransportKind
from portside.kit import PublisherBase, TooLarge

from . import options as opts

if TYPE_CHECKING:
    from portside import App

STORAGE_QUEUE, SERVICEBUS_TOPIC = "storage-queue", "servicebus-topic"
SERVICEBUS_QUEUE, EVENTGRID = "servicebus-queue", "eventgrid"
GROUP_HEADER = "message-group-id"  # the sender's ordering key: a Service Bus session id
STORAGE_QUEUE_LIMIT = 64 * 1024  # bytes of (base64) message text
SERVICEBUS_LIMIT = 256 * 1024  # the standard tier's message size
EVENTGRID_LIMIT = 1024 * 1024  # one event


class Address:
    """Where a target resolves: the service, the entity's name and its connection setting."""

    __slots__ = ("connection", "name", "service")

    def __init__(self, service: str, name: str, connection: str) -> None:
        self.service = service
        self.name = name
        self.connection = connection

    def __repr__(self) -> str:
        return f"Address({self.service}, {self.name!r}, connection={self.connection!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Address) and (self.service, self.name, self.connection) == (
            other.service, other.name, other.connection)

    def __hash__(self) -> int:
        return hash((self.service, self.name, self.connection))


class AzurePublisher(PublisherBase):
    """The `Publisher` of the azure adapter. Thread-safe; one per App.

    `environ` (default os.environ) holds the connection app settings; `client_kwargs` are passed
    to each SDK client's constructor per service (`{"eventgrid": {"transport": ...}}`), for
    custom pipelines and tests."""

    def __init__(
        self,
        app: App,
        *,
        environ: Mapping[str, str] | None = None,
        client_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(app)
        self.environ = environ if environ is not None else os.environ
        self.client_kwargs = {k: dict(v) for k, v in (client_kwargs or {}).items()}
        self.source = f"portside/{app.service.name}"
        self._clients: dict[Address, Any] = {}
        self._client_lock = threading.Lock()

    # ------------------------------------------------------------------ PublisherBase
    def resolve(self, target: str, channel: str) -> Address:
        binding = self._destination(target)
        if channel == "events":
            return Address(EVENTGRID, target, _connection(binding, opts.EVENTGRID))
        if channel == "queue":
            service = opts.of(binding).get("service", opts.STORAGE) if binding is not None else opts.STORAGE
            if service == opts.SERVICEBUS:
                return Address(SERVICEBUS_QUEUE, target, _connection(binding, opts.SERVICEBUS))
            return Address(STORAGE_QUEUE, target, _connection(binding, opts.STORAGE))
        return Address(SERVICEBUS_TOPIC, target, _connection(binding, opts.SERVICEBUS))

    def send(self, address: Address, message: Message) -> None:
        try:
            if address.service == STORAGE_QUEUE:
                self._storage_queue(address, message)
            elif address.service == EVENTGRID:
                self._eventgrid(address, message)
            else:
                self._servicebus(address, message)
        except (PublishError, TooLarge):
            raise
        except Exception as exc:
            raise PublishError(
                f"publishing {message.topic!r} to {address.service} {address.name!r} failed: "
                f"{type(exc).__name__}: {_first_line(exc)}"
            ) from None

    # ------------------------------------------------------------------ services
    def _storage_queue(self, address: Address, message: Message) -> None:
        document = self.envelope(message, self.source)
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        # The queue trigger decodes base64 text (host.json messageEncoding "base64", the default).
        encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
        if len(encoded) > STORAGE_QUEUE_LIMIT:
            raise TooLarge(
                f"{len(encoded)} bytes of base64 text exceed a Storage queue message's {STORAGE_QUEUE_LIMIT}"
            )
        self._client(address, self._new_queue_client).send_message(encoded)

    def _servicebus(self, address: Address, message: Message) -> None:
        from azure.servicebus import ServiceBusMessage

        text, encoding = self.body_text(message)
        body: bytes | str = base64.b64decode(text) if encoding == "base64" else text
        properties: dict[str | bytes, Any] = dict(self.attributes(message))
        size = len(body) + sum(len(str(k)) + len(str(v)) for k, v in properties.items())
        if size > SERVICEBUS_LIMIT:
            raise TooLarge(f"about {size} bytes exceed a Service Bus message's {SERVICEBUS_LIMIT}")
        content_type = message.headers.get_lowercase("content-type")
        if content_type is None and isinstance(body, str) and encoding is None:
            content_type = "application/json" if _looks_json(body) else "text/plain; charset=utf-8"
        native = ServiceBusMessage(
            body,
            content_type=content_type,
            correlation_id=message.correlation_id,
            message_id=message.id,
            application_properties=properties,
            session_id=message.headers.get_lowercase(GROUP_HEADER),
        )
        self._client(address, self._new_servicebus_sender).send_messages(native)

    def _eventgrid(self, address: Address, message: Message) -> None:
        document = self.envelope(message, self.source)
        size = len(json.dumps(document, separators=(",", ":")).encode("utf-8"))
        if size > EVENTGRID_LIMIT:
            raise TooLarge(f"{size} bytes exceed an Event Grid event's {EVENTGRID_LIMIT}")
        self._client(address, self._new_eventgrid_client).send(document)

    # ------------------------------------------------------------------ clients
    def _client(self, address: Address, make: Callable[[Address], Any]) -> Any:
        client = self._clients.get(address)
        if client is None:
            with self._client_lock:
                client = self._clients.get(address)
                if client is None:
                    client = self._clients[address] = make(address)
        return client

    def _setting(self, name: str, address: Address) -> str:
        value = self.environ.get(name)
        if not value:
            raise PublishError(
                f"publishing to {address.service} {address.name!r}: set the app setting {name} (a "
                "connection string), or name another setting with azure={'connection': '<setting>'} "
                "on the destination"
            )
        return value

    def _new_queue_client(self, address: Address) -> Any:
        from azure.storage.queue import QueueClient

        connection = self._setting(address.connection, address)
        kwargs = self.client_kwargs.get(opts.STORAGE, {})
        return QueueClient.from_connection_string(connection, address.name, **kwargs)

    def _new_servicebus_sender(self, address: Address) -> Any:
        from azure.servicebus import ServiceBusClient

        connection = self._setting(address.connection, address)
        kwargs = self.client_kwargs.get(opts.SERVICEBUS, {})
        client = ServiceBusClient.from_connection_string(connection, **kwargs)
        if address.service == SERVICEBUS_QUEUE:
            return client.get_queue_sender(address.name)
        return client.get_topic_sender(address.name)

    def _new_eventgrid_client(self, address: Address) -> Any:
        from azure.core.credentials import AzureKeyCredential
        from azure.eventgrid import EventGridPublisherClient

        endpoint = self._setting(f"{address.connection}Endpoint", address).replace("{name}", address.name)
        key = self._setting(f"{address.connection}Key", address)
        kwargs = self.client_kwargs.get(opts.EVENTGRID, {})
        return EventGridPublisherClient(endpoint, AzureKeyCredential(key), **kwargs)

    def _destination(self, target: str) -> Any:
        for binding in self.app.bindings.of_kind(TransportKind.DESTINATION):
            if binding.target == target:  # type: ignore[union-attr]
                return binding
        return None


def _connection(binding: Any, service: str) -> str:
    return opts.connection(binding, service) if binding is not None else opts.CONNECTIONS[service]


def _looks_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]
