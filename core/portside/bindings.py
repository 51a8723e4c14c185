"""Neutral transport declarations, made in the startup file and never in handler code.

Each adapter maps the kinds to its cloud: a `queue` is SQS on AWS, a Storage Queue or Service
Bus queue on Azure, a Pub/Sub subscription on GCP, an in-memory queue locally.

A binding's `name` means the same thing everywhere: the queue, topic or stream the service
consumes. What only one platform needs (a Service Bus subscription name, which AWS source a
queue is) goes in that adapter's options, keyed by the adapter's name:
`queue("orders", "orders.create", aws={"source": "kinesis"}, azure={"service": "servicebus"})`.
Each adapter validates its own options when the App is built; the core never reads them.

The App indexes its bindings once, at startup (`BindingTable`, at the end), so adapters find a
record's binding in O(1):

    app.bindings.queue("orders")          # the queue binding named "orders", or None
    app.bindings.event("Object Created")  # exact type, neutral name, or glob pattern
    app.bindings.of_kind(TransportKind.SCHEDULE)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

from .errors import BindingError, StartupError
from .values import Value

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

# `dead_letter=` values that are choices rather than targets.
DROP = "drop"  # acknowledge poison messages, logging their id and reason (never the body)
HAND_BACK = "hand-back"  # give poison messages back to the platform, whose own redrive keeps them
# A binding whose topic is MESSAGE_TOPIC dispatches each message by the topic it carries (the
# `portside-topic` attribute); a message without one, or with one no handler serves, is handed back.
MESSAGE_TOPIC = "*"
# Neutral event names every cloud has; `event(OBJECT_CREATED, ...)` needs no change between clouds.
OBJECT_CREATED = "storage.object.created"
OBJECT_DELETED = "storage.object.deleted"
NEUTRAL_EVENTS = frozenset({OBJECT_CREATED, OBJECT_DELETED})


class TransportKind(str, enum.Enum):
    """The kinds of binding; adapters declare which they support."""

    HTTP = "http"
    QUEUE = "queue"
    SUBSCRIPTION = "subscription"
    SCHEDULE = "schedule"
    EVENT = "event"
    DESTINATION = "destination"


BindingKind = TransportKind
PlatformOptions = Mapping[str, Mapping[str, Any]]
_NO_OPTIONS: Mapping[str, Any] = {}


class _Binding(Value):
    """What every binding has: a kind, a name, a topic and per-adapter options."""

    __slots__ = ()
    kind: TransportKind
    topic: str
    options: PlatformOptions

    def options_for(self, adapter: str) -> Mapping[str, Any]:
        """The options meant for `adapter` (e.g. `aws={...}` in the startup file), or {}."""
        return self.options.get(adapter, _NO_OPTIONS)

    @property
    def dispatches_by_message_topic(self) -> bool:
        return self.topic == MESSAGE_TOPIC


class HttpBinding(_Binding):
    __slots__ = ("method", "options", "path", "topic")
    kind = TransportKind.HTTP
    method: str
    path: str

    def __init__(self, method: str, path: str, topic: str, options: PlatformOptions | None = None) -> None:
        self._init(method=method, path=path, topic=topic, options=_options(options))

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


class QueueBinding(_Binding):
    __slots__ = ("dead_letter", "name", "options", "ordered", "topic")
    kind = TransportKind.QUEUE
    name: str
    dead_letter: str | None
    ordered: bool

    def __init__(
        self,
        name: str,
        topic: str,
        dead_letter: str | None = None,
        ordered: bool = False,
        options: PlatformOptions | None = None,
    ) -> None:
        self._init(name=name, topic=topic, dead_letter=dead_letter, ordered=ordered, options=_options(options))


class SubscriptionBinding(_Binding):
    __slots__ = ("dead_letter", "name", "options", "topic")
    kind = TransportKind.SUBSCRIPTION
    name: str
    dead_letter: str | None

    def __init__(
        self, name: str, topic: str, dead_letter: str | None = None, options: PlatformOptions | None = None
    ) -> None:
        self._init(name=name, topic=topic, dead_letter=dead_letter, options=_options(options))


class ScheduleBinding(_Binding):
    __slots__ = ("expression", "name", "options", "topic")
    kind = TransportKind.SCHEDULE
    name: str
    expression: str

    def __init__(
        self, name: str, topic: str, expression: str, options: PlatformOptions | None = None
    ) -> None:
        self._init(name=name, topic=topic, expression=expression, options=_options(options))


class EventBinding(_Binding):
    """`pattern` is a neutral event name (OBJECT_CREATED, ...) or a platform's event type glob."""

    __slots__ = ("dead_letter", "options", "pattern", "topic")
    kind = TransportKind.EVENT
    pattern: str
    dead_letter: str | None

    def __init__(
        self, pattern: str, topic: str, dead_letter: str | None = None, options: PlatformOptions | None = None
    ) -> None:
        self._init(pattern=pattern, topic=topic, dead_letter=dead_letter, options=_options(options))

    @property
    def name(self) -> str:
        return self.pattern


