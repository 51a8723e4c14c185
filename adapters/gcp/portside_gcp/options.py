"""Per-binding Google Cloud options (`queue("orders", "t", gcp={...})`), their meaning and checks.

| binding | option | default | meaning |
|---|---|---|---|
| queue | (name) | | the Pub/Sub subscription the service consumes |
| queue | `topic` | none | the subscription's topic: deliveries naming only the topic (Eventarc) |
| subscription | (name) | | the Pub/Sub topic the service listens on |
| subscription | `subscription` | none | the push subscription's name (push envelopes name only it) |
| schedule | `topic` | the schedule's name | the Pub/Sub topic its Cloud Scheduler job publishes to |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portside.kit import QueueBinding, ScheduleBinding, SubscriptionBinding

ADAPTER = "gcp"
_KNOWN: dict[str, frozenset[str]] = {
    "queue": frozenset({"topic"}),
    "subscription": frozenset({"subscription"}),
    "schedule": frozenset({"topic"}),
    "event": frozenset(),
    "http": frozenset(),
    "destination": frozenset(),
}


def of(binding: Any) -> Mapping[str, Any]:
    found: Mapping[str, Any] = binding.options_for(ADAPTER)
    return found


def short_name(value: str) -> str:
    """`projects/p/topics/t` or `projects/p/subscriptions/s` -> the last segment; names stay."""
    return value.rstrip("/").rsplit("/", 1)[-1]


def queue_topic(binding: QueueBinding) -> str | None:
    value = of(binding).get("topic")
    return short_name(value) if isinstance(value, str) and value else None


def push_subscription(binding: SubscriptionBinding) -> str | None:
    value = of(binding).get("subscription")
    return short_name(value) if isinstance(value, str) and value else None


def schedule_topic(binding: ScheduleBinding) -> str:
    value = of(binding).get("topic")
    return short_name(value) if isinstance(value, str) and value else binding.name


def problems(bindings: list[Any]) -> list[str]:
    """Every gcp option that cannot work, each with its fix."""
    found: list[str] = []
    for binding in bindings:
        values = of(binding)
        kind = binding.kind.value
        known = _KNOWN.get(kind, frozenset())
        unknown = sorted(set(values) - known)
        where = f"{kind}({binding.name!r})"
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            found.append(f"{where}: unknown gcp option(s) {', '.join(unknown)}; known: {allowed}")
        for key in sorted(set(values) & known):
            value = values[key]
            if not isinstance(value, str) or not value.strip("/"):
                found.append(f"{where}: gcp {key}= is a Pub/Sub {key} name, e.g. 'orders' or "
                             f"'projects/my-project/{key}s/orders'")
    return found
