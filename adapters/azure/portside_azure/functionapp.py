"""The `azure.functions.FunctionApp` generated from an App's bindings (see plan.py).

Each function has a real signature whose parameter names are its binding names, annotated the
way the worker accepts them (`typing.List[func.EventHubEvent]` for cardinality many, never
`list[...]`), plus `context: func.Context`. Route values are never parameters. Indexing is all or
nothing (one bad function hides the whole app), so the whole list is built here from checked
bindings only; `FunctionApp.get_functions()` is left to the worker (it may run once per app).

This module does not use `from __future__ import annotations`: the worker reads the generated
functions' annotations as objects.
"""

import os
import typing
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import azure.functions as func

from portside import App
from portside.kit import EntryPoint, HttpBinding

from . import blob, eventgrid, eventhub, servicebus, storage_queue, timer
from . import http as http_shape
from .errors import RedeliveryRequested, UnsupportedTrigger
from .plan import (
    BLOB,
    EVENTGRID,
    EVENTHUB,
    HTTP,
    SERVICEBUS_QUEUE,
    SERVICEBUS_TOPIC,
    STORAGE_QUEUE,
    TIMER,
    Spec,
    plan,
)

AUTH_LEVEL_SETTING = "PORTSIDE_AZURE_AUTH_LEVEL"
DEFAULT_AUTH_LEVEL = "anonymous"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
SHAPES: Mapping[str, Any] = {
    HTTP: http_shape,
    STORAGE_QUEUE: storage_queue,
    SERVICEBUS_QUEUE: servicebus,
    SERVICEBUS_TOPIC: servicebus,
    EVENTHUB: eventhub,
    TIMER: timer,
    EVENTGRID: eventgrid,
    BLOB: blob,
}


# What each FunctionApp's functions call, by name: the testing kit invokes exactly these, without
# calling get_functions() (which the worker may call only once per app).
_GENERATED: "weakref.WeakKeyDictionary[func.FunctionApp, dict[str, tuple[Spec, Callable[..., Any]]]]" = (
    weakref.WeakKeyDictionary()
)


def generated(function_app: func.FunctionApp) -> typing.Dict[str, typing.Tuple[Spec, Callable[..., Any]]]:  # noqa: UP006
    """name -> (Spec, the Python function the worker calls) of a FunctionApp built here."""
    return dict(_GENERATED.get(function_app, {}))


def auth_level(environ: typing.Optional[Mapping[str, str]] = None) -> func.AuthLevel:  # noqa: UP045
    """The HTTP function's auth level: `anonymous` unless the app setting
    PORTSIDE_AZURE_AUTH_LEVEL says `function` or `admin` (then each call needs a key, which
    portside removes before the handler sees the request)."""
    value = (environ if environ is not None else os.environ).get(AUTH_LEVEL_SETTING) or DEFAULT_AUTH_LEVEL
    try:
        return func.AuthLevel[value.strip().upper()]
    except KeyError:
        raise ValueError(
            f"app setting {AUTH_LEVEL_SETTING}={value!r}: use anonymous, function or admin"
        ) from None


def entry_point(app: App, spec: Spec) -> EntryPoint:
    """What one generated function calls: the kit's loop over that trigger's one shape, with
    its fast path over the App's lanes where the trigger has one (see `fast_path`)."""
    shape = SHAPES[spec.kind]

    def describe(event: Any) -> str:
        return (
            f"Azure function {spec.name!r} ({spec.kind} trigger) received a {type(event).__name__}, "
            "which its trigger never delivers; redeploy the app folder `portside package` wrote"
        )

    return EntryPoint(app, [shape], options=spec, describe_unknown=describe, unsupported=UnsupportedTrigger,
                      redeliver=RedeliveryRequested, adapter="azure", fast=fast_path(spec))


def fast_path(spec: Spec) -> Callable[[EntryPoint], typing.Optional[Callable[[Any, Any], Any]]]:  # noqa: UP045
    """The `fast=` of a function's EntryPoint: the common request or message of its trigger
    served through the App's lanes (portside.lanes), MISS for the rest. HTTP, Storage queue and
    Service Bus functions have one; the others read few messages, or batches a lane would not
    shorten."""

    def build(entry: EntryPoint) -> typing.Optional[Callable[[Any, Any], Any]]:  # noqa: UP045
        app = entry.app
        if not app.lanes:
            return None
        if spec.kind == HTTP:
            return _http_fast(app, spec)
        if spec.kind == STORAGE_QUEUE:
            return storage_queue.fast_path(entry, spec.binding)
        if spec.kind in (SERVICEBUS_QUEUE, SERVICEBUS_TOPIC):
            return servicebus.fast_path(entry, spec.binding)
        return None

    return build


