"""The azure adapter's TestingKit: native input built the way the worker builds it.

The Functions host sends the worker a payload (`TypedData`) plus trigger metadata; the worker
turns them into `func.*` objects with azure-functions' own converters (`decode(datum,
trigger_metadata=...)`). This kit builds those datums from a neutral request or message, decodes
them with the same converters, calls the very Python function the generated FunctionApp
registered for the binding (what the worker calls), and reads the answer back the way the
worker encodes it for the host (`HttpResponseConverter.encode`: cookies included).

Storage queue, Service Bus, Event Grid, blob and timer functions take one message per
invocation, so `deliver` invokes once per message; Event Hubs takes the batch, and its retry
policy is replayed as the host does (the whole batch again until it succeeds or the last try).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, unquote, urlencode

import azure.functions as func
from azure.functions import meta
from azure.functions.blob import BlobConverter
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.eventhub import EventHubTriggerConverter
from azure.functions.http import HttpRequestConverter, HttpResponseConverter
from azure.functions.queue import QueueMessageInConverter
from azure.functions.servicebus import ServiceBusMessageInConverter
from azure.functions.timer import TimerRequestConverter

from portside import App, HttpRequest, HttpResponse, Message, State
from portside.kit import CORRELATION_HEADER, TOPIC_HEADER, Delivered, Outgoing

from .errors import RedeliveryRequested
from .eventgrid import NEUTRAL
from .functionapp import entry_point, generated
from .plan import (
    BLOB,
    EVENTGRID,
    EVENTHUB,
    HTTP,
    SERVICEBUS_QUEUE,
    SERVICEBUS_TOPIC,
    STORAGE_QUEUE,
    TIMER,
    Spec,
)

HOST = "portside-test.azurewebsites.net"
ROUTE_PREFIX = "api"
_FROM_NEUTRAL = {neutral: native for native, neutral in NEUTRAL.items()}
CLOUDEVENT = "cloudevent"  # Event Grid's CloudEvents 1.0 schema; EVENTGRID is its own schema
SHAPES = {
    "queue": [STORAGE_QUEUE, SERVICEBUS_QUEUE, EVENTHUB],
    "subscription": [SERVICEBUS_TOPIC],
    "event": [EVENTGRID, CLOUDEVENT, BLOB],
    "schedule": [TIMER],
}


class Context(func.Context):
    """The `context` argument the worker passes (the fields a function can read)."""

    def __init__(self, function_name: str, retry_count: int = 0, max_retry_count: int = 0) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function_name = function_name
        self._retry = SimpleNamespace(retry_count=retry_count, max_retry_count=max_retry_count, exception=None)

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return threading.local()

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return "/home/site/wwwroot"

    @property
    def trace_context(self) -> Any:
        return SimpleNamespace(trace_parent="", trace_state="", attributes={})

    @property
    def retry_context(self) -> Any:
        return self._retry


class Recorder:
    """Stands in for the app's publisher while the kit delivers: what was published where."""

    def __init__(self) -> None:
        self.sent: list[tuple[Message, str | None]] = []

    def publish(self, message: Message, target: str | None) -> None:
        self.sent.append((message, target))


