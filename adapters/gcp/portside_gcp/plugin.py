"""Hook implementations of the `gcp` adapter (registered under `portside.adapters`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portside import App, Message, Publisher
from portside.kit import Capabilities, hookimpl

if TYPE_CHECKING:  # packaging is a command-line concern: never imported on a cold start
    from collections.abc import Mapping
    from pathlib import Path

    from portside.kit import PackageReport

PUBSUB_MAX_BYTES = 10 * 1000 * 1000  # a Pub/Sub message, data and attributes


@hookimpl
def portside_capabilities() -> Capabilities:
    return Capabilities(
        binding_kinds=frozenset({"http", "queue", "subscription", "schedule", "event", "destination"}),
        partial_batch_failure=False,  # one message per push: each is settled on its own anyway
        ordering=True,
        dead_letter=True,
        max_payload_bytes=PUBSUB_MAX_BYTES,
        notes={
            "queue": "Pub/Sub subscription name (gcp={'topic': ...}: its topic, for Eventarc deliveries)",
            "subscription": "Pub/Sub topic name (gcp={'subscription': ...}: its push subscription)",
            "schedule": "Cloud Scheduler job name (unix-cron, Etc/UTC); it publishes to topic gcp={'topic'} "
                        "(default: the job's name) or calls the function",
            "event": "CloudEvent type (Eventarc), or storage.object.created / storage.object.deleted",
            "destination": "Pub/Sub topic name in the function's project, or projects/<p>/topics/<t>",
        },
    )


@hookimpl
def portside_check(app: App) -> list[str]:
    """Options, schedules, settings and destinations that could never work stop the startup."""
    from .checks import problems

    return problems(app)


@hookimpl
def portside_entry_point(app: App) -> Any:
    from .entry import build

    return build(app)


@hookimpl
def portside_publisher(app: App) -> Publisher:
    from .publisher import PubSubPublisher

    return PubSubPublisher(app)


@hookimpl
def portside_accepts_target(app: App, target: str) -> bool:
    """Native ids of this platform: `projects/<project>/topics/<topic>`."""
    from .publisher import is_topic_path

    return is_topic_path(target)


@hookimpl
def portside_translate(app: App, event: Any) -> list[Message]:
    """A `portside_gcp.native.Request` (or a Flask request) -> the Messages it carries."""
    from .entry import Target, translate
    from .native import Request
    from .settings import GcpSettings

    if isinstance(event, Request):
        return translate(app, event)
    native = Target(app, GcpSettings.from_env()).native(event)
    if not isinstance(native, Request):
        raise ValueError("the request is too large to translate")
    return translate(app, native)


@hookimpl
def portside_testing_kit(app: App) -> Any:
    from .testing_kit import GcpTestingKit

    return GcpTestingKit(app)


@hookimpl
def portside_package(app: App, out: Path, options: Mapping[str, str]) -> PackageReport:
    """`portside package --cloud gcp`: the source folder and deploy.sh (package.py)."""
    from .package import package

    return package(app, out, options)
