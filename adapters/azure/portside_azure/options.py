"""Per-binding Azure options (`queue("orders", "t", azure={...})`), their defaults and checks.

- queue `service`: "storage" (default: a Storage queue), "servicebus" (a Service Bus queue) or
  "eventhubs" (an Event Hub);
- queue, subscription, event (blob), destination `connection`: the app setting holding the
  connection (defaults in CONNECTIONS);
- queue (eventhubs) `consumer_group` (default `$Default`), `max_retries` and `retry_delay`
  (default 5 tries, 10 seconds apart): the function's retry policy; what still fails is parked
  in `dead_letter`;
- subscription `subscription`: the Service Bus subscription of topic `name` (default: the
  service's name);
- event `source`: "eventgrid" (default), or "blob" (a Blob trigger; needs `path`, e.g.
  "uploads/{name}");
- schedule `run_on_startup`: also run once when the host starts (default False);
- destination `service`: for channel "queue", "storage" (default) or "servicebus".

The HTTP function's auth level is an app setting, not a binding option: one catch-all function
serves every route (see http.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from portside import DROP, HAND_BACK, OBJECT_CREATED

ADAPTER = "azure"
STORAGE, SERVICEBUS, EVENTHUBS = "storage", "servicebus", "eventhubs"
EVENTGRID, BLOB = "eventgrid", "blob"
# The app setting each service's connection is read from when a binding names none.
STORAGE_CONNECTION = "AzureWebJobsStorage"
SERVICEBUS_CONNECTION = "ServiceBusConnection"
EVENTHUB_CONNECTION = "EventHubConnection"
EVENTGRID_CONNECTION = "EventGridTopic"  # settings EventGridTopicEndpoint and EventGridTopicKey
CONNECTIONS = {
    STORAGE: STORAGE_CONNECTION,
    SERVICEBUS: SERVICEBUS_CONNECTION,
    EVENTHUBS: EVENTHUB_CONNECTION,
    EVENTGRID: EVENTGRID_CONNECTION,
}
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_DELAY = 10
_SETTING = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SB_SUBSCRIPTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")
_KNOWN: dict[str, frozenset[str]] = {
    "queue": frozenset({"service", "connection", "consumer_group", "max_retries", "retry_delay"}),
    "subscription": frozenset({"subscription", "connection"}),
    "event": frozenset({"source", "connection", "path"}),
    "schedule": frozenset({"run_on_startup"}),
    "http": frozenset(),
    "destination": frozenset({"connection", "service"}),
}


def of(binding: Any) -> Mapping[str, Any]:
    options: Mapping[str, Any] = binding.options_for(ADAPTER)
    return options


def queue_service(binding: Any) -> str:
    value = of(binding).get("service", STORAGE)
    return value if isinstance(value, str) else STORAGE


def connection(binding: Any, service: str) -> str:
    """The app setting holding `service`'s connection for this binding."""
    value = of(binding).get("connection")
    return value if isinstance(value, str) and value else CONNECTIONS[service]


def subscription_name(binding: Any, service_name: str) -> str:
    """The Service Bus subscription a `subscription(...)` binding reads: the `subscription`
    option, by default the service's name (made legal: letters, digits, '.', '_', '-')."""
    value = of(binding).get("subscription")
    if isinstance(value, str) and value:
        return value
    legal = re.sub(r"[^A-Za-z0-9._-]", "-", service_name).strip("-._") or "portside"
    return legal[:50]


def event_source(binding: Any) -> str:
    value = of(binding).get("source", EVENTGRID)
    return value if isinstance(value, str) else EVENTGRID


def blob_path(binding: Any) -> str:
    return str(of(binding).get("path", ""))


def retry_policy(binding: Any) -> tuple[int, int]:
    """(max_retries, retry_delay in seconds) of an Event Hubs binding."""
    options = of(binding)
    return (
        int(options.get("max_retries", DEFAULT_MAX_RETRIES)),
        int(options.get("retry_delay", DEFAULT_RETRY_DELAY)),
    )


def consumer_group(binding: Any) -> str | None:
    value = of(binding).get("consumer_group")
    return value if isinstance(value, str) and value else None


def run_on_startup(binding: Any) -> bool:
    return of(binding).get("run_on_startup") is True