class AzureTestingKit:
    """Drives the generated FunctionApp's functions with converter-built `func.*` objects."""

    adapter = "azure"

    def __init__(self, app: App, *, key: str | None = None) -> None:
        self.app = app
        self.key = key  # sent as `x-functions-key` when set (it must never reach a handler)
        self._functions = generated(app.entry_point)
        self.published: list[tuple[Message, str | None]] = []  # by the last http() call

    # ------------------------------------------------------------------ protocol
    def http_shapes(self) -> Sequence[str]:
        return [HTTP]

    def message_shapes(self) -> Mapping[str, Sequence[str]]:
        return {kind: list(shapes) for kind, shapes in SHAPES.items()}

    def http(self, shape: str, request: HttpRequest) -> HttpResponse:
        """The response the caller gets; what the handler published is kept in `published`."""
        native = http_request(request, key=self.key)
        function = self._function(HTTP, None)
        recorder, publisher = Recorder(), self.app.publisher
        self.app.publisher = recorder
        try:
            answer = function(native, Context("http"))
        finally:
            self.app.publisher = publisher
        self.published = recorder.sent
        return http_response(answer)

    def deliver(self, shape: str, binding: Any, messages: Sequence[Outgoing]) -> Delivered:
        kind = EVENTGRID if shape == CLOUDEVENT else shape
        function = self._function(kind, binding)
        recorder, publisher = Recorder(), self.app.publisher
        self.app.publisher = recorder
        try:
            if kind == EVENTHUB:
                answers, raised = self._event_hub(function, binding, messages)
            else:
                answers, raised = [], []
                for outgoing in messages:
                    native = build(shape, binding, outgoing)
                    answer, error = _call(function, native, Context(kind, outgoing.attempt - 1))
                    answers.append(error if error is not None else answer)
                    raised.append(error)
        finally:
            self.app.publisher = publisher
        dead = [(m, t) for m, t in recorder.sent if m.transport == "dead-letter"]
        published = [(m, t) for m, t in recorder.sent if m.transport != "dead-letter"]
        dead_ids = {m.id for m, _ in dead}
        states: list[State] = []
        redelivered: list[str] = []
        for index, outgoing in enumerate(messages):
            error = raised[min(index, len(raised) - 1)] if raised else None
            if error is not None:
                state = error.states[index if kind == EVENTHUB else 0] if error.states else State.RETRIED
                if state in (State.RETRIED, State.HANDED_BACK):
                    states.append(state)
                    redelivered.append(outgoing.id)
                    continue
            states.append(State.DEAD_LETTERED if outgoing.id in dead_ids else State.ACKNOWLEDGED)
        native_answer: Any = answers[0] if len(answers) == 1 else answers
        return Delivered(states, native_answer, redelivered, published, dead)

    # ------------------------------------------------------------------ helpers
    def _function(self, kind: str, binding: Any) -> Any:
        """The generated function for `binding` when its trigger is `kind`; otherwise (the
        binding is configured for another Azure service) the same shape's entry point."""
        for spec, function in self._functions.values():
            if spec.kind == kind and (binding is None or spec.binding is binding):
                return function
        spec = Spec(f"{kind}_contract", kind, binding)
        return entry_point(self.app, spec)

    def _event_hub(
        self, function: Any, binding: Any, messages: Sequence[Outgoing]
    ) -> tuple[list[Any], list[Any]]:
        from .plan import plan

        specs = plan(self.app)
        max_retries = next((s.settings.get("max_retries", 0) for s in specs if s.binding is binding), 0)
        events = build(EVENTHUB, binding, messages)
        answer: Any = None
        error: RedeliveryRequested | None = None
        for retry in range(max_retries + 1):
            answer, error = _call(function, events, Context(EVENTHUB, retry, max_retries))
            if error is None:
                break
        return [error if error is not None else answer], [error]


def _call(function: Any, native: Any, context: Context) -> tuple[Any, RedeliveryRequested | None]:
    try:
        return function(native, context), None
    except RedeliveryRequested as exc:
        return exc, exc


# ---------------------------------------------------------------------- HTTP
def http_request(
    request: HttpRequest, *, key: str | None = None, route_prefix: str = ROUTE_PREFIX
) -> func.HttpRequest:
    """`func.HttpRequest` as the worker decodes the host's request: the route value decoded
    except `%2F` (ASP.NET keeps an encoded slash), query values comma-joined in `params`."""
    raw_path = request.path if request.path.startswith("/") else "/" + request.path
    query_pairs = [(name, value) for name, values in request.query.items() for value in values]
    if key is not None:
        query_pairs.append(("code", key))
    prefix = f"/{route_prefix.strip('/')}" if route_prefix.strip("/") else ""
    url = f"https://{HOST}{prefix}{raw_path}" + (f"?{urlencode(query_pairs)}" if query_pairs else "")
    headers = {name: value for name, value in request.headers.items()}
    if key is not None:
        headers["x-functions-key"] = key
    joined: dict[str, str] = {}
    for name, value in query_pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    datum = meta.Datum(type="http", value={
        "method": meta.Datum(request.method.upper(), "string"),
        "url": meta.Datum(url, "string"),
        "headers": {name: meta.Datum(value, "string") for name, value in headers.items()},
        "query": {name: meta.Datum(value, "string") for name, value in joined.items()},
        "params": {"path": meta.Datum(host_route_value(raw_path), "string")},
        "body": meta.Datum(request.body or b"", "bytes"),
    })
    decoded: func.HttpRequest = HttpRequestConverter.decode(datum, trigger_metadata={})
    return decoded


