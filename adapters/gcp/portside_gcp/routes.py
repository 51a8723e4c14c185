"""Which binding a delivery belongs to, indexed once when the entry point is built.

Pub/Sub deliveries name a subscription (push envelopes), a topic (Eventarc and `--trigger-topic`
CloudEvents, legacy events) or both. Looked up in this order:

1. the `portside-schedule` attribute, or the topic of a schedule (a Cloud Scheduler job's tick);
2. the subscription: a queue of that name, or a subscription binding whose gcp `subscription`
   option names it;
3. the topic: a subscription binding of that name, or a queue whose gcp `topic` option names it;
4. for CloudEvents, an event binding matching the type (`google.cloud.pubsub.topic.v1.messagePublished`).

Other CloudEvents go by their type: the exact type or a glob first, then the neutral name
(`storage.object.created` for `google.cloud.storage.object.v1.finalized`, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portside.kit import (
    OBJECT_CREATED,
    OBJECT_DELETED,
    EventBinding,
    QueueBinding,
    ScheduleBinding,
    SubscriptionBinding,
)

from . import options

if TYPE_CHECKING:
    from portside import App

SCHEDULE_ATTRIBUTE = "portside-schedule"
NEUTRAL = {
    "google.cloud.storage.object.v1.finalized": OBJECT_CREATED,
    "google.cloud.storage.object.v1.deleted": OBJECT_DELETED,
}
PubSubBinding = QueueBinding | SubscriptionBinding


class Routes:
    """Lookups from native names to bindings; `problems` lists names claimed twice."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.by_subscription: dict[str, PubSubBinding] = {}
        self.by_topic: dict[str, PubSubBinding] = {}
        self.schedules: dict[str, ScheduleBinding] = {}
        self.schedule_topics: dict[str, ScheduleBinding] = {}
        self.problems: list[str] = []
        for binding in app.bindings:
            if isinstance(binding, QueueBinding):
                self._claim(self.by_subscription, binding.name, binding, "subscription")
                topic = options.queue_topic(binding)
                if topic:
                    self._claim(self.by_topic, topic, binding, "topic")
            elif isinstance(binding, SubscriptionBinding):
                self._claim(self.by_topic, binding.name, binding, "topic")
                push = options.push_subscription(binding)
                if push:
                    self._claim(self.by_subscription, push, binding, "subscription")
            elif isinstance(binding, ScheduleBinding):
                self.schedules[binding.name] = binding
                self._claim(self.schedule_topics, options.schedule_topic(binding), binding, "topic")
        for topic in sorted(set(self.schedule_topics) & set(self.by_topic)):
            self.problems.append(
                f"Pub/Sub topic {topic!r} feeds both schedule({self.schedule_topics[topic].name!r}) and "
                f"{self.by_topic[topic].kind.value}({self.by_topic[topic].name!r}); give the schedule "
                "its own topic (gcp={'topic': ...})"
            )

    def _claim(self, table: dict[str, Any], name: str, binding: Any, what: str) -> None:
        held = table.get(name)
        if held is not None and held is not binding:
            self.problems.append(
                f"Pub/Sub {what} {name!r} is claimed by {held.kind.value}({held.name!r}) and "
                f"{binding.kind.value}({binding.name!r}); one {what} feeds one binding"
            )
            return
        table[name] = binding

    def schedule(self, attribute: str | None, topic: str | None) -> ScheduleBinding | None:
        if attribute:
            return self.schedules.get(attribute)
        return self.schedule_topics.get(topic) if topic else None

    def pubsub(self, subscription: str | None, topic: str | None) -> PubSubBinding | None:
        if subscription:
            found = self.by_subscription.get(options.short_name(subscription))
            if found is not None:
                return found
        if topic:
            return self.by_topic.get(options.short_name(topic))
        return None

    def event(self, event_type: str) -> EventBinding | None:
        bindings = self.app.bindings
        found = bindings.event(event_type)
        if found is None and event_type in NEUTRAL:
            found = bindings.event(NEUTRAL[event_type])
        return found
