"""The publisher port: how handlers send messages out, whatever the transport."""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from .message import Message


class PublishError(Exception):
    """Raised by a publisher when a message could not be handed to the transport."""


@runtime_checkable
class Publisher(Protocol):
    """Adapters provide one. `target` comes from a `destination(topic, target)` binding, if any."""

    def publish(self, message: Message, target: str | None) -> None: ...


class InMemoryPublisher:
    """Records every published message; used by tests and the local runtime."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[tuple[Message, str | None]] = []

    def publish(self, message: Message, target: str | None) -> None:
        with self._lock:
            self.sent.append((message, target))

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return [message for message, _ in self.sent]

    def to(self, topic: str) -> list[Message]:
        """Messages published on `topic`, oldest first."""
        return [m for m in self.messages if m.topic == topic]

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()
