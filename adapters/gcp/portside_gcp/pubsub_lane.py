"""Pub/Sub messages a lane serves (portside.lanes), for the fast path (fast.py).

One message whose binding's topic has a lane, in a binary-mode messagePublished CloudEvent or a
push envelope (each shape tried before these refuses what is read here), on a path no HTTP
binding routes; its data JSON the model accepts; its attributes naming no schedule and no
content type but JSON. Read as cloudevent_binary, pubsub_push and pubsub.py read it, with their
helpers. On success nothing but the answer is built; a handler that raised or returned a value
is settled by a Batch the shape reads, from `Lane.outcome`.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json

from portside import HttpResponse, State, Status
from portside.kit import DELIVERY_HEADER, DELIVERY_STATUS, MISS, Lane, Malformed, Redeliver, text

from . import cloudevent_binary, pubsub, pubsub_push
from .events import PUBLISHED
from .native import to_flask
from .options import short_name
from .routes import SCHEDULE_ATTRIBUTE

if TYPE_CHECKING:
    from .lane_target import LaneTarget

_JSON = "application/json"
_CORRELATION = "x-correlation-id"
_ACKNOWLEDGED = State.ACKNOWLEDGED
_NO_CONTENT = Status.NO_CONTENT.value  # what a handler's None becomes (its Result's status)
# (message, the topic the delivery names, its binding, the correlation id its envelope sends)
Found = tuple[dict[str, Any], "str | None", Any, "str | None"]


class PubSubLane:
    """The answer to a request carrying one Pub/Sub message a lane serves, or MISS."""

    def __init__(self, target: LaneTarget, response: Any) -> None:
        self.target = target
        self.app = target.app
        self.routes = target.deployment.routes
        self.verifier = target.deployment.verifier
        self.fallback = self.routes.event(PUBLISHED)  # a messagePublished event no name binds
        self.response = response

    def answer(
        self, flask_request: Any, environ: Any, method: str, path: str, body: bytes, context: Any
    ) -> Any:
        shape: ModuleType
        if "HTTP_CE_SPECVERSION" in environ:
            found, shape = self.cloudevent(environ, body), cloudevent_binary
        elif method == "POST" and (environ.get("CONTENT_TYPE") or _JSON) == _JSON:
            found, shape = self.push(path, body), pubsub_push
        else:
            return MISS
        if found is None or self.target.routes_http(method, path):  # a bound route is never an event
            return MISS
        message, topic, binding, sent = found
        lane = self.lane(binding, topic)
        if lane is None:
            return MISS
        return self.deliver(flask_request, environ, path, shape, lane, message, sent, context)

    def cloudevent(self, environ: Any, body: bytes) -> Found | None:
        """What cloudevent_binary and events.py read from a messagePublished event, or None."""
        source = environ.get("HTTP_CE_SOURCE")
        if (
            environ.get("HTTP_CE_TYPE") != PUBLISHED
            or not environ["HTTP_CE_SPECVERSION"]
            or not environ.get("HTTP_CE_ID")
            or not source
            or (environ.get("CONTENT_TYPE") or _JSON) != _JSON
        ):
            return None
        envelope = document(body)
        if envelope is None or type(envelope.get("message")) is not dict:
            return None
        topic = short_name(source) if "/topics/" in source else None
        binding = self.routes.pubsub(text(envelope.get("subscription")), topic) or self.fallback
        sent = environ.get("HTTP_X_CORRELATION_ID") or environ.get("HTTP_CE_CORRELATIONID")
        return envelope["message"], topic, binding, sent

    def push(self, path: str, body: bytes) -> Found | None:
        """What pubsub_push reads from a push envelope (Request.document's rules), or None."""
        if body.lstrip()[:1] != b"{":
            return None
        envelope = document(body)
        if envelope is None or "context" in envelope:
            return None
        message, subscription = envelope.get("message"), envelope.get("subscription")
        if type(message) is not dict or type(subscription) is not str:
            return None
        topic = pubsub_push.topic_in_path(path)
        return message, topic, self.routes.pubsub(text(subscription), topic), None

    def lane(self, binding: Any, topic: str | None) -> Lane | None:
        """The lane of the binding's fixed topic; None for a schedule's tick, no binding, or a
        binding that dispatches by each message's own topic."""
        if binding is None or binding.dispatches_by_message_topic:
            return None
        if self.routes.schedule(None, topic) is not None:
            return None
        return self.app.lanes.get(binding.topic)

    def deliver(
        self, flask_request: Any, environ: Any, path: str, shape: ModuleType, lane: Lane,
        message: dict[str, Any], sent: str | None, context: Any,
    ) -> Any:
        """Validate the message's data, authenticate, run the handler, answer as the general path."""
        message_id = text(message.get("messageId")) or text(message.get("message_id"))
        if message_id is None:
            return MISS
        try:
            attributes = pubsub.attributes_of(message.get("attributes"))
            data = pubsub.data_of(message.get("data"))
        except Malformed:
            return MISS
        if attributes:
            kind = attributes.get("content-type")
            if SCHEDULE_ATTRIBUTE in attributes or (kind and kind != _JSON):
                return MISS
            sent = attributes.get(_CORRELATION, sent)  # the message's own wins over the envelope's
        model = validated(lane, data)
        if model is None:
            return MISS
        if self.verifier is not None:
            verified = self.target.authenticate(self.verifier, environ.get("HTTP_AUTHORIZATION"), path)
            if isinstance(verified, HttpResponse):
                return to_flask(verified)
            context.identity = verified
        value: Any = None
        error: Exception | None = None
        try:
            value = lane.fn(model)
        except Exception as exc:
            error = exc
        if value is None and error is None:
            return self.acknowledged(message_id, sent or message_id)
        return self.settle(flask_request, shape, lane, value, error, context)

    def acknowledged(self, message_id: str, correlation_id: str) -> Any:
        """kit.render_delivery's answer for an acknowledged message whose handler returned None."""
        payload = {"state": _ACKNOWLEDGED.value, "status": _NO_CONTENT, "message_id": message_id,
                   "correlation_id": correlation_id}
        headers = {"content-type": _JSON, DELIVERY_HEADER: _ACKNOWLEDGED.value, _CORRELATION: correlation_id}
        return self.response(to_json(payload), status=DELIVERY_STATUS[_ACKNOWLEDGED], headers=headers)

    def settle(
        self, flask_request: Any, shape: ModuleType, lane: Lane, value: Any, error: Exception | None,
        context: Any,
    ) -> Any:
        """The general answer for what the handler returned or raised: the request read by its
        shape into a Batch that settles the lane's outcome (the handler is not run again)."""
        entry = self.target.entry
        request = self.target.general_request(flask_request)
        try:
            batch = shape.to_batch(
                self.app, request, context, self.target.deployment,
                given=lambda read: lane.outcome(read, value, error),
            )
        except Redeliver:
            raise
        except Exception as exc:  # a defect, not bad input: as EntryPoint.read_batch answers it
            raise entry.unreadable(shape, exc) from None
        return to_flask(entry.answer(shape, batch))


def document(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, parsed as the shapes parse it (json.loads), or None."""
    if not body:
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return value if type(value) is dict else None


def validated(lane: Lane, data: bytes) -> Any:
    """The lane's model of the message's data, or None when the general path must read it (not
    UTF-8, outside the cheap limits, refused by the model, or a validator that raised)."""
    try:
        content = data.decode()
    except UnicodeDecodeError:
        return None
    if not content or (len(content) > lane.short and not lane.within_limits(content)):
        return None
    try:
        return lane.validate(content)
    except Exception:
        return None