DestinationChannel = Literal["topic", "queue", "events"]
_CHANNELS = ("topic", "queue", "events")


class DestinationBinding(_Binding):
    """Outbound: messages published on `topic` go to `target`.

    `target` is a logical name (`orders-events`) that every adapter resolves on its own platform
    (`channel` says which kind of thing it names: a pub/sub topic, a queue, an event bus), or a
    native identifier (an ARN, a queue URL) that only one adapter accepts.
    """

    __slots__ = ("channel", "options", "target", "topic")
    kind = TransportKind.DESTINATION
    target: str
    channel: DestinationChannel

    def __init__(
        self,
        topic: str,
        target: str,
        channel: DestinationChannel = "topic",
        options: PlatformOptions | None = None,
    ) -> None:
        self._init(topic=topic, target=target, channel=channel, options=_options(options))

    @property
    def name(self) -> str:
        return self.target

    @property
    def is_logical(self) -> bool:
        return is_logical_name(self.target)


InboundBinding = QueueBinding | SubscriptionBinding | ScheduleBinding | EventBinding
Binding = HttpBinding | QueueBinding | SubscriptionBinding | ScheduleBinding | EventBinding | DestinationBinding


def is_logical_name(target: str) -> bool:
    """A logical destination name: letters, digits, `.`, `_`, `-` (no `:` or `/`, which native
    identifiers such as ARNs and URLs have)."""
    import re

    return re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}", target) is not None


def _options(options: PlatformOptions | None) -> PlatformOptions:
    if not options:
        return {}
    for adapter, values in options.items():
        if not isinstance(values, Mapping):
            raise BindingError(
                f"options for adapter {adapter!r} must be a dict, e.g. {adapter}={{'name': 'value'}}"
            )
    return {adapter: dict(values) for adapter, values in options.items()}


def _check_topic(topic: str, what: str) -> None:
    if not isinstance(topic, str) or not topic:  # MESSAGE_TOPIC ("*") is a valid topic here
        raise BindingError(f"{what}: the topic must be a non-empty string")


def http(route: str, topic: str, **options: Mapping[str, Any]) -> HttpBinding:
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
    return HttpBinding(method, path, topic, options)


def queue(
    name: str,
    topic: str,
    *,
    dead_letter: str | None = None,
    ordered: bool = False,
    **options: Mapping[str, Any],
) -> QueueBinding:
    """Messages from queue `name` go to `topic` (MESSAGE_TOPIC: each message's own topic).

    Poison messages go to `dead_letter` (a target, DROP or HAND_BACK); with none they are handed
    back to the platform. `ordered`: keep order within a message group / ordering key."""
    _check_topic(topic, f"queue({name!r})")
    _check_name(name, "queue")
    _check_dead_letter(dead_letter, f"queue({name!r})")
    return QueueBinding(name, topic, dead_letter, ordered, options)


def subscription(
    name: str, topic: str, *, dead_letter: str | None = None, **options: Mapping[str, Any]
) -> SubscriptionBinding:
    """Messages published to pub/sub topic `name` (SNS, Service Bus topic, Pub/Sub) go to `topic`.

    Platform-side names (a Service Bus subscription, a Pub/Sub push subscription) are adapter
    options with documented defaults."""
    _check_topic(topic, f"subscription({name!r})")
    _check_name(name, "subscription")
    _check_dead_letter(dead_letter, f"subscription({name!r})")
    return SubscriptionBinding(name, topic, dead_letter, options)


def schedule(name: str, topic: str, expression: str, **options: Mapping[str, Any]) -> ScheduleBinding:
    """A timer: `expression` is `rate(5 minutes)`, a five-field cron `0 2 * * *` (UTC) or AWS
    `cron(0 2 * * ? *)`; see portside.schedules for the grammar. Invalid ones fail here."""
    from .schedules import ScheduleError, parse_schedule

    _check_topic(topic, f"schedule({name!r})")
    _check_name(name, "schedule")
    expression = " ".join(str(expression).split())
    try:
        parse_schedule(expression)
    except ScheduleError as exc:
        raise ScheduleError(f"schedule({name!r}, {topic!r}, ...): {exc}") from None
    return ScheduleBinding(name, topic, expression, options)


def rate_seconds(expression: str) -> int | None:
    """Seconds between ticks of a valid `rate(N unit)` expression; None for anything else (a
    cron, or an expression outside the grammar)."""
    from .schedules import Rate, ScheduleError, parse_schedule

    try:
        parsed = parse_schedule(expression)
    except ScheduleError:
        return None
    return parsed.seconds if isinstance(parsed, Rate) else None


def event(
    pattern: str, topic: str, *, dead_letter: str | None = None, **options: Mapping[str, Any]
) -> EventBinding:
    """Events whose type matches `pattern`: a neutral name (OBJECT_CREATED, OBJECT_DELETED) that
    every adapter maps, or a platform's type with `*` wildcards (`Object Created`, `order.*`)."""
    _check_topic(topic, f"event({pattern!r})")
    if not pattern or not isinstance(pattern, str):
        raise BindingError("event(): the type pattern must be a non-empty string")
    _check_dead_letter(dead_letter, f"event({pattern!r})")
    return EventBinding(pattern, topic, dead_letter, options)


