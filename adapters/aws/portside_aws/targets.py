"""AWS publish targets: what a destination or dead-letter string names, and how large a message
each accepts. Read at startup (checks) without loading the publisher or boto3.

    arn:aws:sns:<region>:<account>:<topic>            SNS topic
    arn:aws:sqs:<region>:<account>:<queue>            SQS queue (or its https://sqs... URL)
    arn:aws:events:<region>:<account>:event-bus/<bus>  EventBridge bus
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from portside.kit import is_logical_name

if TYPE_CHECKING:
    from portside import App

# The largest message each target accepts, body and attributes together.
TARGET_MAX_BYTES = {"sqs": 1024 * 1024, "sns": 256 * 1024, "events": 256 * 1024}
_SQS_HOST = r"^(?:sqs[.-]([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)$"


class Target:
    """A parsed destination: which AWS service, in which region, at which address."""

    __slots__ = ("address", "fifo", "region", "service")

    def __init__(self, service: str, address: str, region: str | None, fifo: bool = False) -> None:
        self.service = service  # "sns" | "sqs" | "events"
        self.address = address  # topic ARN | queue ARN or URL | event bus ARN
        self.region = region
        self.fifo = fifo

    @property
    def is_queue_url(self) -> bool:
        return self.service == "sqs" and not self.address.startswith("arn:")

    def __repr__(self) -> str:
        return f"Target({self.service!r}, {self.address!r}, {self.region!r}, fifo={self.fifo})"


def parse_target(target: str) -> Target:
    """Interpret a destination string; raise ValueError saying what is accepted."""
    if target.startswith("arn:"):
        parts = target.split(":", 5)
        if len(parts) == 6 and all(parts[2:6]):
            _, _, service, region, _, resource = parts
            if service == "sns" and "/" not in resource:
                return Target("sns", target, region, resource.endswith(".fifo"))
            if service == "sqs" and "/" not in resource:
                return Target("sqs", target, region, resource.endswith(".fifo"))
            if service == "events" and resource.startswith("event-bus/") and resource[10:]:
                return Target("events", target, region)
    elif target.startswith(("https://", "http://")):
        host, _, path = target.split("://", 1)[1].partition("/")
        segments = [s for s in path.split("/") if s]
        if len(segments) == 2:
            match = re.match(_SQS_HOST, host.split(":", 1)[0].lower())
            url_region = (match.group(1) or match.group(2)) if match else None
            return Target("sqs", target, url_region, segments[1].endswith(".fifo"))
    raise ValueError(
        f"{target!r} is not an AWS destination. Use an SNS topic ARN "
        "(arn:aws:sns:<region>:<account>:<topic>), an SQS queue ARN or URL "
        "(arn:aws:sqs:<region>:<account>:<queue>, https://sqs.<region>.amazonaws.com/<account>/"
        "<queue>) or an EventBridge bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)"
    )


def target_problems(app: App) -> list[str]:
    """Native destination and dead-letter targets of `app` that the AWS publisher cannot use."""
    named: list[tuple[str, str]] = []
    for binding in app.bindings:
        if binding.kind == "destination":
            named.append((f"destination({binding.topic!r}, ...)", getattr(binding, "target", "")))
        elif dead_letter := getattr(binding, "dead_letter", None):
            named.append((f"{binding.kind.value}({binding.name!r}, dead_letter=...)", dead_letter))
    if app.dead_letter_target:
        named.append(("App(dead_letter=...)", app.dead_letter_target))
    problems = []
    for where, target in named:
        if target in ("drop", "hand-back") or is_logical_name(target):
            continue
        try:
            parse_target(target)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    return problems
