"""Hook implementations of the `aws` adapter (registered under `portside.adapters`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portside.kit import Capabilities, hookimpl

if TYPE_CHECKING:  # packaging is a command-line concern: never imported on a cold start
    from collections.abc import Mapping
    from pathlib import Path

    from portside import App, Message, Publisher
    from portside.kit import PackageReport


@hookimpl
def portside_capabilities() -> Capabilities:
    return Capabilities(
        binding_kinds=frozenset({"http", "queue", "subscription", "schedule", "event", "destination"}),
        partial_batch_failure=True,
        ordering=True,
        dead_letter=True,
        max_payload_bytes=6 * 1024 * 1024,
        notes={
            "queue": "SQS queue name; a Kinesis stream, DynamoDB table or Kafka topic with "
                     "aws={'source': 'kinesis' | 'dynamodb' | 'kafka'}",
            "subscription": "SNS topic name",
            "schedule": "EventBridge rule name",
            "event": "EventBridge detail-type, S3 event name pattern, or OBJECT_CREATED / OBJECT_DELETED",
            "destination": "logical name: SNS topic (channel='topic'), SQS queue ('queue') or "
                           "EventBridge bus ('events') in the function's region and account",
        },
    )


@hookimpl
def portside_check(app: App) -> list[str]:
    """Options, stream dead-letter choices, sizes, targets and schedules that cannot work."""
    from .checks import problems

    return problems(app)


@hookimpl
def portside_accepts_target(app: App, target: str) -> bool:
    """SNS/SQS/EventBridge ARNs and SQS queue URLs are the aws adapter's native targets."""
    from .targets import parse_target

    try:
        parse_target(target)
    except ValueError:
        return False
    return True


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


@hookimpl
def portside_testing_kit(app: App) -> Any:
    """Real Lambda events from neutral input, through this app's entry point (contract suite)."""
    from .testing_kit import AwsTestingKit

    return AwsTestingKit(app)


@hookimpl
def portside_package(app: App, out: Path, options: Mapping[str, str]) -> PackageReport:
    """`portside package --cloud aws`: a SAM template, requirements.txt and the code (package.py)."""
    from .package import package

    return package(app, out, options)
