"""In-memory channels: what `destination(...)` and dead-letter targets are on the local adapter.

A published message travels as it would on a cloud: serialised to text with its attributes
(topic, correlation id, headers), then delivered to every binding of the same app that listens
on the target's name (a `queue` or `subscription` of that name; for an "events" destination,
the `event` bindings matching the topic). Dead-lettered messages are kept, with their target,
in `dead_letters`. The local runtime and the testing client both publish through a LocalBroker,
so `make run`, tests and the clouds agree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..bindings import EventBinding, QueueBinding, SubscriptionBinding
from ..headers import Headers
from ..inbound import Inbound
from ..kit.publishing import PublisherBase
from ..kit.records import resolve_topic
from ..message import Message
from ..settlement import ENCODING_HEADER

if TYPE_CHECKING:
    from ..app import App

Listener = QueueBinding | SubscriptionBinding | EventBinding
# Receives each delivery: the Message as the listening binding reads it, and that binding.
Sink = Callable[[Message, Listener], None]


class Letter:
    """A message kept because it could not be processed: where it went and why."""

    __slots__ = ("message", "reason", "state", "target")

    def __init__(self, message: Message, target: str | None, state: str, reason: str = "") -> None:
        self.message = message
        self.target = target
        self.state = state
        self.reason = reason

    def describe(self) -> dict[str, Any]:
        body = self.message.data if self.message.data is not None else self.message.body
        return {
            "id": self.message.id,
            "topic": self.message.topic,
            "state": self.state,
            "target": self.target,
            "reason": self.reason,
            "body": body.decode("utf-8", "replace") if isinstance(body, bytes) else body,
            "headers": dict(self.message.headers),
            "correlation_id": self.message.correlation_id,
        }


class LocalBroker(PublisherBase):
    """The local adapter's publisher: records, serialises and delivers to the app's listeners."""

    def __init__(self, app: App, sink: Sink | None = None) -> None:
        super().__init__(app)
        self.sink = sink
        self.sent: list[tuple[Message, str | None]] = []
        self.dead_letters: list[Letter] = []
        self._record_lock = threading.Lock()

    def resolve(self, target: str, channel: str) -> tuple[str, str]:
        return target, channel

    def send(self, address: Any, message: Message) -> None:
        target, channel = address
        if message.transport == "dead-letter":  # kept, and delivered to a binding of that name too
            self.keep(message, target, "dead_lettered", message.headers.get("x-portside-error") or "")
        text, attributes = self.text_and_attributes(message)
        if message.transport != "dead-letter":
            with self._record_lock:
                self.sent.append((message, target))
        if self.sink is None:
            return
        headers = Headers(attributes)
        for binding in self.listeners(target, channel, message.topic):
            self.sink(self.received(binding, message, text, headers), binding)

    def keep(self, message: Message, target: str | None, state: str, reason: str = "") -> None:
        with self._record_lock:
            self.dead_letters.append(Letter(message, target, state, reason))

    def listeners(self, target: str, channel: str, topic: str) -> list[Listener]:
        bindings = self.app.bindings
        if channel == "events":
            found = bindings.event(topic)
            return [found] if found is not None else []
        listening: list[Listener] = []
        queue = bindings.queue(target)
        if queue is not None:
            listening.append(queue)
        subscription = bindings.subscription(target)
        if subscription is not None:
            listening.append(subscription)
        return listening

    def received(self, binding: Listener, message: Message, text: str, headers: Headers) -> Message:
        """The Message a listening binding reads: decoded from the text that travelled."""
        data: bytes | str = text
        if headers.get(ENCODING_HEADER) == "base64":
            import base64

            data = base64.b64decode(text)
        return self.app.receive(Inbound(
            resolve_topic(binding, headers), data, transport="local-queue",
            content_type=headers.get("content-type"), headers=headers, id=message.id,
            correlation_id=message.correlation_id,
            unroutable=f"channel {binding.name!r} dispatches by the message's topic and this one names none",
        ))

    @property
    def published(self) -> list[Message]:
        with self._record_lock:
            return [message for message, _ in self.sent]

    def to(self, topic: str) -> list[Message]:
        return [m for m in self.published if m.topic == topic]

    def to_target(self, target: str) -> list[Message]:
        with self._record_lock:
            return [m for m, t in self.sent if t == target]
