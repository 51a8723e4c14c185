"""Service Bus trigger (queue or topic subscription): one `func.ServiceBusMessage` per
invocation -> a Batch of one. No I/O.

Application properties become headers (`portside-topic` and `x-correlation-id` among them); the
broker's own `CorrelationId` and `ContentType` are used when the sender set no header. The
attempt count is `DeliveryCount`. `ordered=True` bindings read a session-enabled entity (the
session id orders them).

Outcome: acknowledged or dead-lettered -> return (the host completes the message); retried or
handed back -> raise, so the host abandons it and Service Bus moves it to the entity's
dead-letter queue after its MaxDeliveryCount. Batches (cardinality many) are not offered: the
standard binding completes or abandons a batch as a whole, so one failure would redeliver the
messages that succeeded.
"""

from __future__ import annotations

from typing import Any

import azure.functions as func

from portside import App, Message
from portside.kit import Batch, Inbound, correlation, positive_int, resolve_topic, text, unroutable_reason

from . import native
from .errors import raise_for_redelivery

KIND = "messages"
NAME = "Service Bus"
TRANSPORT = "azure.servicebus"


def matches(event: Any) -> bool:
    return isinstance(event, func.ServiceBusMessage)


def to_batch(app: App, event: func.ServiceBusMessage, context: Any, options: Any) -> Batch:
    binding = options.binding
    ordered = bool(getattr(binding, "ordered", False))
    batch = Batch(app, ordered=ordered)
    batch.add(read(app, event, binding), text(event.message_id) or "", binding=binding,
              group=text(event.session_id) if ordered else None)
    return batch


def to_answer(batch: Batch) -> None:
    raise_for_redelivery(batch, NAME)


def read(app: App, event: func.ServiceBusMessage, binding: Any) -> Message:
    headers = native.property_headers(_properties(event))
    topic = resolve_topic(binding, headers)
    message_id = text(event.message_id)
    content_type = text(event.content_type) or (headers.get("content-type") if headers else None)
    where = f"Service Bus entity {getattr(binding, 'name', '?')!r}"
    return app.receive(Inbound(
        topic,
        event.get_body(),
        transport=TRANSPORT,
        content_type=content_type,
        headers=headers,
        id=message_id,
        correlation_id=correlation(headers, text(event.correlation_id), message_id),
        attempt=positive_int(event.delivery_count),
        raw=event,
        unroutable=None if topic else unroutable_reason(binding, where, "add a binding for it to the startup"),
        lazy=True,
    ))


def _properties(event: func.ServiceBusMessage) -> Any:
    """Application properties (older hosts send them as user properties only)."""
    found: Any = None
    for name in ("application_properties", "user_properties"):
        try:
            found = getattr(event, name)
        except Exception:
            found = None
        if found:
            return found
    return found
