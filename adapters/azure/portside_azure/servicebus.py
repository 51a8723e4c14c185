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

When the binding's handler has a lane (portside.lanes), `fast_path` serves the common message
(a JSON body within the cheap limits, no content type but JSON's) without Message or Batch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import azure.functions as func
from azure.functions import servicebus as converted

from portside import App, Message, Result
from portside.kit import (
    Batch,
    EntryPoint,
    Inbound,
    correlation,
    positive_int,
    resolve_topic,
    text,
    unroutable_reason,
)

from . import native
from .errors import raise_for_redelivery

KIND = "messages"
NAME = "Service Bus"
TRANSPORT = "azure.servicebus"
_JSON = "application/json"
# The message classes the worker builds (its converter's) or a test does; a subclass of them may
# read differently, so it takes the general path.
_MESSAGES = (converted.ServiceBusMessage, func.ServiceBusMessage)


def matches(event: Any) -> bool:
    return isinstance(event, func.ServiceBusMessage)


def to_batch(app: App, event: func.ServiceBusMessage, context: Any, options: Any) -> Batch:
    binding = options.binding
    return one(app, read(app, event, binding), event, binding)


def one(app: App, message: Message, event: Any, binding: Any, result: Result[Any] | None = None) -> Batch:
    """The Batch of an invocation's one message; `result`: its handler already ran (a lane)."""
    ordered = bool(getattr(binding, "ordered", False))
    batch = Batch(app, ordered=ordered)
    batch.add(message, text(event.message_id) or "", binding=binding,
              group=text(event.session_id) if ordered else None, result=result)
    return batch


def fast_path(entry: EntryPoint, binding: Any) -> Callable[[Any, Any], Any] | None:
    """The function's fast path when `binding`'s handler has a lane (see `native.fast_path`).
    Properties such as `portside-topic` and `x-correlation-id` change nothing a lane's handler
    sees (the binding's topic decides); one message settles alike in an ordered binding."""
    return native.fast_path(entry, binding, _SHAPE, common_body)


def common_body(event: Any) -> bytes | None:
    """The body of a message `read` would decode as deferred JSON, else None: a message of the
    worker's class whose content type is JSON or none, with no `content-type` property."""
    if type(event) not in _MESSAGES:
        return None
    content_type = event.content_type
    data = event.get_body()
    if (content_type and content_type != _JSON) or type(data) is not bytes or not plain(_properties(event)):
        return None
    return data


def plain(properties: Any) -> bool:
    """True when application properties cannot change how the body is read: none, or a dict
    without a `content-type` (read when the broker's ContentType is not set)."""
    if not properties:
        return True
    if type(properties) is not dict:
        return False
    return not any(type(name) is str and name.lower() == "content-type" for name in properties)


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


_SHAPE = sys.modules[__name__]  # what the EntryPoint reads and answers with