def destination(
    topic: str,
    target: str,
    *,
    channel: DestinationChannel = "topic",
    **options: Mapping[str, Any],
) -> DestinationBinding:
    """Where `ctx.publish(topic, ...)` sends: a logical name every adapter resolves (`channel`:
    "topic", "queue" or "events", an event bus), or a native identifier one adapter accepts."""
    _check_topic(topic, f"destination({target!r})")
    if not target or not isinstance(target, str):
        raise BindingError(f"destination({topic!r}): the target must be a non-empty string")
    if channel not in _CHANNELS:
        raise BindingError(f"destination({topic!r}, channel={channel!r}): use one of {', '.join(_CHANNELS)}")
    return DestinationBinding(topic, target, channel, options)


def _check_name(name: str, kind: str) -> None:
    if not isinstance(name, str) or not name:
        raise BindingError(f"{kind}(): the name must be the non-empty name of the {kind} consumed")


def _check_dead_letter(dead_letter: str | None, what: str) -> None:
    if dead_letter is not None and (not isinstance(dead_letter, str) or not dead_letter):
        raise BindingError(
            f"{what}: dead_letter is a target name, {DROP!r} or {HAND_BACK!r}; leave it out to hand "
            "poison messages back to the platform"
        )


class BindingTable:
    """Every binding of an App, iterable in declaration order, with per-kind lookups."""

    def __init__(self, bindings: Iterable[Binding]) -> None:
        self._all: tuple[Binding, ...] = tuple(bindings)
        self._queues: dict[str, QueueBinding] = {}
        self._subscriptions: dict[str, SubscriptionBinding] = {}
        self._schedules: dict[str, ScheduleBinding] = {}
        self._events_exact: dict[str, EventBinding] = {}
        self._events_glob: list[EventBinding] = []
        self._destinations: dict[str, DestinationBinding] = {}
        problems: list[str] = []
        for binding in self._all:
            if isinstance(binding, DestinationBinding):
                _put_unique(self._destinations, binding.topic, binding, problems, "destination for topic")
            elif isinstance(binding, QueueBinding):
                _put_unique(self._queues, binding.name, binding, problems)
            elif isinstance(binding, SubscriptionBinding):
                _put_unique(self._subscriptions, binding.name, binding, problems)
            elif isinstance(binding, ScheduleBinding):
                _put_unique(self._schedules, binding.name, binding, problems)
            elif isinstance(binding, EventBinding):
                if any(ch in binding.pattern for ch in "*?["):
                    self._events_glob.append(binding)
                else:
                    _put_unique(self._events_exact, binding.pattern, binding, problems)
            elif not isinstance(binding, HttpBinding):
                problems.append(f"{binding!r} is not a portside binding; use http(), queue(), ...")
        if problems:
            raise StartupError("\n".join(problems))

    def __iter__(self) -> Iterator[Binding]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def __getitem__(self, index: int) -> Binding:
        return self._all[index]

    def queue(self, name: str) -> QueueBinding | None:
        return self._queues.get(name)

    def subscription(self, name: str) -> SubscriptionBinding | None:
        return self._subscriptions.get(name)

    def schedule(self, name: str) -> ScheduleBinding | None:
        return self._schedules.get(name)

    def event(self, event_type: str) -> EventBinding | None:
        """The binding for an event type: exact match first, then the first matching glob."""
        found = self._events_exact.get(event_type)
        if found is None and self._events_glob:
            import fnmatch

            for binding in self._events_glob:
                if fnmatch.fnmatchcase(event_type, binding.pattern):
                    return binding
        return found

    def destination(self, topic: str) -> DestinationBinding | None:
        return self._destinations.get(topic)

    def of_kind(self, kind: TransportKind | str) -> list[Binding]:
        """Every binding of one kind: what an adapter generates its platform functions from."""
        return [b for b in self._all if b.kind == kind]

    def inbound(self) -> list[QueueBinding | SubscriptionBinding | ScheduleBinding | EventBinding]:
        """Every binding a message arrives by (all but http and destination)."""
        return [
            b for b in self._all
            if isinstance(b, (QueueBinding, SubscriptionBinding, ScheduleBinding, EventBinding))
        ]


def _put_unique(table: dict[str, Any], key: str, binding: Any, problems: list[str], what: str = "") -> None:
    if key in table:
        problems.append(
            f"{what or binding.kind.value} {key!r} is bound twice (to {table[key].topic!r} and "
            f"{binding.topic!r}); one source feeds one topic. Remove one of the two bindings."
            if not what else
            f"topic {key!r} has two destinations ({table[key].target!r} and {binding.target!r}); "
            "keep one destination(...) per topic"
        )
        return
    table[key] = binding


__all__ = ["BindingTable"]
