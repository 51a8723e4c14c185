"""The App's bindings, indexed once at startup so adapters find a record's binding in O(1).

    app.bindings.queue("orders")          # the queue binding named "orders", or None
    app.bindings.event("Object Created")  # exact type, neutral name, or glob pattern
    app.bindings.of_kind(TransportKind.SCHEDULE)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .bindings import (
    Binding,
    DestinationBinding,
    EventBinding,
    HttpBinding,
    QueueBinding,
    ScheduleBinding,
    SubscriptionBinding,
    TransportKind,
)
from .errors import StartupError


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
