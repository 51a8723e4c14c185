"""portside.kit: the public API for adapter authors.

An adapter imports only `portside` and `portside.kit`. What it builds on:

- hooks: `hookimpl`, `Capabilities` (what it can honour, checked when an App is built);
- bindings: the binding classes, `TransportKind`, `is_logical_name`, the schedule grammar
  (`parse_schedule` -> `Rate` | `Cron`, `ScheduleError`);
- reading: `Inbound` + `App.receive` (one typed record per native record), `poison`,
  `Malformed`, `resolve_topic`, `correlation`, `positive_int`, `b64decode`, `text`,
  `lazy_deadline`;
- settling: `Batch` (one place decides each message's State), `Redeliver`, `render_delivery`
  for push platforms;
- the loop: `EntryPoint` over `HttpShape` / `MessageShape` modules, with an optional fast
  path over the App's lanes (`Lane`, `MISS`, `LANE_HEADERS`, `ran_answer`; see portside.lanes);
- HTTP: `HttpRequest.from_url`, cookie helpers, header constants;
- outbound: `PublisherBase`; `cloudevents` for CloudEvents in and out;
- per-invocation state: `invocation`;
- testing: `TestingKit`, `Outgoing`, `Delivered` (the contract suite drives every adapter);
- packaging: `PackageReport`, `PackageError` and the shared steps of `portside package`
  (`packaging`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..lazy import lazy_attribute

if TYPE_CHECKING:  # the names, for type checkers; at run time each is imported on first use
    from ..adapters import Capabilities, hookimpl
    from ..bindings import (
        DROP,
        HAND_BACK,
        MESSAGE_TOPIC,
        NEUTRAL_EVENTS,
        OBJECT_CREATED,
        OBJECT_DELETED,
        DestinationBinding,
        EventBinding,
        HttpBinding,
        QueueBinding,
        ScheduleBinding,
        SubscriptionBinding,
        TransportKind,
        is_logical_name,
    )
    from ..errors import Redeliver
    from ..http_flow import error_body
    from ..inbound import UNSET, Inbound
    from ..lanes import LANE_HEADERS, Lane
    from ..message import CORRELATION_HEADER, IDEMPOTENCY_HEADER, TOPIC_HEADER
    from ..routing import strip_prefix
    from ..schedules import DAYS, FIELDS, Cron, Rate, ScheduleError, parse_schedule
    from ..settlement import ENCODING_HEADER, ERROR_HEADER, SOURCE_HEADER, Settlement, State, TooLarge
    from . import cloudevents, invocation, packaging
    from .batch import Batch
    from .cookies import join_cookies, split_cookies, split_set_cookie
    from .delivery import DELIVERY_HEADER, DELIVERY_STATUS, render_delivery
    from .entry import MISS, EntryPoint, LazyShape, UnsupportedEvent, ran_answer
    from .packaging import PackageError, PackageReport
    from .publishing import PublisherBase
    from .records import (
        Malformed,
        b64decode,
        correlation,
        lazy_deadline,
        monotonic_deadline,
        poison,
        positive_int,
        resolve_topic,
        text,
        unroutable_reason,
    )
    from .shapes import HttpShape, MessageShape
    from .testing import Delivered, Outgoing, TestingKit

# name -> the module (relative to portside.kit) that defines it. Imported on first use: an
# adapter's cold start pays only for the parts of the kit its first invocation touches.
_LAZY = {
    "Batch": ".batch",
    "CORRELATION_HEADER": "..message",
    "Capabilities": "..adapters",
    "Cron": "..schedules",
    "DAYS": "..schedules",
    "DELIVERY_HEADER": ".delivery",
    "DELIVERY_STATUS": ".delivery",
    "DROP": "..bindings",
    "Delivered": ".testing",
    "DestinationBinding": "..bindings",
    "ENCODING_HEADER": "..settlement",
    "ERROR_HEADER": "..settlement",
    "EntryPoint": ".entry",
    "EventBinding": "..bindings",
    "FIELDS": "..schedules",
    "HAND_BACK": "..bindings",
    "HttpBinding": "..bindings",
    "HttpShape": ".shapes",
    "LazyShape": ".entry",
    "LANE_HEADERS": "..lanes",
    "Lane": "..lanes",
    "MISS": ".entry",
    "IDEMPOTENCY_HEADER": "..message",
    "Inbound": "..inbound",
    "MESSAGE_TOPIC": "..bindings",
    "Malformed": ".records",
    "MessageShape": ".shapes",
    "NEUTRAL_EVENTS": "..bindings",
    "OBJECT_CREATED": "..bindings",
    "OBJECT_DELETED": "..bindings",
    "Outgoing": ".testing",
    "PackageError": ".packaging",
    "PackageReport": ".packaging",
    "PublisherBase": ".publishing",
    "QueueBinding": "..bindings",
    "Rate": "..schedules",
    "Redeliver": "..errors",
    "SOURCE_HEADER": "..settlement",
    "ScheduleBinding": "..bindings",
    "ScheduleError": "..schedules",
    "Settlement": "..settlement",
    "State": "..settlement",
    "SubscriptionBinding": "..bindings",
    "TOPIC_HEADER": "..message",
    "TestingKit": ".testing",
    "TooLarge": "..settlement",
    "TransportKind": "..bindings",
    "UNSET": "..inbound",
    "UnsupportedEvent": ".entry",
    "b64decode": ".records",
    "cloudevents": ".cloudevents",
    "correlation": ".records",
    "error_body": "..http_flow",
    "hookimpl": "..adapters",
    "invocation": ".invocation",
    "is_logical_name": "..bindings",
    "join_cookies": ".cookies",
    "lazy_deadline": ".records",
    "monotonic_deadline": ".records",
    "packaging": ".packaging",
    "parse_schedule": "..schedules",
    "poison": ".records",
    "positive_int": ".records",
    "render_delivery": ".delivery",
    "resolve_topic": ".records",
    "split_cookies": ".cookies",
    "split_set_cookie": ".cookies",
    "strip_prefix": "..routing",
    "text": ".records",
    "ran_answer": ".entry",
    "unroutable_reason": ".records",
}


def __getattr__(name: str) -> Any:
    return lazy_attribute(globals(), _LAZY, name)


__all__ = [
    "CORRELATION_HEADER",
    "DAYS",
    "DELIVERY_HEADER",
    "DELIVERY_STATUS",
    "DROP",
    "ENCODING_HEADER",
    "ERROR_HEADER",
    "FIELDS",
    "HAND_BACK",
    "IDEMPOTENCY_HEADER",
    "LANE_HEADERS",
    "MESSAGE_TOPIC",
    "MISS",
    "NEUTRAL_EVENTS",
    "OBJECT_CREATED",
    "OBJECT_DELETED",
    "SOURCE_HEADER",
    "TOPIC_HEADER",
    "UNSET",
    "Batch",
    "Capabilities",
    "Cron",
    "Delivered",
    "DestinationBinding",
    "EntryPoint",
    "EventBinding",
    "HttpBinding",
    "HttpShape",
    "Inbound",
    "Lane",
    "LazyShape",
    "Malformed",
    "MessageShape",
    "Outgoing",
    "PackageError",
    "PackageReport",
    "PublisherBase",
    "QueueBinding",
    "Rate",
    "Redeliver",
    "ScheduleBinding",
    "ScheduleError",
    "Settlement",
    "State",
    "SubscriptionBinding",
    "TestingKit",
    "TooLarge",
    "TransportKind",
    "UnsupportedEvent",
    "b64decode",
    "cloudevents",
    "correlation",
    "error_body",
    "hookimpl",
    "invocation",
    "is_logical_name",
    "join_cookies",
    "lazy_deadline",
    "monotonic_deadline",
    "packaging",
    "parse_schedule",
    "poison",
    "positive_int",
    "ran_answer",
    "render_delivery",
    "resolve_topic",
    "split_cookies",
    "split_set_cookie",
    "strip_prefix",
    "text",
    "unroutable_reason",
]