def host_route_value(raw_path: str) -> str:
    """The `{*path}` route value the host passes for a percent-encoded path."""
    parts = raw_path.lstrip("/").split("%2F")
    return "%2F".join(unquote(part.replace("%2f", "%2F")) for part in parts)


def http_response(answer: Any) -> HttpResponse:
    """The neutral response the caller gets, read from what the worker sends the host."""
    datum = HttpResponseConverter.encode(answer, expected_type=func.HttpResponse)
    value = datum.value
    headers = {name: item.value for name, item in value["headers"].items()}
    cookies: list[str] = []
    for cookie in value.get("cookies") or []:
        cookies.extend(morsel.OutputString() for morsel in cookie.values())
    return HttpResponse(int(value["status_code"].value), headers, value["body"].value or b"", cookies)


# ---------------------------------------------------------------------- messages
def build(shape: str, binding: Any, outgoing: Any) -> Any:
    """The `func.*` object a function of `shape` receives for `outgoing` (a list for Event Hubs)."""
    if shape == STORAGE_QUEUE:
        return storage_queue_message(outgoing)
    if shape in (SERVICEBUS_QUEUE, SERVICEBUS_TOPIC):
        return servicebus_message(outgoing)
    if shape == EVENTHUB:
        return event_hub_events(outgoing)
    if shape == EVENTGRID:
        return event_grid_event(binding, outgoing)
    if shape == CLOUDEVENT:
        return cloud_event(binding, outgoing)
    if shape == BLOB:
        return blob_stream(outgoing)
    if shape == TIMER:
        return timer_request()
    known = sorted({name for names in SHAPES.values() for name in names})
    raise ValueError(f"unknown azure shape {shape!r}; shapes: {', '.join(known)}")


def storage_queue_message(outgoing: Outgoing) -> func.QueueMessage:
    """A Storage queue message: a plain body, or a portside envelope when it has headers
    (Storage queues carry no attributes; the publisher writes the same envelope)."""
    data = _bytes(outgoing.data)
    if outgoing.headers:
        data = json.dumps(_envelope(outgoing), separators=(",", ":")).encode("utf-8")
    now = datetime.now(timezone.utc)
    metadata = {
        "Id": meta.Datum(outgoing.id, "string"),
        "DequeueCount": meta.Datum(outgoing.attempt, "int"),
        "InsertionTime": meta.Datum(_iso(now), "string"),
        "ExpirationTime": meta.Datum(_iso(now + timedelta(days=7)), "string"),
        "NextVisibleTime": meta.Datum(_iso(now + timedelta(minutes=10)), "string"),
        "PopReceipt": meta.Datum(base64.b64encode(uuid.uuid4().bytes).decode("ascii"), "string"),
    }
    decoded: func.QueueMessage = QueueMessageInConverter.decode(_payload(data), trigger_metadata=metadata)
    return decoded


def servicebus_message(outgoing: Outgoing) -> func.ServiceBusMessage:
    headers = dict(outgoing.headers)
    now = datetime.now(timezone.utc)
    metadata = {
        "MessageId": meta.Datum(outgoing.id, "string"),
        "DeliveryCount": meta.Datum(outgoing.attempt, "int"),
        "SequenceNumber": meta.Datum(1, "int"),
        "EnqueuedTimeUtc": meta.Datum(_iso(now), "string"),
        "LockToken": meta.Datum(str(uuid.uuid4()), "string"),
        "ApplicationProperties": meta.Datum(json.dumps(headers), "json"),
        "UserProperties": meta.Datum(json.dumps(headers), "json"),
    }
    content_type = headers.get("content-type")
    if content_type:
        metadata["ContentType"] = meta.Datum(content_type, "string")
    if outgoing.group:
        metadata["SessionId"] = meta.Datum(outgoing.group, "string")
    decoded = ServiceBusMessageInConverter.decode(_payload(_bytes(outgoing.data)), trigger_metadata=metadata)
    assert isinstance(decoded, func.ServiceBusMessage)
    return decoded


