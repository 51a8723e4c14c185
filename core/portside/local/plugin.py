"""Hook implementations of the built-in `local` adapter."""

from __future__ import annotations

from typing import Any

from ..adapters import Capabilities, hookimpl
from ..app import App
from ..inbound import Inbound
from ..message import Message
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
        notes={
            "queue": "an in-memory channel of that name (destinations with that name deliver to it)",
            "subscription": "an in-memory channel of that name",
            "destination": "a logical name: an in-memory channel delivering to this app's bindings",
        },
    )


@hookimpl
def portside_accepts_target(app: App, target: str) -> bool:
    """The local adapter resolves logical names only; native ids belong to a cloud."""
    return False


@hookimpl
def portside_entry_point(app: App) -> Any:
    from .runtime import LocalRuntime

    return LocalRuntime(app)


@hookimpl
def portside_publisher(app: App) -> Publisher:
    from .broker import LocalBroker

    return LocalBroker(app)


@hookimpl
def portside_translate(app: App, event: Any) -> list[Message]:
    """A local 'native event' is `{"topic": ..., "body": ..., "headers": {...}}`."""
    if not isinstance(event, dict) or not isinstance(event.get("topic"), str):
        raise ValueError('a local event is {"topic": "...", "body": ..., "headers": {...}}')
    return [app.receive(Inbound(event["topic"], body=event.get("body"), headers=event.get("headers"),
                                transport="local"))]


@hookimpl
def portside_testing_kit(app: App) -> Any:
    from .testing_kit import LocalTestingKit

    return LocalTestingKit(app)
