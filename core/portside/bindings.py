"""Neutral transport declarations, made in the startup file and never in handler code.

Each adapter maps the kinds to its cloud: a `queue` is SQS on AWS, a Storage Queue or Service
Bus queue on Azure, a Pub/Sub subscription on GCP, an in-memory queue locally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .errors import BindingError

BindingKind = Literal["http", "queue", "subscription", "schedule", "event", "destination"]
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON_FIELDS = 5


@dataclass(frozen=True)
class HttpBinding:
    method: str
    path: str
    topic: str
    kind: Literal["http"] = "http"

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class QueueBinding:
    name: str
    topic: str
    dead_letter: str | None = None
    ordered: bool = False
    kind: Literal["queue"] = "queue"


@dataclass(frozen=True)
class SubscriptionBinding:
    name: str
    topic: str
    dead_letter: str | None = None
    kind: Literal["subscription"] = "subscription"


@dataclass(frozen=True)
class ScheduleBinding:
    name: str
    topic: str
    expression: str
    kind: Literal["schedule"] = "schedule"


@dataclass(frozen=True)
class EventBinding:
    pattern: str
    topic: str
    dead_letter: str | None = None
    kind: Literal["event"] = "event"

    @property
    def name(self) -> str:
        return self.pattern


@dataclass(frozen=True)
class DestinationBinding:
    """Outbound: messages published on `topic` go to `target` (an ARN, queue URL, topic path...)."""

    topic: str
    target: str
    kind: Literal["destination"] = "destination"

    @property
    def name(self) -> str:
        return self.target


Binding = (
    HttpBinding | QueueBinding | SubscriptionBinding | ScheduleBinding | EventBinding | DestinationBinding
)
InboundBinding = HttpBinding | QueueBinding | SubscriptionBinding | ScheduleBinding | EventBinding


def _check_topic(topic: str, what: str) -> None:
    if not isinstance(topic, str) or not topic:
        raise BindingError(f"{what}: the topic must be a non-empty string")


def http(route: str, topic: str) -> HttpBinding:
    """`http("POST /orders/{id}/cancel", "orders.cancel")`; `{path+}` is a greedy tail."""
    method, _, path = route.strip().partition(" ")
    method = method.upper()
    path = path.strip()
    if method not in _METHODS or not path.startswith("/"):
        raise BindingError(
            f"http({route!r}): write the route as 'METHOD /path', e.g. 'POST /orders/{{id}}'; "
            f"methods: {', '.join(sorted(_METHODS))}"
        )
    _check_topic(topic, f"http({route!r})")
    return HttpBinding(method, path, topic)


def queue(name: str, topic: str, *, dead_letter: str | None = None, ordered: bool = False) -> QueueBinding:
    """Messages from queue `name` go to `topic`; poison messages go to `dead_letter` if set."""
    _check_topic(topic, f"queue({name!r})")
    return QueueBinding(name, topic, dead_letter, ordered)


def subscription(name: str, topic: str, *, dead_letter: str | None = None) -> SubscriptionBinding:
    """Messages of pub/sub subscription `name` (SNS topic, Service Bus topic, Pub/Sub) go to `topic`."""
    _check_topic(topic, f"subscription({name!r})")
    return SubscriptionBinding(name, topic, dead_letter)


def schedule(name: str, topic: str, expression: str) -> ScheduleBinding:
    """A timer: `expression` is `rate(5 minutes)` or a five-field cron `0 2 * * *` (UTC)."""
    _check_topic(topic, f"schedule({name!r})")
    expression = expression.strip()
    if not (_RATE.match(expression) or len(expression.split()) == _CRON_FIELDS):
        raise BindingError(
            f"schedule({name!r}, ..., {expression!r}): use 'rate(N minutes|hours|days)' "
            "or a five-field cron such as '0 2 * * *'"
        )
    return ScheduleBinding(name, topic, expression)


def event(pattern: str, topic: str, *, dead_letter: str | None = None) -> EventBinding:
    """Events whose type matches `pattern` (`*` wildcards, e.g. `Object Created`, `order.*`)."""
    _check_topic(topic, f"event({pattern!r})")
    if not pattern:
        raise BindingError("event(): the type pattern must be a non-empty string")
    return EventBinding(pattern, topic, dead_letter)


def destination(topic: str, target: str) -> DestinationBinding:
    """Where `ctx.publish(topic, ...)` sends: the adapter's publisher interprets `target`."""
    _check_topic(topic, f"destination({target!r})")
    if not target:
        raise BindingError(f"destination({topic!r}): the target must be a non-empty string")
    return DestinationBinding(topic, target)