def problems(app: Any) -> list[str]:
    """Every Azure option of the app's bindings that cannot work, each with its fix."""
    found: list[str] = []
    for binding in app.bindings:
        options = of(binding)
        kind = str(binding.kind.value)
        where = f"{kind}({binding.name!r})"
        known = _KNOWN.get(kind, frozenset())
        unknown = sorted(set(options) - known)
        if unknown:
            found.append(
                f"{where}: unknown azure option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known)) or 'none'}"
            )
        conn = options.get("connection")
        if conn is not None and (not isinstance(conn, str) or not _SETTING.match(conn)):
            found.append(
                f"{where}: azure connection= is the name of an app setting (letters, digits, '_'), "
                "e.g. 'ServiceBusConnection'"
            )
        checker = _CHECKS.get(kind)
        if checker is not None:
            found.extend(checker(app, binding, options, where))
    return found


def _queue(app: Any, binding: Any, options: Mapping[str, Any], where: str) -> list[str]:
    found: list[str] = []
    service = options.get("service", STORAGE)
    if service not in (STORAGE, SERVICEBUS, EVENTHUBS):
        return [f"{where}: azure service= is '{STORAGE}' (default), '{SERVICEBUS}' or '{EVENTHUBS}'"]
    if service == STORAGE and binding.ordered:
        found.append(
            f"{where}: a Storage queue cannot keep order; use azure={{'service': '{SERVICEBUS}'}} "
            "(ordered=True becomes Service Bus sessions) or remove ordered=True"
        )
    if service == EVENTHUBS:
        target = binding.dead_letter or app.dead_letter_target
        if target in (None, HAND_BACK):
            found.append(
                f"{where}: Event Hubs advances its checkpoint even when the function fails, so a "
                "message handed back would be lost; give this binding dead_letter='<target>' (or "
                f"dead_letter={DROP!r} to accept the loss explicitly)"
            )
        for key in ("max_retries", "retry_delay"):
            value = options.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                found.append(f"{where}: azure {key}= is a whole number >= 0")
        group = options.get("consumer_group")
        if group is not None and (not isinstance(group, str) or not group):
            found.append(f"{where}: azure consumer_group= is the consumer group's name, e.g. '$Default'")
    elif {"consumer_group", "max_retries", "retry_delay"} & set(options):
        found.append(
            f"{where}: consumer_group, max_retries and retry_delay apply to service='{EVENTHUBS}' only"
        )
    return found


def _subscription(app: Any, binding: Any, options: Mapping[str, Any], where: str) -> list[str]:
    name = options.get("subscription")
    if name is not None and (not isinstance(name, str) or not _SB_SUBSCRIPTION.match(name)):
        return [
            f"{where}: azure subscription= is the Service Bus subscription's name (1-50 letters, "
            "digits, '.', '_', '-'), e.g. 'orders-audit'"
        ]
    return []


def _event(app: Any, binding: Any, options: Mapping[str, Any], where: str) -> list[str]:
    source = options.get("source", EVENTGRID)
    if source not in (EVENTGRID, BLOB):
        return [f"{where}: azure source= is '{EVENTGRID}' (default) or '{BLOB}'"]
    found: list[str] = []
    if source == BLOB:
        path = options.get("path")
        if not isinstance(path, str) or "/" not in path.strip("/"):
            found.append(
                f"{where}: a blob trigger needs azure path='<container>/{{name}}', e.g. 'uploads/{{name}}'"
            )
        if binding.pattern != OBJECT_CREATED:
            found.append(
                f"{where}: a blob trigger fires on created or updated blobs only; bind "
                f"{OBJECT_CREATED!r} to it, or use Event Grid (the default) for other events"
            )
    elif "path" in options:
        found.append(f"{where}: azure path= applies to source='{BLOB}' only")
    return found


def _schedule(app: Any, binding: Any, options: Mapping[str, Any], where: str) -> list[str]:
    run = options.get("run_on_startup")
    if run is not None and not isinstance(run, bool):
        return [f"{where}: azure run_on_startup= is True or False"]
    return []


def _destination(app: Any, binding: Any, options: Mapping[str, Any], where: str) -> list[str]:
    service = options.get("service")
    if service is None:
        return []
    if binding.channel != "queue" or service not in (STORAGE, SERVICEBUS):
        return [
            f"destination({binding.topic!r}, {binding.target!r}): azure service= applies to "
            f"channel='queue' destinations only: '{STORAGE}' (default) or '{SERVICEBUS}'"
        ]
    return []


_CHECKS = {
    "queue": _queue,
    "subscription": _subscription,
    "event": _event,
    "schedule": _schedule,
    "destination": _destination,
}
