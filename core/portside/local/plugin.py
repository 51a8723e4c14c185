"""Hook implementations of the built-in `local` adapter."""

from __future__ import annotations

from typing import Any

from ..app import App
from ..message import Message
from ..plugins import Capabilities, hookimpl
from ..publisher import Publisher


@hookimpl
def portside_capabilities() -> Capabilities:
    return Capabilities(
        binding_kinds=frozenset(
            {"http", "queue", "subscription", "schedule", "event", "destination"}
        ),
        partial_batch_failure=True,
        ordering=True,
        dead_letter=True,
    )


@hookimpl
def portside_entry_point(app: App) -> Any:
    from .runtime import LocalRuntime

    return LocalRuntime(app)


@hookimpl
def portside_publisher(app: App) -> Publisher:
    from .runtime import LocalPublisher

    return LocalPublisher()


@hookimpl
def portside_translate(app: App, event: Any) -> list[Message]:
    """A local 'native event' is `{"topic": ..., "body": ..., "headers": {...}}`."""
    if not isinstance(event, dict) or not isinstance(event.get("topic"), str):
        raise ValueError('a local event is {"topic": "...", "body": ..., "headers": {...}}')
    return [app.inbound(event["topic"], body=event.get("body"), headers=event.get("headers"),
                        transport="local")]
