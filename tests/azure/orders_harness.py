"""The orders example on the azure adapter, through its generated functions: a Harness with the
same steps as examples/orders/test_orders.py (http, queue, events, settle_events).

`orders-events` is a Service Bus topic on Azure: what reaches it is kept as the publisher would
send it (body text plus application properties) and delivered to the app's own subscription
function as Service Bus messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from portside import App, HttpRequest, InMemoryPublisher, Message
from portside.codec import encode_json
from portside.kit import Outgoing
from portside.startup import load_app
from portside_azure.publisher import AzurePublisher
from portside_azure.testing_kit import AzureTestingKit

MAIN = Path(__file__).resolve().parents[2] / "examples" / "orders" / "main.py"


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class Event:
    def __init__(self, topic: str, body: Any, correlation_id: str) -> None:
        self.topic = topic
        self.body = body
        self.correlation_id = correlation_id


def fresh_orders_app() -> App:
    app = load_app(MAIN, adapter="azure")
    namespace = app.service.handlers["orders.create"].fn.__globals__
    namespace["store"].clear()
    namespace["audit_log"].clear()
    return app


def audit_entries(app: App) -> list[tuple[str, str, str]]:
    return list(app.service.handlers["orders.create"].fn.__globals__["audit_log"].entries)


class AzureHarness:
    def __init__(self) -> None:
        self.app = fresh_orders_app()
        self.outbox = InMemoryPublisher()
        self.app.publisher = self.outbox
        self.kit = AzureTestingKit(self.app, key="function-key")
        self.sent: list[tuple[Message, str | None]] = []
        self.delivered = 0

    def http(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
        raw_path, _, query = path.partition("?")
        request = HttpRequest(method, raw_path, headers or {}, parse_qs(query, keep_blank_values=True), body)
        response = self.kit.http("http", request)
        self.sent.extend(self.kit.published)  # what the handler published, as the kit recorded it
        return Reply(response.status, dict(response.headers), response.body)

    def queue(self, body: bytes) -> bool:
        binding = self.app.bindings.queue("orders-inbox")
        delivered = self.kit.deliver("storage_queue", binding, [Outgoing(body)])
        self.sent.extend(delivered.published)
        return bool(delivered.redelivered)

    def _collect(self) -> None:
        self.sent.extend(self.outbox.sent)
        self.outbox.clear()

    def to_events(self) -> list[Message]:
        self._collect()
        return [m for m, target in self.sent if target == "orders-events"]

    def events(self) -> list[Event]:
        return [Event(m.topic, json.loads(encode_json(m.body)), m.correlation_id) for m in self.to_events()]

    def settle_events(self) -> None:
        """Deliver what reached the topic to the app's subscription, as Service Bus messages."""
        pending = self.to_events()[self.delivered :]
        outgoing = []
        for message in pending:
            text, pairs = AzurePublisher.text_and_attributes(message)
            outgoing.append(Outgoing(text, dict(pairs), id=message.id))
        binding = self.app.bindings.subscription("orders-events")
        delivered = self.kit.deliver("servicebus_topic", binding, outgoing)
        assert not delivered.redelivered, delivered
        self.delivered += len(pending)