def event_hub_events(messages: Sequence[Outgoing]) -> list[func.EventHubEvent]:
    now = _iso(datetime.now(timezone.utc))
    bodies = [_bytes(m.data) for m in messages]
    system = [
        {"SequenceNumber": 100 + i, "Offset": str(4096 * i), "PartitionKey": m.group, "EnqueuedTimeUtc": now}
        for i, m in enumerate(messages)
    ]
    properties = [{**m.headers, "message-id": m.id} for m in messages]
    metadata = {
        "SystemPropertiesArray": meta.Datum(json.dumps(system), "json"),
        "PropertiesArray": meta.Datum(json.dumps(properties), "json"),
        "PartitionContext": meta.Datum(json.dumps({"ConsumerGroup": "$Default", "PartitionId": "0"}), "json"),
    }
    datum = meta.Datum(SimpleNamespace(bytes=bodies), "collection_bytes")
    decoded = EventHubTriggerConverter.decode(datum, trigger_metadata=metadata)
    assert isinstance(decoded, list)
    return decoded


def event_type(binding: Any, outgoing: Outgoing) -> str:
    """The native type an event for `binding` has: the Blob Storage type for a neutral name,
    the pattern with its wildcards filled in otherwise (or the message's own topic header)."""
    pattern = str(getattr(binding, "pattern", "") or outgoing.headers.get(TOPIC_HEADER, "portside.event"))
    return _FROM_NEUTRAL.get(pattern) or pattern.replace("*", "sample").replace("?", "x")


def event_grid_event(binding: Any, outgoing: Outgoing) -> func.EventGridEvent:
    kind = event_type(binding, outgoing)
    blob = blob_event(kind, outgoing)
    document = {
        "id": outgoing.id,
        "topic": STORAGE_ACCOUNT if blob else "/subscriptions/00000000-0000-0000-0000-000000000000/"
                 "resourceGroups/portside/providers/Microsoft.EventGrid/topics/portside",
        "subject": blob[0] if blob else f"/portside/{outgoing.id}",
        "eventType": kind,
        "eventTime": _iso(datetime.now(timezone.utc)),
        "data": blob[1] if blob else _json_or_text(outgoing.data),
        "dataVersion": "1.0",
    }
    decoded = EventGridEventInConverter.decode(meta.Datum(json.dumps(document), "json"), trigger_metadata={})
    assert isinstance(decoded, func.EventGridEvent)
    return decoded


def cloud_event(binding: Any, outgoing: Outgoing) -> func.CloudEvent:
    kind = event_type(binding, outgoing)
    document = _envelope(outgoing, kind=kind)
    blob = blob_event(kind, outgoing)
    if blob:
        document.update(source=STORAGE_ACCOUNT, subject=blob[0], data=blob[1])
        document["datacontenttype"] = "application/json"
    decoded = EventGridEventInConverter.decode(meta.Datum(json.dumps(document), "json"), trigger_metadata={})
    assert isinstance(decoded, func.CloudEvent)
    return decoded


def blob_stream(outgoing: Outgoing) -> func.InputStream:
    data = _bytes(outgoing.data)
    name = outgoing.headers.get("blob-name", f"uploads/{outgoing.id}.bin")
    neutral = _object(outgoing)
    if neutral is not None:  # a neutral object event: the blob it names, of its size
        name = f"{neutral['bucket']}/{neutral['key']}"
        data = b"\0" * int(neutral.get("size") or 0)
    properties = {"ContentType": outgoing.headers.get("content-type", "application/octet-stream"),
                  "ETag": f"0x{uuid.uuid4().hex[:15].upper()}", "ContentLength": str(len(data)),
                  "LastModified": _iso(datetime.now(timezone.utc))}
    metadata = {
        "BlobTrigger": meta.Datum(name, "string"),
        "Uri": meta.Datum(f"https://portside.blob.core.windows.net/{quote(name)}", "string"),
        "Properties": meta.Datum(json.dumps(properties), "json"),
        "Metadata": meta.Datum(json.dumps({}), "json"),
    }
    decoded: func.InputStream = BlobConverter.decode(meta.Datum(data, "bytes"), trigger_metadata=metadata)
    return decoded


