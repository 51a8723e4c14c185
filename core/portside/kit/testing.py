"""The testing kit every adapter ships, so one contract suite runs against all of them.

An adapter's `portside_testing_kit(app)` hook returns a TestingKit: it builds that platform's
native input from a neutral one exactly as the platform sends it, runs it through the adapter's
real entry point, and reads the native answer back into a neutral one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..http_types import HttpRequest, HttpResponse
from ..message import Message
from ..settlement import State


class Outgoing:
    """A message as a sender puts it on a queue, topic or bus: raw data plus attributes."""

    __slots__ = ("attempt", "data", "group", "headers", "id")

    def __init__(
        self,
        data: bytes | str,
        headers: Mapping[str, str] | None = None,
        *,
        id: str | None = None,
        attempt: int = 1,
        group: str | None = None,
    ) -> None:
        from ..message import new_id

        self.data = data
        self.headers = dict(headers or {})
        self.id = id or new_id()
        self.attempt = attempt
        self.group = group

    def __repr__(self) -> str:
        return f"Outgoing(id={self.id!r}, data={self.data!r:.60})"


class Delivered:
    """What became of delivered messages, read back from the native answer.

    `states[i]` is the state of the i-th message as the platform understands the answer
    (acknowledged / dead_lettered are both "not redelivered": the kit tells them apart by
    what reached the dead-letter target); `native` is the raw answer (or the raised error)."""

    __slots__ = ("dead_lettered", "native", "published", "redelivered", "states")

    def __init__(
        self,
        states: Sequence[State],
        native: Any,
        redelivered: Sequence[str],
        published: Sequence[tuple[Message, str | None]],
        dead_lettered: Sequence[tuple[Message, str | None]],
    ) -> None:
        self.states = list(states)
        self.native = native
        self.redelivered = list(redelivered)
        self.published = list(published)
        self.dead_lettered = list(dead_lettered)

    def __repr__(self) -> str:
        return f"Delivered(states={[s.value for s in self.states]}, native={self.native!r:.200})"


class TestingKit(Protocol):
    """Drive one adapter's real entry point through its native shapes."""

    adapter: str

    def http_shapes(self) -> Sequence[str]:
        """Names of the native HTTP shapes this adapter serves (e.g. "apigw_v2")."""

    def message_shapes(self) -> Mapping[str, Sequence[str]]:
        """Binding kind -> names of the native shapes that deliver it (e.g. queue: sqs, kinesis)."""

    def http(self, shape: str, request: HttpRequest) -> HttpResponse:
        """Send `request` as the platform would in `shape`; the neutral response the caller gets."""

    def deliver(self, shape: str, binding: Any, messages: Sequence[Outgoing]) -> Delivered:
        """Deliver `messages` by `binding` in one native invocation of `shape`."""
