"""The Azure functions an App becomes: one `Spec` per generated function, in a stable order.

functionapp.py registers them on a FunctionApp; package.py writes host.json, the settings
template and the deployment notes from the same list, so both always agree.

Names are unique, stable and legal (a letter, then letters, digits and `_`, at most 127
characters; the host compares them case-insensitively): `<kind>_<binding name>`, with a short
hash of the original when the name had to change or would collide.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from portside import TransportKind

from . import options as opts
from .ncrontab import to_ncrontab

HTTP = "http"
STORAGE_QUEUE = "storage_queue"
SERVICEBUS_QUEUE = "servicebus_queue"
SERVICEBUS_TOPIC = "servicebus_topic"
EVENTHUB = "eventhub"
TIMER = "timer"
EVENTGRID = "eventgrid"
BLOB = "blob"
_PREFIX = {
    HTTP: "http",
    STORAGE_QUEUE: "queue",
    SERVICEBUS_QUEUE: "sbqueue",
    SERVICEBUS_TOPIC: "sbtopic",
    EVENTHUB: "eventhub",
    TIMER: "timer",
    EVENTGRID: "eventgrid",
    BLOB: "blob",
}
_QUEUE_TRIGGERS = {opts.STORAGE: STORAGE_QUEUE, opts.SERVICEBUS: SERVICEBUS_QUEUE, opts.EVENTHUBS: EVENTHUB}
_LEGAL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,126}$")
_MAX = 100


class Spec:
    """One generated function: its name, trigger kind, binding and what the trigger needs."""

    __slots__ = ("binding", "connection", "kind", "name", "service", "settings")

    def __init__(
        self, name: str, kind: str, binding: Any, *, connection: str = "", service: str = "",
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.binding = binding
        self.connection = connection  # the app setting holding the trigger's connection
        self.service = service  # which connection it is: storage, servicebus, eventhubs
        self.settings = settings or {}  # trigger arguments (queue_name, schedule, ...)

    def __repr__(self) -> str:
        return f"Spec({self.name!r}, {self.kind})"


class Names:
    """Unique, stable, legal function names."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def make(self, kind: str, name: str) -> str:
        prefix = _PREFIX[kind]
        cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
        candidate = f"{prefix}_{cleaned}" if cleaned else prefix
        if (cleaned and cleaned != name) or len(candidate) > _MAX or candidate.lower() in self.taken:
            digest = hashlib.sha1(f"{kind}:{name}".encode()).hexdigest()[:8]
            candidate = f"{candidate[:_MAX - 9]}_{digest}"
        if candidate.lower() in self.taken or not _LEGAL.match(candidate):  # pragma: no cover - sha1 collision
            raise ValueError(f"cannot name the Azure function for {kind} {name!r}")
        self.taken.add(candidate.lower())
        return candidate


def plan(app: Any) -> list[Spec]:
    """The functions an App becomes: one catch-all HTTP function first (when any http binding
    exists), then one per inbound binding in declaration order."""
    names = Names()
    specs: list[Spec] = []
    if app.bindings.of_kind(TransportKind.HTTP):
        specs.append(Spec(names.make(HTTP, ""), HTTP, None))
    for binding in app.bindings:
        spec = _spec(app, binding, names)
        if spec is not None:
            specs.append(spec)
    return specs


def _spec(app: Any, binding: Any, names: Names) -> Spec | None:
    kind = binding.kind
    if kind == TransportKind.QUEUE:
        service = opts.queue_service(binding)
        trigger = _QUEUE_TRIGGERS[service]
        settings: dict[str, Any] = {"name": binding.name}
        if trigger == EVENTHUB:
            settings["consumer_group"] = opts.consumer_group(binding)
            settings["max_retries"], settings["retry_delay"] = opts.retry_policy(binding)
        if trigger == SERVICEBUS_QUEUE:
            settings["sessions"] = bool(binding.ordered)
        return Spec(names.make(trigger, binding.name), trigger, binding,
                    connection=opts.connection(binding, service), service=service, settings=settings)
    if kind == TransportKind.SUBSCRIPTION:
        subscription = opts.subscription_name(binding, app.service.name)
        return Spec(names.make(SERVICEBUS_TOPIC, f"{binding.name}_{subscription}"), SERVICEBUS_TOPIC, binding,
                    connection=opts.connection(binding, opts.SERVICEBUS), service=opts.SERVICEBUS,
                    settings={"name": binding.name, "subscription": subscription})
    if kind == TransportKind.SCHEDULE:
        return Spec(names.make(TIMER, binding.name), TIMER, binding, settings={
            "schedule": to_ncrontab(binding.expression), "run_on_startup": opts.run_on_startup(binding)})
    if kind == TransportKind.EVENT:
        if opts.event_source(binding) == opts.BLOB:
            path = opts.blob_path(binding)
            return Spec(names.make(BLOB, path.split("/", 1)[0]), BLOB, binding,
                        connection=opts.connection(binding, opts.STORAGE), service=opts.STORAGE,
                        settings={"path": path})
        return Spec(names.make(EVENTGRID, binding.pattern), EVENTGRID, binding,
                    settings={"types": binding.pattern})
    return None  # http (served by the catch-all) and destinations (outbound)
