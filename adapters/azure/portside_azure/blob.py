"""Blob trigger (`event(OBJECT_CREATED, ..., azure={"source": "blob", "path": "uploads/{name}"})`):
`func.InputStream` -> a Batch of one. No I/O: the blob's content is not read.

The body is the neutral storage-object shape, `{bucket, key, size, etag, sequencer, eventName,
eventTime, url, contentType}` (bucket = the container), as Event Grid's BlobCreated gives it.

Outcome: acknowledged or dead-lettered -> return; retried or handed back -> raise: the host
retries the blob (5 tries) and then writes a message naming it to the `webjobs-blobtrigger-poison`
queue.
"""

from __future__ import annotations

from typing import Any

import azure.functions as func

from portside import App
from portside.kit import Batch, Inbound, text

from . import native
from .errors import raise_for_redelivery

KIND = "messages"
NAME = "Blob trigger"
TRANSPORT = "azure.blob"
EVENT_NAME = "Microsoft.Storage.BlobCreated"


def matches(event: Any) -> bool:
    return isinstance(event, func.InputStream)


def to_batch(app: App, event: func.InputStream, context: Any, options: Any) -> Batch:
    binding = options.binding
    name = text(event.name) or ""
    container, _, key = name.partition("/")
    properties = _properties(event)
    body = {
        "bucket": container or None,
        "key": key or None,
        "size": event.length,
        "etag": properties.get("ETag") or properties.get("Etag"),
        "sequencer": None,
        "eventName": EVENT_NAME,
        "eventTime": properties.get("LastModified"),
        "url": text(event.uri),
        "contentType": properties.get("ContentType"),
    }
    batch = Batch(app)
    message = app.receive(Inbound(
        binding.topic,
        transport=TRANSPORT,
        body=body,
        headers={"event-type": EVENT_NAME, "event-source": "azure:blob"},
        id=native.invocation_id(context),
        raw=event,
    ))
    batch.add(message, message.id, binding=binding)
    return batch


def to_answer(batch: Batch) -> None:
    raise_for_redelivery(batch, NAME)


def _properties(event: func.InputStream) -> dict[str, Any]:
    """The blob's properties from the trigger metadata (ETag, LastModified, ContentType)."""
    found = getattr(event, "blob_properties", None)
    return found if isinstance(found, dict) else {}
