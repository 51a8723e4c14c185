"""S3 event notifications pushed to Lambda (`Records[].eventSource == "aws:s3"`).

Binding: `event(pattern, topic)` matched against the record's `eventName`, e.g.
`event("ObjectCreated:*", "files.uploaded")`, or the neutral OBJECT_CREATED / OBJECT_DELETED
(`ObjectCreated:*` / `ObjectRemoved:*`). AWS writes the name both as `ObjectCreated:Put` and, in
some notifications, `s3:LifecycleTransition`; a pattern written either way matches both.

Body: `{bucket, key, size, etag, versionId?, sequencer, eventName, eventTime}` with the object
key URL-decoded (`+` is a space), because handlers want the key they can pass back to S3.
S3 invokes asynchronously and has no partial-batch report: a record to retry or hand back makes
the invocation raise `DeliveryFailed`, so Lambda's async retries (then its on-failure destination)
apply. S3 notifications that arrive through SQS use `s3_body` and `route` from here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from portside import OBJECT_CREATED, OBJECT_DELETED, App, Message
from portside.kit import Batch, Inbound, Malformed, poison, text

from . import detect, records

KIND = "messages"
TRANSPORT = "aws:s3"


matches = detect.s3


def to_batch(app: App, event: dict[str, Any], context: Any, options: Any = None) -> Batch:
    deadline = records.lambda_deadline(context)
    batch = Batch(app)
    for record in records.records_of(event):
        binding = route(app, record.get("eventName")) if isinstance(record, dict) else None
        message = _message(app, record, binding, deadline)
        batch.add(message, message.id, binding=binding)
    return batch


def to_answer(batch: Batch) -> None:
    batch.raise_for_redelivery("S3")


def route(app: App, event_name: Any) -> Any:
    """The event binding for an S3 event name: as written, with or without the `s3:` prefix,
    then the neutral name (OBJECT_CREATED for `ObjectCreated:*`, OBJECT_DELETED for
    `ObjectRemoved:*`)."""
    if not isinstance(event_name, str) or not event_name:
        return None
    bare = event_name[3:] if event_name.startswith("s3:") else event_name
    found = app.bindings.event(event_name) or app.bindings.event(
        bare if bare != event_name else "s3:" + event_name)
    if found is None:
        if bare.startswith("ObjectCreated:"):
            found = app.bindings.event(OBJECT_CREATED)
        elif bare.startswith("ObjectRemoved:"):
            found = app.bindings.event(OBJECT_DELETED)
    return found


def s3_body(record: dict[str, Any]) -> dict[str, Any]:
    """The handler's view of one S3 notification record; raises Malformed when it has none."""
    s3 = record.get("s3")
    if not isinstance(s3, dict):
        raise Malformed("S3 record has no 's3' object")
    bucket, obj = s3.get("bucket"), s3.get("object")
    if not isinstance(bucket, dict) or not isinstance(bucket.get("name"), str):
        raise Malformed("S3 record has no bucket name")
    if not isinstance(obj, dict) or not isinstance(obj.get("key"), str):
        raise Malformed("S3 record has no object key")
    size = obj.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
        raise Malformed(f"S3 object size {size!r} is not an integer")
    body: dict[str, Any] = {
        "bucket": bucket["name"],
        "key": unquote_plus(obj["key"]),
        "size": size,
        "etag": _optional_text(obj, "eTag"),
        "sequencer": _optional_text(obj, "sequencer"),
        "eventName": _optional_text(record, "eventName"),
        "eventTime": _optional_text(record, "eventTime"),
    }
    if "versionId" in obj:
        body["versionId"] = _optional_text(obj, "versionId")
    return body


def event_headers(body: dict[str, Any]) -> dict[str, str]:
    """Which S3 event this is, for handlers bound by a wildcard (`ObjectCreated:*`)."""
    pairs = (("event-type", body["eventName"]), ("event-source", "aws:s3"), ("event-time", body["eventTime"]))
    return {key: value for key, value in pairs if value}


def _optional_text(mapping: dict[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    if value is not None and not isinstance(value, str):
        raise Malformed(f"S3 field {key!r} is not a string")
    return value


def stable_id(body: dict[str, Any]) -> str:
    """The same id on every delivery of one S3 event (Lambda retries, SQS redelivery), so a
    handler can deduplicate: the object's bucket, key, version and the event's sequencer."""
    parts = (body["bucket"], body["key"], body.get("versionId") or "", body.get("sequencer") or
             body.get("eventTime") or "", body.get("eventName") or "")
    return "s3:" + "/".join(str(part) for part in parts)


def _message(app: App, record: Any, binding: Any, deadline: Any) -> Message:
    meta: dict[str, Any] = {"transport": TRANSPORT, "deadline": deadline}
    if not isinstance(record, dict):
        return poison(app, "S3 record is not an object", record, **meta)
    try:
        body = s3_body(record)
    except Malformed as exc:
        return poison(app, str(exc), record, **meta)
    response = record.get("responseElements")
    request_id = response.get("x-amz-request-id") if isinstance(response, dict) else None
    name = body["eventName"]
    return app.receive(Inbound(
        binding.topic if binding else None,
        body=body,
        id=stable_id(body),
        unroutable=f"no event binding matches S3 event {name!r}; add event({name!r}, topic) "
        "(wildcards allowed, e.g. 'ObjectCreated:*', or OBJECT_CREATED) to the startup file",
        headers=event_headers(body),
        correlation_id=text(request_id),
        raw=record,
        **meta,
    ))
