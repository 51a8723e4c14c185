"""What a handler may ask for besides its body: correlation id, logger, deadline, publishing."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from .logs import ContextLogger
from .message import CORRELATION_HEADER, Message

PublishFn = Callable[[Message], None]


class Context:
    """Per-message context. Created only for handlers that declare a `Context` parameter."""

    __slots__ = ("_publish", "message")

    def __init__(self, message: Message, publish: PublishFn) -> None:
        self.message = message
        self._publish = publish

    @property
    def correlation_id(self) -> str:
        return self.message.correlation_id

    @property
    def identity(self) -> Mapping[str, Any] | None:
        """Claims of the authenticated caller, when the transport verified one."""
        return self.message.identity

    @property
    def logger(self) -> ContextLogger:
        """A logger whose lines carry this message's correlation id and topic."""
        return ContextLogger(correlation_id=self.message.correlation_id, topic=self.message.topic)

    def remaining_seconds(self) -> float | None:
        """Seconds until the platform stops this invocation, or None when there is no deadline."""
        deadline = self.message.deadline
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    def publish(self, topic: str, body: Any = None, *, headers: Mapping[str, str] | None = None) -> None:
        """Send a message out; it carries this message's correlation id."""
        outbound_headers = {**(headers or {}), CORRELATION_HEADER: self.message.correlation_id}
        self._publish(
            Message(
                topic,
                body,
                headers=outbound_headers,
                correlation_id=self.message.correlation_id,
                transport="outbound",
            )
        )
