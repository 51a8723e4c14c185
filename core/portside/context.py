"""What a handler may ask for besides its body: correlation id, logger, deadline, publishing.

Publishing is buffered: `ctx.publish` checks the topic against the handler's declared
`publishes=[...]` and appends to this invocation's outbox; the core sends the outbox only after
the handler returned a success (see dispatch.py), so a handler that fails publishes nothing.
Each Context belongs to one invocation, so concurrent invocations never share an outbox.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import UndeclaredTopic
from .message import CORRELATION_HEADER, Message

if TYPE_CHECKING:
    from .logs import ContextLogger

_IDS = "6f1c3d2e-8a4b-4c5d-9e6f-7a8b9c0d1e2f"  # the namespace of published messages' ids


class Context:
    """Per-message context. Created only for handlers that declare a `Context` parameter."""

    __slots__ = ("_declared", "_handler_topic", "message", "outbox")

    def __init__(
        self, message: Message, declared: frozenset[str] = frozenset(), handler_topic: str = ""
    ) -> None:
        self.message = message
        self.outbox: list[Message] = []
        self._declared = declared
        self._handler_topic = handler_topic or message.topic

    @property
    def correlation_id(self) -> str:
        return self.message.correlation_id

    @property
    def message_id(self) -> str:
        """A stable id to deduplicate with: the same on every redelivery of this message (an
        HTTP request's `Idempotency-Key` header when it has one)."""
        return self.message.id

    @property
    def identity(self) -> Mapping[str, Any] | None:
        """Claims of the authenticated caller, when the transport verified one."""
        return self.message.identity

    @property
    def logger(self) -> ContextLogger:
        """A logger whose lines carry this message's correlation id and topic."""
        from .logs import ContextLogger

        return ContextLogger(correlation_id=self.message.correlation_id, topic=self.message.topic)

    def remaining_seconds(self) -> float | None:
        """Seconds until the platform stops this invocation, or None when there is no deadline."""
        deadline = self.message.deadline
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    def publish(self, topic: str, body: Any = None, *, headers: Mapping[str, str] | None = None) -> None:
        """Send a message on `topic` once the handler has succeeded (at-least-once).

        The topic must be declared: `@service.handler(..., publishes=[topic])`. The message
        carries this message's correlation id, and an id derived from this message's id, so a
        redelivered message publishes the same ids again (consumers can deduplicate).
        """
        if topic not in self._declared:
            declared = ", ".join(sorted(self._declared)) or "none"
            raise UndeclaredTopic(
                f"handler {self._handler_topic!r} published {topic!r}, which it does not declare "
                f"(declared: {declared}); add publishes=[{topic!r}] to "
                f"@service.handler({self._handler_topic!r}, ...) and a destination({topic!r}, ...) "
                "binding to the startup file"
            )
        correlation_id = self.message.correlation_id
        outbound_headers = {**(headers or {}), CORRELATION_HEADER: correlation_id}
        import uuid  # on the first publish only: it costs a cold start that publishes nothing

        message_id = str(uuid.uuid5(uuid.UUID(_IDS), f"{self.message.id}/{len(self.outbox)}/{topic}"))
        self.outbox.append(
            Message(topic, body, outbound_headers, message_id, correlation_id, "outbound")
        )
