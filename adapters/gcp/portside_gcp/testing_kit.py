"""The gcp TestingKit: native requests built as Google sends them, through the real target.

Requests go through the Functions Framework's own Flask app (`functions_framework.create_app`,
as `functions-framework --target handler` builds it, in-process) to the adapter's target, with
Werkzeug's test client (no cookie jar: a request carries exactly the Cookie header it is given).
What handlers publish and what is dead-lettered is recorded, not sent.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from portside import (
    OBJECT_CREATED,
    OBJECT_DELETED,
    HttpRequest,
    HttpResponse,
    InMemoryPublisher,
    Message,
    State,
)
from portside.kit import (
    DELIVERY_HEADER,
    Delivered,
    EventBinding,
    Outgoing,
    QueueBinding,
    ScheduleBinding,
    SubscriptionBinding,
)
from portside.kit.cloudevents import STRUCTURED, CloudEvent, to_binary, to_dict

from . import options
from .events import PUBLISHED
from .legacy import PUBSUB, PUBSUB_MESSAGE_TYPE
from .routes import SCHEDULE_ATTRIBUTE
from .scheduler_http import JOB_HEADER, TIME_HEADER
from .settings import GcpSettings

if TYPE_CHECKING:
    from portside import App

HTTP_SHAPES = ("http",)
PUBSUB_SHAPES = ("pubsub_push", "cloudevent_binary", "cloudevent_structured", "legacy_event")
EVENT_SHAPES = ("cloudevent_binary", "cloudevent_structured")
SCHEDULE_SHAPES = ("pubsub_push", "scheduler_http")
STORAGE_TYPES = {
    OBJECT_CREATED: "google.cloud.storage.object.v1.finalized",
    OBJECT_DELETED: "google.cloud.storage.object.v1.deleted",
}
_STATUS_STATES = {503: State.RETRIED, 500: State.HANDED_BACK}


_TARGETS: dict[str, Any] = {}
_SOURCE = "from portside_gcp.testing_kit import _TARGETS\nhandler = _TARGETS[{key!r}]\n"


def framework_app(target: Any) -> Any:
    """The Functions Framework's own app serving `target` as the HTTP function `handler`: a tiny
    source file hands the framework the target, and the framework loads it as it loads a
    deployment's `main.py` (its module and sys.path changes are undone afterwards)."""
    import sys
    import tempfile
    from pathlib import Path

    import functions_framework

    key = f"target-{len(_TARGETS)}"
    _TARGETS[key] = target
    folder = Path(tempfile.mkdtemp(prefix="portside-gcp-kit-"))
    source = folder / "main.py"
    source.write_text(_SOURCE.format(key=key), encoding="utf-8")
    saved_path, saved_main = list(sys.path), sys.modules.get("main")
    try:
        return functions_framework.create_app("handler", str(source), "http")  # type: ignore[no-untyped-call]
    finally:
        sys.path[:] = saved_path
        if saved_main is None:
            sys.modules.pop("main", None)
        else:
            sys.modules["main"] = saved_main