STORAGE_ACCOUNT = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portside/providers/"
                   "Microsoft.Storage/storageAccounts/portside")


def blob_event(kind: str, outgoing: Outgoing) -> tuple[str, dict[str, Any]] | None:
    """(subject, data) of the Blob Storage event a neutral object event `{bucket, key, size}`
    becomes, as Blob Storage sends it; None for any other event."""
    neutral = _object(outgoing)
    if kind not in NEUTRAL or neutral is None:
        return None
    bucket, key = str(neutral["bucket"]), str(neutral["key"])
    data = {
        "api": "PutBlob" if kind.endswith("Created") else "DeleteBlob",
        "contentType": "application/octet-stream",
        "contentLength": neutral.get("size"),
        "blobType": "BlockBlob",
        "eTag": f"0x{uuid.uuid4().hex[:15].upper()}",
        "url": f"https://portside.blob.core.windows.net/{quote(bucket)}/{quote(key)}",
        "sequencer": "00000000000000000000000000000001000000000000000a",
    }
    return f"/blobServices/default/containers/{bucket}/blobs/{key}", data


def _object(outgoing: Outgoing) -> dict[str, Any] | None:
    found = _json_or_text(outgoing.data)
    if isinstance(found, dict) and isinstance(found.get("bucket"), str) and isinstance(found.get("key"), str):
        return found
    return None


def timer_request(past_due: bool = False) -> func.TimerRequest:
    now = datetime.now(timezone.utc)
    before, after = _iso(now - timedelta(minutes=5)), _iso(now + timedelta(minutes=5))
    status = {"Last": before, "Next": after, "LastUpdated": _iso(now)}
    body = {"Schedule": {"AdjustForDST": True}, "ScheduleStatus": status, "IsPastDue": past_due}
    decoded: func.TimerRequest = TimerRequestConverter.decode(
        meta.Datum(json.dumps(body), "json"), trigger_metadata={}
    )
    return decoded


def _envelope(outgoing: Outgoing, kind: str | None = None) -> dict[str, Any]:
    """A structured CloudEvent for an Outgoing, as portside's publisher writes one."""
    headers = dict(outgoing.headers)
    document: dict[str, Any] = {
        "specversion": "1.0", "id": outgoing.id, "source": "portside/test",
        "type": kind or headers.pop(TOPIC_HEADER, None) or "portside.message",
    }
    headers.pop(TOPIC_HEADER, None)
    correlation = headers.pop(CORRELATION_HEADER, None)
    if correlation:
        document["correlationid"] = correlation
    content_type = headers.pop("content-type", None)
    for name, value in headers.items():
        legal = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        if legal and legal not in document:
            document[legal] = value
    data = outgoing.data
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            document["datacontenttype"] = content_type or "application/octet-stream"
            document["data_base64"] = base64.b64encode(data).decode("ascii")
            return document
        data = text
    parsed = _json_or_text(data)
    document["datacontenttype"] = content_type or ("application/json" if parsed is not data else "text/plain")
    document["data"] = parsed
    return document


def _json_or_text(data: bytes | str) -> Any:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        return json.loads(text)
    except ValueError:
        return text


def _payload(data: bytes) -> meta.Datum:
    """The trigger payload as the host types it: text when it is UTF-8, else bytes."""
    try:
        return meta.Datum(data.decode("utf-8"), "string")
    except UnicodeDecodeError:
        return meta.Datum(data, "bytes")


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


__all__ = ["AzureTestingKit", "build", "http_request", "http_response"]
