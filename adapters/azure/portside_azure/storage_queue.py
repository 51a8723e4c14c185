"""Storage queue trigger: one `func.QueueMessage` per invocation -> a Batch of one. No I/O.

The host decodes the queue's base64 text before the worker sees it. Storage queues carry no
message attributes, so portside's publisher writes a CloudEvents envelope holding the topic and
correlation id (read back by `native.envelope`); any other body is the message body as it is.
The attempt count is `DequeueCount`.

Outcome: acknowledged or dead-lettered -> return (the host deletes the message); retried or
handed back -> raise, so the message becomes visible again and, after host.json's
`maxDequeueCount`, the host moves it to `<queue>-poison`.

When the binding's handler has a lane (portside.lanes), `fast_path` serves the common message
(a plain UTF-8 JSON body within the cheap limits, no envelope) without Message or Batch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import azure.functions as func
from azure.functions import queue as converted

from portside import App, Message, Result
from portside.kit import (
    Batch,
    EntryPoint,
    Inbound,
    correlation,
    poison,
    positive_int,
    resolve_topic,
    text,
    unroutable_reason,
)

from . import native
from .errors import raise_for_redelivery

KIND = "messages"
NAME = "Storage queue"
TRANSPORT = "azure.storage_queue"
# The message classes the worker builds (its converter's) or a test does; a subclass of them may
# read differently, so it takes the general path.
_MESSAGES = (converted.QueueMessage, func.QueueMessage)
_ENVELOPE = b'"specversion"'  # any body that holds it may be an envelope (native.envelope)


def matches(event: Any) -> bool:
    return isinstance(event, func.QueueMessage)


def to_batch(app: App, event: func.QueueMessage, context: Any, options: Any) -> Batch:
    binding = options.binding
    return one(app, read(app, event, binding), event, binding)


def one(app: App, message: Message, event: Any, binding: Any, result: Result[Any] | None = None) -> Batch:
    """The Batch of an invocation's one message; `result`: its handler already ran (a lane)."""
    batch = Batch(app)
    batch.add(message, text(event.id) or "", binding=binding, result=result)
    return batch


def fast_path(entry: EntryPoint, binding: Any) -> Callable[[Any, Any], Any] | None:
    """The function's fast path when `binding`'s handler has a lane (see `native.fast_path`)."""
    return native.fast_path(entry, binding, _SHAPE, common_body)


def common_body(event: Any) -> bytes | None:
    """The body of a message `read` would take as it is, else None: a message of the worker's
    class whose body cannot be an envelope."""
    if type(event) not in _MESSAGES:
        return None
    data = event.get_body()
    return data if type(data) is bytes and _ENVELOPE not in data else None


def to_answer(batch: Batch) -> None:
    raise_for_redelivery(batch, NAME)


def read(app: App, event: func.QueueMessage, binding: Any) -> Message:
    message_id = text(event.id)
    attempt = positive_int(event.dequeue_count)
    try:
        data: bytes | None = event.get_body()
    except Exception:  # a body the converter could not give as bytes
        data = None
    if data is None:
        return poison(app, "the Storage queue message has no body", repr(event), transport=TRANSPORT,
                      id=message_id, attempt=attempt)
    found = native.envelope(data)
    headers = found.headers if found is not None else native.EMPTY
    topic = resolve_topic(binding, headers)
    where = f"Storage queue {getattr(binding, 'name', '?')!r}"
    extra: dict[str, Any] = {}
    if found is not None and not native.is_unset(found.body):
        extra["body"] = found.body
    return app.receive(Inbound(
        topic,
        found.data if found is not None else data,
        transport=TRANSPORT,
        content_type=found.content_type if found is not None else None,
        headers=headers,
        id=(found.id if found is not None else None) or message_id,
        correlation_id=correlation(headers, message_id),
        attempt=attempt,
        raw=event,
        unroutable=None if topic else unroutable_reason(binding, where, "bind it in the startup file"),
        lazy=found is None,
        **extra,
    ))


_SHAPE = sys.modules[__name__]  # what the EntryPoint reads and answers with
