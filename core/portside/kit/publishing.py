"""What every adapter's publisher shares: resolving targets, attributes, envelopes.

An adapter subclasses PublisherBase and implements two methods:

    resolve(target, channel) -> Any       # a logical name or native id -> its platform address
    send(address, message) -> None        # one message out (raise PublishError on failure)

Resolution is cached per target. A logical name (`orders-events`) is resolved by the adapter on
its own platform; `channel` says what it names ("topic", "queue" or "events"): the destination
binding's channel, "queue" for a dead-letter target no destination describes.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ..bindings import DestinationBinding
from ..message import CORRELATION_HEADER, TOPIC_HEADER, Message
from ..publisher import PublishError
from ..settlement import ENCODING_HEADER, as_text, kept_body

if TYPE_CHECKING:
    from ..app import App

_OUR_PREFIXES = ("portside-", "x-portside-")


class PublisherBase:
    """Target parsing, caching and attribute/envelope building for adapters' publishers."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._resolved: dict[str, Any] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- adapter's part
    def resolve(self, target: str, channel: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def send(self, address: Any, message: Message) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # ---------------------------------------------------------------- Publisher
    def publish(self, message: Message, target: str | None) -> None:
        if target is None:
            raise PublishError(
                f"nowhere to publish topic {message.topic!r}: add destination({message.topic!r}, "
                "\"<name>\") to the startup file's bindings"
            )
        self.send(self.address_of(target, message), message)

    def address_of(self, target: str, message: Message | None = None) -> Any:
        """`target` resolved (once) to the adapter's address."""
        address = self._resolved.get(target)
        if address is None:
            channel = self.channel_of(target, message)
            address = self.resolve(target, channel)
            if self.cacheable(target):
                with self._lock:
                    self._resolved[target] = address
        return address

    def cacheable(self, target: str) -> bool:
        """Whether a target's resolution may be kept across invocations (override to refuse)."""
        return True

    def channel_of(self, target: str, message: Message | None = None) -> str:
        for binding in self.app.bindings:
            if isinstance(binding, DestinationBinding) and binding.target == target:
                return binding.channel
        if message is not None and message.transport == "dead-letter":
            return "queue"
        return "topic"

    # ---------------------------------------------------------------- shared building
    @staticmethod
    def attributes(message: Message) -> list[tuple[str, str]]:
        """Topic and correlation id first, then portside's own headers, then the rest, then the
        body's encoding marker when it travels as base64 text."""
        pairs: list[tuple[str, str]] = []
        if message.topic:
            pairs.append((TOPIC_HEADER, message.topic))
        pairs.append((CORRELATION_HEADER, message.correlation_id))
        ours: list[tuple[str, str]] = []
        theirs: list[tuple[str, str]] = []
        for name, value in message.headers.items():
            if name in (TOPIC_HEADER, CORRELATION_HEADER) or not value:
                continue
            (ours if name.startswith(_OUR_PREFIXES) else theirs).append((name, value))
        return pairs + ours + theirs

    @staticmethod
    def body_text(message: Message) -> tuple[str, str | None]:
        """The body as text, for targets that only hold text: (text, "base64" | None)."""
        return as_text(kept_body(message))

    @classmethod
    def text_and_attributes(cls, message: Message) -> tuple[str, list[tuple[str, str]]]:
        """The body as text plus the attributes, with `x-portside-encoding: base64` when needed."""
        text, encoding = cls.body_text(message)
        pairs = cls.attributes(message)
        if encoding is not None:
            pairs.insert(2, (ENCODING_HEADER, encoding))
        return text, pairs

    @classmethod
    def envelope(cls, message: Message, source: str) -> dict[str, Any]:
        """A structured-mode CloudEvent (JSON) for targets without message attributes: the topic
        is `type`, headers become extension attributes, the body `data` (or `data_base64`)."""
        from .cloudevents import to_structured

        return to_structured(message, source)
