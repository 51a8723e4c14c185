"""Hook implementations of the `aws` adapter (registered under `portside.adapters`)."""

from __future__ import annotations

from typing import Any

from portside import App, Message, Publisher
from portside.plugins import Capabilities, hookimpl


@hookimpl
def portside_capabilities() -> Capabilities:
    return Capabilities(
        binding_kinds=frozenset({"http", "queue", "subscription", "schedule", "event", "destination"}),
        partial_batch_failure=True,
        ordering=True,
        dead_letter=True,
        max_payload_bytes=6 * 1024 * 1024,
        notes={
            "queue": "SQS queue, Kinesis stream, DynamoDB table stream or Kafka topic name",
            "subscription": "SNS topic name",
            "schedule": "EventBridge rule name",
            "event": "EventBridge detail-type or S3 event name pattern",
        },
    )


@hookimpl
def portside_check(app: App) -> list[str]:
    """Destination and dead-letter targets the publisher could never use stop the startup."""
    from .publisher import target_problems

    return target_problems(app)


@hookimpl
def portside_entry_point(app: App) -> Any:
    from .entry import make_handler

    return make_handler(app)


@hookimpl
def portside_publisher(app: App) -> Publisher:
    from .publisher import AwsPublisher

    return AwsPublisher.for_app(app)


@hookimpl
def portside_translate(app: App, event: Any) -> list[Message]:
    from .entry import translate

    return translate(app, event)
