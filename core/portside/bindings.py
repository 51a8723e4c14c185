"""Neutral transport declarations, made in the startup file and never in handler code.

Each adapter maps the kinds to its cloud: a `queue` is SQS on AWS, a Storage Queue or Service
Bus queue on Azure, a Pub/Sub subscription on GCP, an in-memory queue locally.
"""

from __future__ import annotations

from typing import Literal

from .errors import BindingError
from .values import Value

BindingKind = Literal["http", "queue", "subscription", "schedule", "event", "destination"]
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_RATE = r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$"
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_CRON_FIELDS = 5


class HttpBinding(Value):
    __slots__ = ("method", "path", "topic")
    kind: Literal["http"] = "http"
    method: str
    path: str
    topic: str

    def __init__(self, method: str, path: str, topic: str) -> None:
        self._init(method=method, path=path, topic=topic)

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


class QueueBinding(Value):
    __slots__ = ("dead_letter", "name", "ordered", "topic")
    kind: Literal["queue"] = "queue"
    name: str
    topic: str
    dead_letter: str | None
    ordered: bool

    def __init__(self, name: str, topic: str, dead_letter: str | None = None, ordered: bool = False) -> None:
        self._init(name=name, topic=topic, dead_letter=dead_letter, ordered=ordered)


class SubscriptionBinding(Value):
    __slots__ = ("dead_letter", "name", "topic")
    kind: Literal["subscription"] = "subscription"
    name: str
    topic: str
    dead_letter: str | None

    def __init__(self, name: str, topic: str, dead_letter: str | None = None) -> None:
        self._init(name=name, topic=topic, dead_letter=dead_letter)


class ScheduleBinding(Value):
    __slots__ = ("expression", "name", "topic")
    kind: Literal["schedule"] = "schedule"
    name: str
    topic: str
    expression: str

    def __init__(self, name: str, topic: str, expression: str) -> None:
        self._init(name=name, topic=topic, expression=expression)


class EventBinding(Value):
    __slots__ = ("dead_letter", "pattern", "topic")
    kind: Literal["event"] = "event"
    pattern: str
    topic: str
    dead_letter: str | None

    def __init__(self, pattern: str, topic: str, dead_letter: str | None = None) -> None:
        self._init(pattern=pattern, topic=topic, dead_letter=dead_letter)

    @property
    def name(self) -> str:
        return self.pattern


class DestinationBinding(Value):
    """Outbound: messages published on `topic` go to `target` (an ARN, queue URL, topic path...)."""

    __slots__ = ("target", "topic")
    kind: Literal["destination"] = "destination"
    topic: str
    target: str

    def __init__(self, topic: str, target: str) -> None:
        self._init(topic=topic, target=target)

    @property
    def name(self) -> str:
        return self.target


Binding = (
    HttpBinding | QueueBinding | SubscriptionBinding | ScheduleBinding | EventBinding | DestinationBinding
)


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
    if not (rate_seconds(expression) is not None or len(expression.split()) == _CRON_FIELDS):
        raise BindingError(
            f"schedule({name!r}, ..., {expression!r}): use 'rate(N minutes|hours|days)' "
            "or a five-field cron such as '0 2 * * *'"
        )
    return ScheduleBinding(name, topic, expression)


def rate_seconds(expression: str) -> int | None:
    """Seconds between ticks of a `rate(N unit)` expression; None for anything else (cron)."""
    import re

    match = re.match(_RATE, expression.strip())
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


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
