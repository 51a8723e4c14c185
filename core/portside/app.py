"""The app: a service plus its bindings and an adapter. Built once, in the startup file.

    app = App(service, [http("POST /orders", "orders.create")], adapter="aws")
    handler = app.entry_point

Building the App checks everything that can be checked before the first message: every binding
targets a handled topic, every declared publication has a destination, and the adapter can honour
every binding, option and target (see startup_checks.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .bindings import Binding, BindingTable, HttpBinding
from .codec import Limits
from .handlers import Middleware, Service, deferrable_topics
from .lanes import HttpLanes, Lane, qualifies
from .message import Message
from .result import Result
from .routing import Router
from .startup_checks import Plan, check_app

if TYPE_CHECKING:
    from .adapters import Adapter
    from .dispatch import Dispatcher
    from .http_types import HttpRequest, HttpResponse
    from .inbound import Inbound
    from .publisher import Publisher
    from .settlement import Settlement

_UNSET: Any = object()


class App:
    """Binds a Service to transports and an adapter; validates everything at construction.

    >>> from pydantic import BaseModel
    >>> from portside import App, HttpRequest, Message, Service, http
    >>> class Ping(BaseModel):
    ...     text: str
    >>> service = Service("demo")
    >>> @service.handler("demo.ping")
    ... def ping(body: Ping) -> dict[str, str]:
    ...     return {"pong": body.text}
    >>> app = App(service, [http("POST /ping", "demo.ping")], adapter="local")
    >>> app.dispatch(Message("demo.ping", {"text": "hi"})).payload
    {'pong': 'hi'}
    >>> app.handle_http(HttpRequest("POST", "/ping/", body=b'{"text": 1}')).status
    400
    >>> App(service, [http("GET /pong", "demo.pnig")], adapter="local")
    Traceback (most recent call last):
    ...
    portside.errors.StartupError: http binding 'GET /pong' ... Did you mean 'demo.ping'? ...
    """

    def __init__(
        self,
        service: Service,
        bindings: Iterable[Binding] = (),
        *,
        adapter: str = "local",
        middleware: Sequence[Middleware] = (),
        limits: Limits | None = None,
        base_path: str | Sequence[str] = (),
        dead_letter: str | None = None,
        publisher: Publisher | None = None,
    ) -> None:
        self.service = service
        self.bindings = BindingTable(bindings)
        self.limits = limits or Limits()
        self.dead_letter_target = dead_letter
        self.base_paths = _base_paths(base_path)
        # The handlers and middleware as they stand now: everything below, and the dispatcher
        # built on first use, reads these; a handler or middleware added to the Service later
        # was never checked, and changes nothing here.
        self._handlers = dict(service.handlers)
        self.router = Router()
        for binding in self.bindings:
            if isinstance(binding, HttpBinding) and binding.topic in self._handlers:
                self.router.add(binding.method, binding.path, binding.topic)
        for handler in self._handlers.values():
            handler.adapt_body_type()
        self._outer = (*middleware, *service.middleware)
        self._dispatcher: Dispatcher | None = None  # see _dispatcher_now
        self.deferrable = deferrable_topics(self._handlers, self._outer)
        # Topics whose handler takes only its model: adapters may serve them without the
        # general path's objects (see lanes.py); decided here, once.
        self.lanes: dict[str, Lane] = {
            topic: Lane(handler, self.limits.max_body_bytes, self.limits.max_depth)
            for topic, handler in self._handlers.items()
            if topic in self.deferrable and qualifies(handler)
        }
        self.http_lanes = HttpLanes(self.router.find, self.base_paths, self.lanes, self.http_message)
        self.adapter_name = os.environ.get("PORTSIDE_ADAPTER") or adapter
        from .adapters import load

        self.adapter: Adapter = load(self.adapter_name)
        check_app(Plan(service, self.bindings, self.adapter, dead_letter), self)
        self._publisher: Publisher | None = publisher
        self._entry_point: Any = _UNSET

    def _dispatcher_now(self) -> Dispatcher:
        """The general path's dispatcher, built on first use: a cold start whose first message
        takes a lane (lanes.py) never loads it."""
        dispatcher = self._dispatcher
        if dispatcher is None:
            from .dispatch import Dispatcher

            dispatcher = self._dispatcher = Dispatcher(self._handlers, self._outer, self._send, self.deferrable)
        return dispatcher

    @property
    def publisher(self) -> Publisher:
        """Where published and dead-lettered messages go: the adapter's publisher, built on first
        use (a cold start that publishes nothing never loads it). Assign another to record or wrap
        what the app sends (tests)."""
        publisher = self._publisher
        if publisher is None:
            from .publisher import InMemoryPublisher

            publisher = self._publisher = self.adapter.hook.portside_publisher(app=self) or InMemoryPublisher()
        return publisher

    @publisher.setter
    def publisher(self, publisher: Publisher) -> None:
        self._publisher = publisher

    @property
    def entry_point(self) -> Any:
        """What the platform calls; expose it as `handler` in the startup file."""
        if self._entry_point is _UNSET:
            self._entry_point = self.adapter.hook.portside_entry_point(app=self)
        return self._entry_point

    def translate(self, event: Any) -> list[Message]:
        """The Messages a native event carries, without dispatching them (replay, inspection)."""
        from .errors import StartupError

        messages = self.adapter.hook.portside_translate(app=self, event=event)
        if messages is None:
            raise StartupError(f"adapter {self.adapter_name!r} cannot translate native events")
        return list(messages)

    # ------------------------------------------------------------------ messages
    def dispatch(self, message: Message) -> Result[Any]:
        """Message in, Result out. Never raises: the error boundary turns exceptions into `error`."""
        return (self._dispatcher or self._dispatcher_now()).dispatch(message)

    def receive(self, inbound: Inbound) -> Message:
        """The Message an adapter's Inbound record becomes (decoded with the App's limits)."""
        return _receive(inbound, self.limits, self.deferrable)

    def deliver(
        self, message: Message, *, dead_letter: str | None = None, result: Result[Any] | None = None
    ) -> Settlement:
        """Dispatch one queued/evented message and settle it (see settlement.py).

        `dead_letter` is its binding's choice (a target, DROP or HAND_BACK); None falls back to
        the App's `dead_letter=`, then to handing the message back to the platform. `result`:
        the message was already dispatched (kit.Batch), settle this Result."""
        if result is None:
            result = self.dispatch(message)
        return _settle(message, result, dead_letter or self.dead_letter_target, self.publisher)

    def destination(self, topic: str) -> str | None:
        """The target messages published on `topic` go to, or None."""
        found = self.bindings.destination(topic)
        return found.target if found is not None else None

    def _send(self, message: Message) -> None:
        self.publisher.publish(message, self.destination(message.topic))

    # ------------------------------------------------------------------ HTTP
    def handle_http(self, request: HttpRequest) -> HttpResponse:
        """Route, decode, dispatch and render one HTTP request. Never raises."""
        try:
            message = self.http_message(request)
        except Exception as exc:  # a defect in an adapter's request: still answer cleanly
            from .dispatch import crashed

            message = Message("", None, id=request.id, transport=request.transport)
            message = message.replace(failure=crashed(message, exc))
        result = self.dispatch(message)
        return _render_http(result, message, head=request.method.upper() == "HEAD")

    def http_message(self, request: HttpRequest) -> Message:
        """The Message an HTTP request becomes (see http_flow.http_message for the body rule)."""
        return _http_message(
            request, self.router, self.base_paths, self.limits, self.deferrable,
            (self._dispatcher or self._dispatcher_now()).body_fields,
        )

    def render_http(self, result: Result[Any], message: Message, *, head: bool = False) -> HttpResponse:
        """Result -> status code (outcome table), JSON body, headers."""
        return _render_http(result, message, head=head)


# Messages are read and settled by modules an HTTP-only cold start never loads.
def _receive(inbound: Inbound, limits: Limits, deferrable: frozenset[str]) -> Message:
    global _receive
    from .inbound import receive as _receive

    return _receive(inbound, limits, deferrable)


def _settle(message: Message, result: Result[Any], dead_letter: str | None, publisher: Publisher) -> Settlement:
    global _settle
    from .settlement import settle as _settle

    return _settle(message, result, dead_letter, publisher)


# The general HTTP path's reader and renderer load with the first request that needs them (a
# request that takes a lane never does).
def _http_message(
    request: HttpRequest,
    router: Router,
    base_paths: Sequence[str],
    limits: Limits,
    deferrable: frozenset[str],
    body_fields: Mapping[str, frozenset[str]],
) -> Message:
    global _http_message
    from .http_flow import http_message as _http_message

    return _http_message(request, router, base_paths, limits, deferrable, body_fields)


def _render_http(result: Result[Any], message: Message, *, head: bool = False) -> HttpResponse:
    global _render_http
    from .http_flow import render_http as _render_http

    return _render_http(result, message, head=head)


def _base_paths(base_path: str | Sequence[str]) -> tuple[str, ...]:
    paths = [base_path] if isinstance(base_path, str) else list(base_path)
    cleaned = ["/" + p.strip("/") for p in paths if p.strip("/")]
    return tuple(sorted(cleaned, key=len, reverse=True))


__all__ = ["App"]
