"""Native Azure input -> the Messages it carries, without dispatching (replay, inspection).

Accepted: a `func.HttpRequest`; an Event Grid event object (either schema) or its JSON (a dict,
or a list of them, as Event Grid posts them); and for triggers whose object does not name its
source (queues, Service Bus, Event Hubs, timers, blobs) a pair `(function_name, native)`,
where `function_name` is the generated function's name (see `portside package`).
"""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.eventgrid import EventGridEventInConverter

from portside import App, Message, StartupError

from .functionapp import entry_point
from .plan import EVENTGRID, HTTP, Spec, plan


def translate(app: App, event: Any) -> list[Message]:
    if isinstance(event, func.HttpRequest):
        return entry_point(app, Spec("http", HTTP, None)).translate(event)
    if isinstance(event, (func.EventGridEvent, func.CloudEvent)):
        return entry_point(app, Spec("eventgrid", EVENTGRID, None)).translate(event)
    if isinstance(event, list) and all(isinstance(item, dict) for item in event):
        return [m for item in event for m in translate(app, item)]
    if isinstance(event, dict) and ("eventType" in event or "specversion" in event):
        datum = meta.Datum(json.dumps(event), "json")
        return translate(app, EventGridEventInConverter.decode(datum, trigger_metadata={}))
    if isinstance(event, tuple) and len(event) == 2 and isinstance(event[0], str):
        name, native = event
        for spec in plan(app):
            if spec.name.lower() == name.lower():
                return entry_point(app, spec).translate(native)
        known = ", ".join(spec.name for spec in plan(app))
        raise StartupError(f"this app has no Azure function named {name!r}; its functions: {known}")
    raise StartupError(
        "the azure adapter replays func.HttpRequest objects, Event Grid events (either schema, one "
        "or a list, as objects or JSON) and (function_name, native object) pairs for other "
        f"triggers; got {type(event).__name__}"
    )
