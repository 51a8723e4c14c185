"""Hook implementations of the `azure` adapter (registered under `portside.adapters`)."""

from __future__ import annotations

from typing import Any

# Imported here so a missing library fails when the adapter loads, with portside's "install
# portside[azure]" message, not later inside a startup check.
import azure.functions  # noqa: F401

from portside import App, Message, Publisher, TransportKind
from portside.kit import Capabilities, hookimpl

MAX_PAYLOAD = 64 * 1024  # a Storage queue message (the default queue); Service Bus standard: 256 KiB


@hookimpl
def portside_capabilities() -> Capabilities:
    return Capabilities(
        binding_kinds=frozenset({"http", "queue", "subscription", "schedule", "event", "destination"}),
        partial_batch_failure=False,
        ordering=True,
        dead_letter=True,
        max_payload_bytes=MAX_PAYLOAD,
        notes={
            "queue": "Storage queue name (azure={'service': 'servicebus'}: a Service Bus queue; "
                     "'eventhubs': an Event Hub)",
            "subscription": "Service Bus topic name (azure={'subscription': ...}; default: the service's name)",
            "schedule": "a Timer trigger (NCRONTAB, UTC)",
            "event": "Event Grid event type, or storage.object.created / storage.object.deleted "
                     "(azure={'source': 'blob', 'path': 'container/{name}'}: a Blob trigger)",
            "destination": "logical name: a Service Bus topic (channel 'topic'), a Storage queue "
                           "(channel 'queue'), an Event Grid topic (channel 'events')",
        },
    )


@hookimpl
def portside_check(app: App) -> list[str]:
    """Azure options, schedules, settings and targets that could never work stop the startup."""
    from . import options
    from .functionapp import auth_level
    from .ncrontab import ScheduleError, time_zone_problem, to_ncrontab

    found = options.problems(app)
    schedules = app.bindings.of_kind(TransportKind.SCHEDULE)
    for binding in schedules:
        try:
            to_ncrontab(binding.expression)  # type: ignore[union-attr]
        except ScheduleError as exc:
            found.append(f"schedule({binding.name!r}): {exc}")
    zone = time_zone_problem() if schedules else None
    if zone:
        found.append(zone)
    try:
        auth_level()
    except ValueError as exc:
        found.append(str(exc))
    return found


@hookimpl
def portside_entry_point(app: App) -> Any:
    from .functionapp import build

    return build(app)


@hookimpl
def portside_publisher(app: App) -> Publisher:
    from .publisher import AzurePublisher

    return AzurePublisher(app)


@hookimpl
def portside_accepts_target(app: App, target: str) -> bool:
    """Azure resolves logical names only (from connection app settings); native ids are refused."""
    return False


@hookimpl
def portside_translate(app: App, event: Any) -> list[Message]:
    from .translate import translate

    return translate(app, event)


@hookimpl
def portside_testing_kit(app: App) -> Any:
    from .testing_kit import AzureTestingKit

    return AzureTestingKit(app)
