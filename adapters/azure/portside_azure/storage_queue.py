"""Storage queue trigger: one `func.QueueMessage` per invocation -> a Batch of one. No I/O.

The host decodes the queue's base64 text before the worker sees it. Storage queues carry no
message attributes, so portside's publisher writes a CloudEvents envelope holding the topic and
correlation id (read back by `native.envelope`); any other body is the message body as it is.
The attempt count is `DequeueCount`.

Outcome: acknowledged or dead-lettered -> return (the host deletes the message); retried or
handed back -> raise, so the message becomes visible again and, after host.json's
`maxDequeueCount`, the host moves it to `<queue>-poison`.
"""

from __future__ import annotations

from typing import Any

import azure.functions as func

from portside import App, Message
from portside.kit import (
    Batch,
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


def matches(event: Any) -> bool:
    return isinstance(event, func.QueueMessage)


def to_batch(app: App, event: func.QueueMessage, context: Any, options: Any) -> Batch:
    binding = options.binding
    batch = Batch(app)
    batch.add(read(app, event, binding), text(event.id) or "", binding=binding)
    return batch


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
