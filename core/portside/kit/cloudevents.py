"""CloudEvents 1.0 over HTTP and JSON, read and written with the standard library only.

Binary content mode: attributes in `ce-*` headers, the data is the body. Structured mode: one
JSON object (`application/cloudevents+json`) with the attributes and `data` or `data_base64`.
Used by the local runtime, the Google and Azure (Event Grid) adapters, and as the envelope of
published messages on targets without message attributes.

    >>> event = CloudEvent("orders.created", "portside.orders", {"id": "o-1"}, id="e-1")
    >>> headers, body = to_binary(event)
    >>> headers["ce-type"], body
    ('orders.created', b'{"id":"o-1"}')
    >>> from_http(headers, body).data
    {'id': 'o-1'}
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..codec import encode_json

if TYPE_CHECKING:
    from ..message import Message

SPECVERSION = "1.0"
STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
REQUIRED = ("id", "source", "specversion", "type")
_CONTEXT = frozenset(
    {"id", "source", "specversion", "type", "subject", "time", "datacontenttype", "dataschema"}
)


class CloudEventError(ValueError):
    """Input that claims to be a CloudEvent but is not a valid one (the message says why)."""


class CloudEvent:
    """One event: the context attributes, the extensions and the data (parsed JSON when the
    content type is JSON and it parses, else bytes or text as received)."""

    __slots__ = (
        "data", "datacontenttype", "extensions", "id", "source", "specversion", "subject", "time", "type"
    )

    def __init__(
        self,
        type: str,
        source: str,
        data: Any = None,
        *,
        id: str = "",
        subject: str | None = None,
        time: str | None = None,
        datacontenttype: str | None = None,
        extensions: Mapping[str, str] | None = None,
        specversion: str = SPECVERSION,
    ) -> None:
        if not id:
            from ..message import new_id

            id = new_id()
        self.type = type
        self.source = source
        self.data = data
        self.id = id
        self.subject = subject
        self.time = time
        self.datacontenttype = datacontenttype
        self.extensions = dict(extensions or {})
        self.specversion = specversion

    def __repr__(self) -> str:
        return f"CloudEvent(type={self.type!r}, source={self.source!r}, id={self.id!r})"

    def attributes(self) -> dict[str, str]:
        """Every context attribute and extension as text."""
        found = {"specversion": self.specversion, "id": self.id, "source": self.source, "type": self.type}
        for name in ("subject", "time", "datacontenttype"):
            value = getattr(self, name)
            if value is not None:
                found[name] = value
        found.update(self.extensions)
        return found


def from_http(headers: Mapping[str, str], body: bytes) -> CloudEvent:
    """The CloudEvent of an HTTP request in binary or structured mode (CloudEventError if none)."""
    if _get(headers, "ce-specversion"):
        attributes = {
            name.lower()[3:]: value for name, value in headers.items() if name.lower().startswith("ce-")
        }
        _require(attributes)
        content_type = _get(headers, "content-type")
        return _build(attributes, _decode_data(body, content_type), content_type)
    media = (_get(headers, "content-type") or "").split(";", 1)[0].strip().lower()
    if media == STRUCTURED:
        try:
            document = json.loads(body or b"null")
        except ValueError as exc:
            raise CloudEventError(f"structured CloudEvent is not JSON: {exc}") from None
        return from_dict(document)
    raise CloudEventError("not a CloudEvent: no ce-specversion header and not application/cloudevents+json")


def from_dict(document: Any) -> CloudEvent:
    """A structured-mode CloudEvent from its parsed JSON object."""
    if not isinstance(document, dict):
        raise CloudEventError("a structured CloudEvent is a JSON object")
    attributes = {k: v for k, v in document.items() if k not in ("data", "data_base64")}
    _require(attributes)
    content_type = attributes.get("datacontenttype")
    if "data_base64" in document:
        encoded = document["data_base64"]
        try:
            data: Any = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else None
        except ValueError:
            raise CloudEventError("data_base64 is not base64") from None
        if data is None:
            raise CloudEventError("data_base64 must be a base64 string")
    else:
        data = document.get("data")
    return _build(attributes, data, content_type if isinstance(content_type, str) else None)


def to_binary(event: CloudEvent) -> tuple[dict[str, str], bytes]:
    """(headers, body) of the binary content mode."""
    headers = {f"ce-{name}": value for name, value in event.attributes().items() if name != "datacontenttype"}
    data = event.data
    if isinstance(data, bytes):
        body = data
        headers["content-type"] = event.datacontenttype or "application/octet-stream"
    elif isinstance(data, str) and event.datacontenttype and not _is_json(event.datacontenttype):
        body = data.encode()
        headers["content-type"] = event.datacontenttype
    else:
        body = b"" if data is None else encode_json(data)
        headers["content-type"] = event.datacontenttype or "application/json"
    return headers, body


def to_dict(event: CloudEvent) -> dict[str, Any]:
    """The structured-mode JSON object (binary data as `data_base64`)."""
    document: dict[str, Any] = dict(event.attributes())
    if isinstance(event.data, bytes):
        document["data_base64"] = base64.b64encode(event.data).decode("ascii")
    elif event.data is not None:
        document["data"] = event.data
    return document


def to_structured(message: Message, source: str) -> dict[str, Any]:
    """A published or dead-lettered Message as a structured CloudEvent: the neutral topic is
    `type`, the correlation id and other headers are extensions (names made legal)."""
    from ..settlement import kept_body

    extensions = {}
    for name, value in message.headers.items():
        legal = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        if legal and legal not in _CONTEXT and legal not in ("data", "database64"):
            extensions[legal] = value
    extensions["correlationid"] = message.correlation_id
    body = kept_body(message)
    content_type = message.headers.get_lowercase("content-type")
    if isinstance(body, str) and (content_type is None or _is_json(content_type)):
        try:
            body = json.loads(body)
        except ValueError:
            content_type = content_type or "text/plain"
    event = CloudEvent(
        message.topic or "portside.message", source, body, id=message.id,
        datacontenttype=content_type
        or ("application/octet-stream" if isinstance(body, bytes) else "application/json"),
        extensions=extensions,
    )
    return to_dict(event)


def _build(attributes: Mapping[str, Any], data: Any, content_type: str | None) -> CloudEvent:
    known = {k: attributes.get(k) for k in ("subject", "time")}
    extensions = {
        k: v if isinstance(v, str) else json.dumps(v)
        for k, v in attributes.items() if k not in _CONTEXT
    }
    return CloudEvent(
        str(attributes["type"]), str(attributes["source"]), data, id=str(attributes["id"]),
        subject=known["subject"] if isinstance(known["subject"], str) else None,
        time=known["time"] if isinstance(known["time"], str) else None,
        datacontenttype=content_type, extensions=extensions, specversion=str(attributes["specversion"]),
    )


def _require(attributes: Mapping[str, Any]) -> None:
    missing = [name for name in REQUIRED if not attributes.get(name)]
    if missing:
        raise CloudEventError(f"CloudEvent lacks required attribute(s): {', '.join(missing)}")


def _decode_data(body: bytes, content_type: str | None) -> Any:
    if not body:
        return None
    if content_type is None or _is_json(content_type):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json") or media == "text/json"


def _get(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                return candidate
    return value
