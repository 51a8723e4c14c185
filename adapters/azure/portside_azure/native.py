"""What the message shapes share: properties as headers, the CloudEvents envelope, the context,
a binding's lane.

Storage queues carry no message attributes, so portside's publisher writes a structured
CloudEvent (the neutral topic is its `type`, the correlation id its `correlationid` extension);
`envelope` reads one back. A body that is not an envelope is the message body as it is.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from portside import App, Headers
from portside.kit import CORRELATION_HEADER, MESSAGE_TOPIC, MISS, TOPIC_HEADER, EntryPoint, Lane, cloudevents

CE_CORRELATION = "correlationid"
EMPTY = Headers()


def property_headers(properties: Any) -> Headers:
    """Application (or user) properties as headers: names as given, values as text."""
    if not isinstance(properties, Mapping) or not properties:
        return EMPTY
    headers: dict[str, str] = {}
    for name, value in properties.items():
        if not isinstance(name, str) or not name or value is None:
            continue
        if isinstance(value, str):
            headers[name] = value
        elif isinstance(value, bool):
            headers[name] = "true" if value else "false"
        elif isinstance(value, (int, float)):
            headers[name] = str(value)
        elif isinstance(value, (bytes, bytearray)):
            headers[name] = base64.b64encode(bytes(value)).decode("ascii")
        else:
            headers[name] = str(value)
    return Headers(headers)


class Envelope:
    """A structured CloudEvent found in a message body: what the message becomes."""

    __slots__ = ("body", "content_type", "correlation_id", "data", "headers", "id")

    def __init__(self, event: cloudevents.CloudEvent) -> None:
        headers = {name: value for name, value in event.extensions.items() if isinstance(value, str)}
        headers[TOPIC_HEADER] = event.type
        correlation = headers.pop(CE_CORRELATION, None)
        if correlation:
            headers[CORRELATION_HEADER] = correlation
        self.headers = Headers(headers)
        self.correlation_id = correlation
        self.id = event.id
        self.content_type = event.datacontenttype
        data = event.data
        # Bytes (data_base64) and non-JSON text are decoded by the core like any body; parsed
        # JSON is the body itself.
        if isinstance(data, bytes) or (isinstance(data, str) and not _is_json(self.content_type)):
            self.data: bytes | str | None = data
            self.body: Any = _UNSET
        else:
            self.data = None
            self.body = data


_UNSET: Any = object()


def envelope(data: bytes | str | None) -> Envelope | None:
    """The CloudEvent a body carries in structured mode, or None (a plain body)."""
    if data is None:
        return None
    head = data[:4096]
    text = head.decode("utf-8", "ignore") if isinstance(head, bytes) else head
    if '"specversion"' not in text or not text.lstrip().startswith("{"):
        return None
    try:
        document = json.loads(data)
        event = cloudevents.from_dict(document)
    except (ValueError, cloudevents.CloudEventError):
        return None
    return Envelope(event)


def lane_of(app: App, binding: Any) -> Lane | None:
    """The lane of the handler every message of `binding` goes to (portside.lanes), or None:
    none qualifies, or each message names its own topic (read the general way)."""
    topic = getattr(binding, "topic", None)
    if type(topic) is not str or topic == MESSAGE_TOPIC:
        return None
    return app.lanes.get(topic)


def fast_path(
    entry: EntryPoint, binding: Any, shape: Any, common_body: Callable[[Any], bytes | None]
) -> Callable[[Any, Any], Any] | None:
    """A one-message function's fast path when `binding`'s handler has a lane, else None.

    A message whose body `common_body` gives (the common case of `shape`, which `read` would
    take as deferred JSON text), within the lane's cheap limits and accepted by the model, is
    validated straight into the model and the handler called: no Message, Inbound or Batch.
    Anything else is left to the shape (MISS) before the handler runs; a handler that raised
    or returned a value is settled the general way (`settled`)."""
    lane = lane_of(entry.app, binding)
    if lane is None:
        return None
    validate, handle, short, within_limits = lane.validate, lane.fn, lane.short, lane.within_limits

    def fast(event: Any, context: Any) -> Any:
        data = common_body(event)
        if data is None:
            return MISS
        # The general path validates these very bytes (deferred JSON); a body of at most `short`
        # bytes has at most as many characters, so it is within the limits unread.
        if len(data) > short and not within_limits(data.decode("utf-8", "replace")):
            return MISS
        try:
            model = validate(data)
        except Exception:  # invalid, not UTF-8, or a validator that raised: the general path reads it
            return MISS
        try:
            value = handle(model)
        except Exception as exc:
            return settled(entry, shape, event, binding, lane, None, exc)
        if value is None:
            return None  # acknowledged: the common case ends here
        return settled(entry, shape, event, binding, lane, value, None)

    return fast


def settled(
    entry: EntryPoint, shape: Any, event: Any, binding: Any, lane: Lane, value: Any, error: Exception | None
) -> Any:
    """The answer for a message whose handler ran in its lane but did not simply return None:
    `shape` reads it the general way and settles it from what the handler returned or raised
    (return, raise to redeliver, dead-letter), without running the handler again."""
    try:
        message = shape.read(entry.app, event, binding)
    except Exception as exc:  # a defect, not bad input: fail the invocation, lose nothing
        raise entry.unreadable(shape, exc) from None
    result = lane.outcome(message, value, error)
    return entry.answer(shape, shape.one(entry.app, message, event, binding, result))


def is_unset(value: Any) -> bool:
    return value is _UNSET


def invocation_id(context: Any) -> str | None:
    value = getattr(context, "invocation_id", None)
    return value if isinstance(value, str) and value else None


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json") or media == "text/json"
