"""Event Grid trigger: `func.EventGridEvent` (Event Grid schema) or `func.CloudEvent`
(CloudEvents 1.0 schema; the library picks by `specversion`) -> a Batch of one. No I/O.

The event's type picks the binding (exact, glob, then the neutral name): Blob Storage events
also answer to `storage.object.created` / `storage.object.deleted`, with the body every cloud
gives those, `{bucket, key, size, etag, sequencer, eventName, eventTime, url, contentType}`
(bucket = the container). Other events carry their `data` as the body; a CloudEvent's
`data_base64` is decoded to bytes.

Outcome: acknowledged or dead-lettered -> return; retried or handed back -> raise, so Event Grid
retries with its retry policy; what it keeps afterwards depends on the subscription's
dead-letter container (none configured: the event is dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import azure.functions as func

from portside import OBJECT_CREATED, OBJECT_DELETED, App, Headers, Message
from portside.kit import CORRELATION_HEADER, TOPIC_HEADER, Batch, Inbound, b64decode, correlation, poison, text

from .errors import raise_for_redelivery
from .native import CE_CORRELATION

KIND = "messages"
NAME = "Event Grid"
TRANSPORT = "azure.eventgrid"
NEUTRAL = {
    "Microsoft.Storage.BlobCreated": OBJECT_CREATED,
    "Microsoft.Storage.BlobDeleted": OBJECT_DELETED,
}
Native = func.EventGridEvent | func.CloudEvent


def matches(event: Any) -> bool:
    return isinstance(event, (func.EventGridEvent, func.CloudEvent))


def to_batch(app: App, event: Native, context: Any, options: Any) -> Batch:
    batch = Batch(app)
    message, binding = read(app, event)
    batch.add(message, text(event.id) or "", binding=binding)
    return batch


def to_answer(batch: Batch) -> None:
    raise_for_redelivery(batch, NAME)


def event_type(event: Native) -> str:
    value = event.type if isinstance(event, func.CloudEvent) else event.event_type
    return value if isinstance(value, str) else ""


def route(app: App, kind: str) -> Any:
    """The event binding for an Event Grid type: as written (globs included), then neutral."""
    if not kind:
        return None
    found = app.bindings.event(kind)
    neutral = NEUTRAL.get(kind)
    if found is None and neutral is not None:
        found = app.bindings.event(neutral)
    return found


def read(app: App, event: Native) -> tuple[Message, Any]:
    kind = event_type(event)
    binding = route(app, kind)
    cloud = isinstance(event, func.CloudEvent)
    extensions = _extensions(event) if isinstance(event, func.CloudEvent) else {}
    headers = {"event-type": kind, "event-source": _source(event)}
    subject = text(event.subject)
    if subject:
        headers["event-subject"] = subject
    headers.update(
        {k: str(v) for k, v in extensions.items() if isinstance(v, (str, int, float)) and k != "data_base64"}
    )
    sent = text(extensions.pop(CE_CORRELATION, None))
    headers.pop(CE_CORRELATION, None)
    if sent:
        headers[CORRELATION_HEADER] = sent
    if cloud:
        headers[TOPIC_HEADER] = kind
    headers = {k: v for k, v in headers.items() if v}
    meta: dict[str, Any] = {"transport": TRANSPORT, "id": text(event.id)}
    if not kind:
        return poison(app, "the Event Grid event has no type", _plain(event), **meta), None
    data: Any = event.get_json()
    payload: bytes | None = None
    if cloud and data is None and "data_base64" in extensions:
        encoded = extensions["data_base64"]
        payload = b64decode(encoded) if isinstance(encoded, str) else None
        if payload is None:
            return poison(app, "the CloudEvent's data_base64 is not base64", _plain(event), **meta), binding
    neutral = NEUTRAL.get(kind)
    if neutral is not None and binding is not None and binding.pattern == neutral and isinstance(data, Mapping):
        data = storage_body(kind, subject, data, _time(event))
    content_type = text(event.datacontenttype) if isinstance(event, func.CloudEvent) else None
    fields: dict[str, Any] = {"body": data} if payload is None else {}
    message = app.receive(Inbound(
        binding.topic if binding is not None else None,
        payload,
        content_type=content_type or ("application/octet-stream" if payload is not None else None),
        headers=headers,
        correlation_id=correlation(Headers(headers), text(event.id)),
        raw=event,
        unroutable=f"no event binding matches Event Grid type {kind!r}; add event({kind!r}, topic) "
        "(wildcards allowed) to the startup file, or filter the Event Grid subscription",
        **fields,
        **meta,
    ))
    return message, binding


def storage_body(kind: str, subject: str | None, data: Mapping[str, Any], time: str | None) -> dict[str, Any]:
    """A Blob Storage event's data in the neutral storage-object shape (both schemas' spellings:
    the service sends camelCase, the SDK's samples snake_case)."""
    def field(*names: str) -> Any:
        for name in names:
            if name in data:
                return data[name]
        return None

    container, name = blob_of(subject, field("url"))
    size = field("contentLength", "content_length")
    return {
        "bucket": container,
        "key": name,
        "size": size if isinstance(size, int) and not isinstance(size, bool) else None,
        "etag": field("eTag", "e_tag", "etag"),
        "sequencer": field("sequencer"),
        "eventName": kind,
        "eventTime": time,
        "url": field("url"),
        "contentType": field("contentType", "content_type"),
    }


def blob_of(subject: str | None, url: Any) -> tuple[str | None, str | None]:
    """Container and blob name from `/blobServices/default/containers/<c>/blobs/<name>`, else
    from the blob URL."""
    if subject and "/containers/" in subject and "/blobs/" in subject:
        container, _, name = subject.split("/containers/", 1)[1].partition("/blobs/")
        return container or None, name or None
    if isinstance(url, str) and "://" in url:
        container, _, name = url.split("://", 1)[1].partition("/")[2].partition("/")
        return container or None, unquote(name) or None
    return None, None


def _source(event: Native) -> str:
    value = event.source if isinstance(event, func.CloudEvent) else event.topic
    return value if isinstance(value, str) else ""


def _time(event: Native) -> str | None:
    value = event.time if isinstance(event, func.CloudEvent) else event.event_time
    return value.isoformat() if isinstance(value, datetime) else None


def _extensions(event: func.CloudEvent) -> dict[str, Any]:
    try:
        return dict(event.extension_attrs)
    except Exception:
        return {}


def _plain(event: Native) -> dict[str, Any]:
    """What the event carries, as JSON values (kept whole in a poison message)."""
    plain: dict[str, Any] = {"id": event.id, "type": event_type(event), "source": _source(event)}
    try:
        plain["data"] = event.get_json()
    except Exception:
        plain["data"] = None
    if isinstance(event, func.CloudEvent):
        plain.update({k: v for k, v in _extensions(event).items() if isinstance(v, (str, int, float, bool))})
    return plain