def _http_fast(app: App, spec: Spec) -> typing.Optional[Callable[[Any, Any], Any]]:  # noqa: UP045
    """The catch-all function's fast path; None when no route leads to a lane (or a base path
    must be stripped first, which the lanes leave to the general path)."""
    lanes = app.lanes
    if app.base_paths or not any(isinstance(b, HttpBinding) and b.topic in lanes for b in app.bindings):
        return None
    answer = http_shape.fast_answer

    def fast(event: Any, context: Any) -> Any:
        return answer(app, event, context, spec)

    return fast


def build(app: App, environ: typing.Optional[Mapping[str, str]] = None) -> func.FunctionApp:  # noqa: UP045
    """The FunctionApp the worker indexes; each function calls its own EntryPoint."""
    level = auth_level(environ)
    function_app = func.FunctionApp(http_auth_level=level)
    functions: typing.Dict[str, typing.Tuple[Spec, Callable[..., Any]]] = {}  # noqa: UP006
    for spec in plan(app):
        functions[spec.name] = (spec, _register(function_app, spec, entry_point(app, spec), level))
    _GENERATED[function_app] = functions
    return function_app


def _named(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    fn.__name__ = name
    fn.__qualname__ = name
    return fn


def _register(
    fa: func.FunctionApp, spec: Spec, entry: EntryPoint, level: func.AuthLevel
) -> Callable[..., Any]:
    settings = spec.settings
    call = entry.call  # the EntryPoint's plain function: calling the instance costs a frame more
    decorators: typing.List[Callable[[Any], Any]] = []  # noqa: UP006
    fn: Callable[..., Any]
    if spec.kind == HTTP:
        def http(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
            response: func.HttpResponse = call(req, context)
            return response

        fn = http
        decorators.append(fa.route(route=http_shape.ROUTE, methods=HTTP_METHODS, auth_level=level))
    elif spec.kind == STORAGE_QUEUE:
        def storage_queue(msg: func.QueueMessage, context: func.Context) -> None:
            call(msg, context)

        fn = storage_queue
        decorators.append(
            fa.queue_trigger(arg_name="msg", queue_name=settings["name"], connection=spec.connection)
        )
    elif spec.kind == SERVICEBUS_QUEUE:
        def servicebus_queue(msg: func.ServiceBusMessage, context: func.Context) -> None:
            call(msg, context)

        fn = servicebus_queue
        decorators.append(fa.service_bus_queue_trigger(
            arg_name="msg", connection=spec.connection, queue_name=settings["name"],
            is_sessions_enabled=True if settings.get("sessions") else None,
        ))
    elif spec.kind == SERVICEBUS_TOPIC:
        def servicebus_topic(msg: func.ServiceBusMessage, context: func.Context) -> None:
            call(msg, context)

        fn = servicebus_topic
        decorators.append(fa.service_bus_topic_trigger(
            arg_name="msg", connection=spec.connection, topic_name=settings["name"],
            subscription_name=settings["subscription"],
        ))
    elif spec.kind == EVENTHUB:
        def event_hub(events: typing.List[func.EventHubEvent], context: func.Context) -> None:  # noqa: UP006
            call(events, context)

        fn = event_hub
        decorators.append(fa.event_hub_message_trigger(
            arg_name="events", connection=spec.connection, event_hub_name=settings["name"],
            cardinality=func.Cardinality.MANY, consumer_group=settings.get("consumer_group"),
        ))
        decorators.append(fa.retry(strategy="fixed_delay", max_retry_count=str(settings["max_retries"]),
                                   delay_interval=timespan(settings["retry_delay"])))
    elif spec.kind == TIMER:
        def timer_tick(timer: func.TimerRequest, context: func.Context) -> None:
            call(timer, context)

        fn = timer_tick
        decorators.append(fa.timer_trigger(arg_name="timer", schedule=settings["schedule"],
                                           run_on_startup=True if settings.get("run_on_startup") else None))
    elif spec.kind == EVENTGRID:
        def event_grid(event: func.EventGridEvent, context: func.Context) -> None:
            call(event, context)

        fn = event_grid
        decorators.append(fa.event_grid_trigger(arg_name="event"))
    elif spec.kind == BLOB:
        def blob_created(blob: func.InputStream, context: func.Context) -> None:
            call(blob, context)

        fn = blob_created
        decorators.append(fa.blob_trigger(arg_name="blob", path=settings["path"], connection=spec.connection))
    else:  # pragma: no cover - plan() makes only the kinds above
        raise AssertionError(spec.kind)
    user_function = _named(fn, spec.name)
    built: Any = user_function
    for decorate in decorators:
        built = decorate(built)
    fa.function_name(spec.name)(built)
    return user_function


def timespan(seconds: int) -> str:
    """Seconds as the host's `hh:mm:ss`."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