class GcpTestingKit:
    """Drives the gcp adapter's real target with Werkzeug's test client."""

    adapter = "gcp"

    def __init__(
        self, app: App, settings: GcpSettings | None = None, *, project: str = "portside-test"
    ) -> None:
        from .entry import build

        self.app = app
        self.settings = settings or GcpSettings.from_env()
        self.project = self.settings.project or project
        self.flask_app = framework_app(build(app, self.settings, register=False))
        self.client = self.flask_app.test_client(use_cookies=False)
        self.published_over_http: list[tuple[Message, str | None]] = []  # by the last http() call
        self.headers: dict[str, str] = {}  # sent with every request (e.g. an Authorization header)

    # ------------------------------------------------------------------ TestingKit
    def http_shapes(self) -> Sequence[str]:
        return HTTP_SHAPES

    def message_shapes(self) -> Mapping[str, Sequence[str]]:
        return {"queue": PUBSUB_SHAPES, "subscription": PUBSUB_SHAPES, "schedule": SCHEDULE_SHAPES,
                "event": EVENT_SHAPES}

    def http(self, shape: str, request: HttpRequest) -> HttpResponse:
        if shape not in HTTP_SHAPES:
            raise ValueError(f"unknown gcp HTTP shape {shape!r}; use one of {', '.join(HTTP_SHAPES)}")
        url = request.path
        if request.query:
            url += "?" + urlencode([(k, v) for k, values in request.query.items() for v in values])
        recorder = InMemoryPublisher()  # what the request publishes is recorded, not sent
        previous, self.app.publisher = self.app.publisher, recorder
        try:
            return self.send(request.method, url, dict(request.headers), request.body)
        finally:
            self.app.publisher = previous
            self.published_over_http = list(recorder.sent)

    def deliver(self, shape: str, binding: Any, messages: Sequence[Outgoing]) -> Delivered:
        recorder = InMemoryPublisher()
        previous, self.app.publisher = self.app.publisher, recorder
        states: list[State] = []
        answers: list[HttpResponse] = []
        try:
            for outgoing in messages:
                method, path, headers, body = self.native(shape, binding, outgoing)
                answer = self.send(method, path, headers, body)
                answers.append(answer)
                states.append(state_of(answer))
        finally:
            self.app.publisher = previous
        again = (State.RETRIED, State.HANDED_BACK)
        redelivered = [m.id for m, s in zip(messages, states, strict=True) if s in again]
        published = [(m, t) for m, t in recorder.sent if m.transport != "dead-letter"]
        dead = [(m, t) for m, t in recorder.sent if m.transport == "dead-letter"]
        return Delivered(states, answers, redelivered, published, dead)

    # ------------------------------------------------------------------ native requests
    def send(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> HttpResponse:
        reply = self.client.open(url, method=method, headers=[*self.headers.items(), *headers.items()],
                                 data=body)
        names = {k.lower(): v for k, v in reply.headers.items() if k.lower() != "set-cookie"}
        return HttpResponse(reply.status_code, names, reply.get_data(), reply.headers.getlist("Set-Cookie"))

    def native(self, shape: str, binding: Any, outgoing: Outgoing) -> tuple[str, str, dict[str, str], bytes]:
        """(method, path, headers, body) of one delivery in `shape`, as Google sends it."""
        data = outgoing.data.encode("utf-8") if isinstance(outgoing.data, str) else outgoing.data
        if shape == "scheduler_http":
            return "POST", "/", {**outgoing.headers, JOB_HEADER: binding.name, TIME_HEADER: _now()}, data
        if isinstance(binding, EventBinding):
            event = self.event(binding, data, outgoing)
            if shape == "cloudevent_binary":
                headers, body = to_binary(event)
                if not event.type.startswith("google.cloud.storage."):
                    body = data  # binary mode carries the sender's bytes as they are
                return "POST", "/", {**headers, **_correlation(outgoing)}, body
            if shape == "cloudevent_structured":
                headers = {"content-type": STRUCTURED, **_correlation(outgoing)}
                return "POST", "/", headers, _json(to_dict(event))
            raise ValueError(f"gcp delivers event bindings as {', '.join(EVENT_SHAPES)}, not {shape!r}")
        subscription, topic, path = self.names(binding)
        message = self.pubsub_message(binding, data, outgoing)
        envelope: dict[str, Any] = {"message": message, "subscription": subscription}
        if outgoing.attempt > 1:
            envelope["deliveryAttempt"] = outgoing.attempt
        if shape == "pubsub_push":
            return "POST", path, {"content-type": "application/json"}, _json(envelope)
        source = f"//pubsub.googleapis.com/{topic}"
        if shape in ("cloudevent_binary", "cloudevent_structured"):
            event = CloudEvent(PUBLISHED, source, envelope, id=outgoing.id, time=message["publishTime"],
                               datacontenttype="application/json")
            if shape == "cloudevent_binary":
                headers, body = to_binary(event)
                return "POST", "/", headers, body
            return "POST", "/", {"content-type": STRUCTURED}, _json(to_dict(event))
        if shape == "legacy_event":
            if isinstance(binding, QueueBinding) and not options.queue_topic(binding):
                raise ValueError(f"a legacy event names only its topic: give queue({binding.name!r}, ...) "
                                 "gcp={'topic': ...} to deliver legacy events to it")
            legacy = {
                "context": {
                    "eventId": outgoing.id, "timestamp": message["publishTime"],
                    "eventType": "google.pubsub.topic.publish",
                    "resource": {"service": PUBSUB, "name": topic, "type": PUBSUB_MESSAGE_TYPE},
                },
                "data": {"@type": PUBSUB_MESSAGE_TYPE, "data": message["data"],
                         "attributes": message.get("attributes", {})},
            }
            return "POST", "/", {"content-type": "application/json"}, _json(legacy)
        raise ValueError(f"unknown gcp message shape {shape!r}; use one of {', '.join(PUBSUB_SHAPES)}")

    def names(self, binding: Any) -> tuple[str, str, str]:
        """(subscription path, topic path, push URL path) that reach `binding`."""
        project = f"projects/{self.project}"
        if isinstance(binding, QueueBinding):
            topic = options.queue_topic(binding) or f"{binding.name}-topic"
            return f"{project}/subscriptions/{binding.name}", f"{project}/topics/{topic}", "/"
        if isinstance(binding, SubscriptionBinding):
            push = options.push_subscription(binding)
            topic_path = f"{project}/topics/{binding.name}"
            if push:
                return f"{project}/subscriptions/{push}", topic_path, "/"
            # A 1st-gen style push URL names the topic; the subscription name is the platform's.
            return f"{project}/subscriptions/gcf-{binding.name}", topic_path, f"/{topic_path}"
        if isinstance(binding, ScheduleBinding):
            topic = options.schedule_topic(binding)
            return f"{project}/subscriptions/{topic}-push", f"{project}/topics/{topic}", "/"
        raise ValueError(f"gcp delivers Pub/Sub messages to queue, subscription and schedule bindings, "
                         f"not {binding!r}")

    def pubsub_message(self, binding: Any, data: bytes, outgoing: Outgoing) -> dict[str, Any]:
        attributes = dict(outgoing.headers)
        if isinstance(binding, ScheduleBinding):
            attributes[SCHEDULE_ATTRIBUTE] = binding.name
        message: dict[str, Any] = {
            "data": base64.b64encode(data).decode("ascii"),
            "messageId": outgoing.id,
            "publishTime": _now(),
        }
        if attributes:
            message["attributes"] = attributes
        if outgoing.group:
            message["orderingKey"] = outgoing.group
        return message

    def event(self, binding: EventBinding, data: bytes, outgoing: Outgoing) -> CloudEvent:
        kind = STORAGE_TYPES.get(binding.pattern) or binding.pattern.replace("*", "x").replace("?", "x")
        try:
            value: Any = json.loads(data) if data else None
            content_type = outgoing.headers.get("content-type") or "application/json"
        except ValueError:
            value, content_type = data, outgoing.headers.get("content-type") or "application/octet-stream"
        source = "//portside.test/events"
        subject = None
        if kind.startswith("google.cloud.storage.object.v1.") and isinstance(value, dict):
            # Sent as {"bucket", "key", "size"} like every kit; Cloud Storage names the key `name`.
            bucket, name = value.get("bucket", "bucket"), value.get("key", value.get("name", "object"))
            size = str(value.get("size", 0))
            extra = {k: v for k, v in value.items() if k not in ("key", "size")}
            value = {"kind": "storage#object", "bucket": bucket, "name": name, "size": size, "generation": "1",
                     "contentType": "application/octet-stream", "etag": f"e-{outgoing.id}", **extra}
            source = f"//storage.googleapis.com/projects/_/buckets/{bucket}"
            subject = f"objects/{name}"
        return CloudEvent(kind, source, value, id=outgoing.id, time=_now(), subject=subject,
                          datacontenttype=content_type)


def state_of(answer: HttpResponse) -> State:
    """The state the platform reads from an answer: any 2xx is an ack; the header tells an ack
    from a dead-lettered message."""
    marked = answer.headers.get(DELIVERY_HEADER)
    if 200 <= answer.status < 300:
        return State.DEAD_LETTERED if marked == State.DEAD_LETTERED.value else State.ACKNOWLEDGED
    return _STATUS_STATES.get(answer.status, State.HANDED_BACK)


def _correlation(outgoing: Outgoing) -> dict[str, str]:
    value = outgoing.headers.get("x-correlation-id")
    return {"x-correlation-id": value} if value else {}


def _json(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
