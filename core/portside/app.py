"""The app: a service plus its bindings and an adapter. Built once, in the startup file.

    app = App(service, [http("POST /orders", "orders.create")], adapter="aws")
    handler = app.entry_point
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import logs
from .bindings import (
    Binding,
    DestinationBinding,
    EventBinding,
    HttpBinding,
    QueueBinding,
    ScheduleBinding,
    SubscriptionBinding,
)
from .codec import BodyError, LazyJson, Limits, decode_body, encode_json
from .errors import StartupError
from .headers import Headers
from .http import HttpRequest, HttpResponse
from .message import CORRELATION_HEADER, Message
from .outcomes import OUTCOMES, Delivery
from .pipeline import Middleware, Next, compose
from .publisher import InMemoryPublisher, Publisher
from .result import _SUCCESS, Error, Result, Status
from .routing import Router, strip_prefix
from .service import Service

if TYPE_CHECKING:
    from .adapters import Adapter

_UNSET: Any = object()
_DELIVERY = {status: row.delivery for status, row in OUTCOMES.items()}
_HTTP_STATUS = {status: row.http_status for status, row in OUTCOMES.items()}
_DEAD_LETTER, _RETRY = Delivery.DEAD_LETTER, Delivery.RETRY
ERROR_HEADER = "x-portside-error"


class Settlement:
    """What became of one queued/evented message.

    `delivery` is ACK (done), RETRY (leave it for redelivery) or DEAD_LETTER (parked: published
    to the dead-letter target, or logged in full when none is configured; acknowledge it).
    """

    __slots__ = ("delivery", "result")

    def __init__(self, delivery: Delivery, result: Result[Any]) -> None:
        self.delivery = delivery
        self.result = result

    def __repr__(self) -> str:
        return f"Settlement({self.delivery.value}, {self.result!r})"

    @property
    def retry(self) -> bool:
        return self.delivery is Delivery.RETRY


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
        self.bindings: tuple[Binding, ...] = tuple(bindings)
        self.limits = limits or Limits()
        self.dead_letter_target = dead_letter
        self.base_paths = _base_paths(base_path)
        self.router = Router()
        self._queues: dict[str, QueueBinding] = {}
        self._subscriptions: dict[str, SubscriptionBinding] = {}
        self._schedules: dict[str, ScheduleBinding] = {}
        self._events_exact: dict[str, EventBinding] = {}
        self._events_glob: list[EventBinding] = []
        self._destinations: dict[str, str] = {}
        self._index_bindings()
        self._compile(middleware)
        self.adapter_name = os.environ.get("PORTSIDE_ADAPTER") or adapter
        from .adapters import load

        self.adapter: Adapter = load(self.adapter_name)
        self._check_capabilities()
        self.publisher: Publisher = (
            publisher or self.adapter.hook.portside_publisher(app=self) or InMemoryPublisher()
        )
        self._entry_point: Any = _UNSET

    # ------------------------------------------------------------------ startup
    def _index_bindings(self) -> None:
        handled = self.service.handlers
        problems: list[str] = []
        for binding in self.bindings:
            if isinstance(binding, DestinationBinding):
                self._destinations[binding.topic] = binding.target
                continue
            if binding.topic not in handled:
                problems.append(_unhandled(binding, self.service))
                continue
            if isinstance(binding, HttpBinding):
                self.router.add(binding.method, binding.path, binding.topic)
            elif isinstance(binding, QueueBinding):
                _put_unique(self._queues, binding.name, binding)
            elif isinstance(binding, SubscriptionBinding):
                _put_unique(self._subscriptions, binding.name, binding)
            elif isinstance(binding, ScheduleBinding):
                _put_unique(self._schedules, binding.name, binding)
            elif isinstance(binding, EventBinding):
                if any(ch in binding.pattern for ch in "*?["):
                    self._events_glob.append(binding)
                else:
                    _put_unique(self._events_exact, binding.pattern, binding)
            else:
                problems.append(f"{binding!r} is not a portside binding; use http(), queue(), ...")
        if problems:
            raise StartupError("\n".join(problems))

    def _compile(self, app_middleware: Sequence[Middleware]) -> None:
        """Build, once, the per-topic handler chains and the pipeline around them."""
        self._chains: dict[str, Next] = {
            topic: compose(handler.middleware, handler.bind(self._publish, _crashed))
            for topic, handler in self.service.handlers.items()
        }
        outer = [*app_middleware, *self.service.middleware]
        self._pipeline = compose(outer, self._route_topic)
        # Topics whose JSON may be parsed lazily (codec.LazyJson): the handler validates its body
        # before running (and not strictly) and no middleware could read the body first, so
        # every outcome is the one eager decoding would give.
        self._deferrable = frozenset(
            topic
            for topic, handler in self.service.handlers.items()
            if handler.defers_json and not handler.middleware and not outer
        )

    def _check_capabilities(self) -> None:
        capabilities = self.adapter.capabilities
        problems = [
            f"adapter {self.adapter_name!r} cannot honour {binding.kind} binding {binding.name!r}; "
            f"it supports: {', '.join(sorted(capabilities.binding_kinds))}. Remove the binding or "
            "choose another adapter."
            for binding in self.bindings
            if binding.kind not in capabilities.binding_kinds
        ]
        problems += self.adapter.hook.portside_check(app=self) or []
        if problems:
            raise StartupError("\n".join(problems))

    @property
    def entry_point(self) -> Any:
        """What the platform calls; expose it as `handler` in the startup file."""
        if self._entry_point is _UNSET:
            self._entry_point = self.adapter.hook.portside_entry_point(app=self)
        return self._entry_point

    def translate(self, event: Any) -> list[Message]:
        """The Messages a native event carries, without dispatching them (replay, inspection)."""
        messages = self.adapter.hook.portside_translate(app=self, event=event)
        if messages is None:
            raise StartupError(f"adapter {self.adapter_name!r} cannot translate native events")
        return list(messages)

    # ------------------------------------------------------------------ bindings
    def queue_binding(self, name: str) -> QueueBinding | None:
        return self._queues.get(name)

    def subscription_binding(self, name: str) -> SubscriptionBinding | None:
        return self._subscriptions.get(name)

    def schedule_binding(self, name: str) -> ScheduleBinding | None:
        return self._schedules.get(name)

    def event_binding(self, event_type: str) -> EventBinding | None:
        found = self._events_exact.get(event_type)
        if found is None:
            import fnmatch

            for binding in self._events_glob:
                if fnmatch.fnmatchcase(event_type, binding.pattern):
                    return binding
        return found

    def bindings_of(self, kind: str) -> list[Binding]:
        """Every binding of one kind: what an adapter generates its platform functions from."""
        return [b for b in self.bindings if b.kind == kind]

    def destination(self, topic: str) -> str | None:
        return self._destinations.get(topic)

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, message: Message) -> Result[Any]:
        """Message in, Result out. Never raises: the error boundary turns exceptions into `error`."""
        try:
            result = self._pipeline(message)
        except Exception as exc:
            result = _crashed(message, exc)
        if result.status not in _SUCCESS:
            _log_failure(message, result)
        return result

    def _route_topic(self, message: Message) -> Result[Any]:
        preset = message._outcome
        if preset is not None:
            return preset  # type: ignore[no-any-return]
        chain = self._chains.get(message.topic)
        if chain is None:
            return Result.not_found(
                Error("unknown_topic", f"no handler for topic {message.topic!r}; "
                      f"handled topics: {', '.join(self.service.topics)}")
            )
        return chain(message)

    def _publish(self, message: Message) -> None:
        self.publisher.publish(message, self._destinations.get(message.topic))

    def inbound(
        self,
        topic: str | None,
        data: bytes | str | None = None,
        *,
        body: Any = _UNSET,
        content_type: str | None = None,
        unroutable: str | None = None,
        failure: Result[Any] | None = None,
        lazy: bool = False,
        headers: Headers | Mapping[str, str] | None = None,
        id: str | None = None,
        correlation_id: str | None = None,
        transport: str = "direct",
        raw: Any = None,
        params: Mapping[str, str] | None = None,
        identity: Any = None,
        deadline: Any = None,
        attempt: int = 1,
    ) -> Message:
        """Build a Message from native data. Adapters use this so every transport decodes alike.

        Pass `data` (raw bytes/text, decoded with the app's limits) or an already-parsed `body`.
        A body that cannot be decoded, or `topic=None` (with `unroutable` explaining why), yields a
        Message carrying its failure Result, so it flows through middleware and the outcome table
        like any other and its raw data is never lost. An adapter that finds a native record
        malformed passes `failure=Result.invalid(...)` for the same treatment. `lazy=True` (for
        adapters that do not read the body themselves) lets the core defer JSON parsing where
        that cannot change the outcome (see codec.LazyJson).
        """
        if body is _UNSET:
            try:
                body = decode_body(
                    data, content_type, self.limits, lazy=lazy and topic in self._deferrable
                )
            except BodyError as exc:
                failure, body = failure or exc.result, data
        if topic is None:
            topic = ""
            failure = failure or Result.not_found(
                Error("unroutable", unroutable or "no binding matches this message")
            )
        # Positional on purpose: this runs once per queued message (see Message's docstring).
        message = Message(
            topic, body, headers, id, correlation_id, transport, raw, params, identity, deadline, attempt
        )
        message._outcome = failure
        return message

    # ------------------------------------------------------------------ queued delivery
    def deliver(self, message: Message, *, dead_letter: str | None = None) -> Settlement:
        """Dispatch a queued/evented message and settle it by the outcome table."""
        return self.deliver_batch((message,), dead_letter=dead_letter)[0]

    def deliver_batch(
        self,
        messages: Sequence[Message],
        *,
        ordered: bool = False,
        dead_letter: str | None = None,
    ) -> list[Settlement]:
        """Deliver in order, settling each message by the outcome table (dead-lettering poison).

        `ordered` (FIFO, streams): after the first RETRY, later messages are not dispatched and
        are all returned as RETRY, so redelivery keeps their order."""
        settlements: list[Settlement] = []
        dispatch = self.dispatch
        for index, message in enumerate(messages):
            result = dispatch(message)
            delivery = _DELIVERY[result.status]
            if delivery is _DEAD_LETTER:
                delivery = self.dead_letter(message, result, dead_letter)
            settlements.append(Settlement(delivery, result))
            if ordered and delivery is _RETRY:
                skipped = Result.retry(
                    Error("order_preserved", "not processed: an earlier message in its ordered "
                          "batch failed and will be redelivered first")
                )
                settlements.extend(Settlement(_RETRY, skipped) for _ in messages[index + 1:])
                break
        return settlements

    def dead_letter(self, message: Message, result: Result[Any], target: str | None = None) -> Delivery:
        """Park a message that must not be retried: publish it (with the failure in the
        `x-portside-error` header) to `target` or the app's default target; with neither, log it
        in full and acknowledge. Returns RETRY only if publishing to the target failed."""
        target = target or self.dead_letter_target
        reason = "; ".join(e.message for e in result.errors) or result.status.value
        body = _kept_body(message)
        if target is None:
            logs.log(
                40,
                "poison message acknowledged without a dead-letter target; configure "
                "dead_letter= on its binding or App to keep such messages",
                correlation_id=message.correlation_id,
                topic=message.topic,
                message_id=message.id,
                status=result.status.value,
                reason=reason,
                body=body.decode("utf-8", "replace") if isinstance(body, bytes) else body,
            )
            return Delivery.DEAD_LETTER
        parked = Message(
            message.topic,
            body,
            headers=message.headers.merged(
                {ERROR_HEADER: f"{result.status.value}: {reason}"[:1000],
                 CORRELATION_HEADER: message.correlation_id}
            ),
            id=message.id,
            correlation_id=message.correlation_id,
            transport="dead-letter",
        )
        try:
            self.publisher.publish(parked, target)
        except Exception as exc:
            logs.log(
                40,
                "dead-lettering failed; the message will be retried",
                correlation_id=message.correlation_id,
                topic=message.topic,
                target=target,
                error=str(exc),
            )
            return Delivery.RETRY
        return Delivery.DEAD_LETTER

    # ------------------------------------------------------------------ HTTP
    def handle_http(self, request: HttpRequest) -> HttpResponse:
        """Route, decode, dispatch and render one HTTP request. Never raises."""
        try:
            message = self.http_message(request)
        except Exception as exc:  # a defect in an adapter's request: still answer cleanly
            message = Message("", None, id=request.id, transport=request.transport)
            message._outcome = _crashed(message, exc)
        result = self.dispatch(message)
        return self.render_http(result, message, head=request.method.upper() == "HEAD")

    def http_message(self, request: HttpRequest) -> Message:
        """Route and decode an HTTP request into the Message its handler will get.

        The body rule: when the JSON body is an object (or absent), the handler's body is one
        object built from the query parameters, then the body's fields, then the path parameters,
        later ones winning (repeated query keys give lists). Any other body (a list, text) is
        passed as is; path parameters are always on `Message.params` too.
        """
        path = request.path
        for prefix in self.base_paths:
            stripped = strip_prefix(path, prefix)
            if stripped is not None:
                path = stripped
                break
        route, params, allowed = self.router.match(request.method, path)
        failure: Result[Any] | None = None
        body: Any = None
        if route is None:
            topic = ""
            failure = _route_failure(request.method, path, allowed)
        else:
            topic = route.topic
            query = request.query
            merge = bool(query or params)  # the body rule needs the parsed object to merge into
            try:
                body = decode_body(
                    request.body,
                    request.headers.get_lowercase("content-type"),
                    self.limits,
                    lazy=not merge and topic in self._deferrable,
                )
            except BodyError as exc:
                failure, body = exc.result, request.body
            else:
                if body is None or type(body) is dict:
                    if merge:
                        merged: dict[str, Any] = {
                            k: v[0] if len(v) == 1 else list(v) for k, v in query.items()
                        }
                        if body:
                            merged.update(body)
                        merged.update(params)
                        body = merged
                    elif body is None:
                        body = {}
        message = Message(  # positional on purpose: once per request (see Message's docstring)
            topic, body, request.headers, request.id, None, request.transport, request.raw, params,
            request.identity, request.deadline,
        )
        message._outcome = failure
        return message

    def render_http(self, result: Result[Any], message: Message, *, head: bool = False) -> HttpResponse:
        """Result -> status code (outcome table), JSON body, headers."""
        headers = {CORRELATION_HEADER: message.correlation_id}
        body = b""
        if result.status in _SUCCESS:
            payload = result.payload
            if isinstance(payload, bytes):
                body = payload
                headers["content-type"] = result.content_type or "application/octet-stream"
            elif payload is not None:
                try:
                    body = encode_json(payload)
                except BodyError as exc:
                    _log_failure(message, exc.result)
                    result = exc.result
                else:
                    headers["content-type"] = result.content_type or "application/json"
        if result.status not in _SUCCESS:
            body = _error_body(result, message)
            headers["content-type"] = "application/json"
            if result.retry_after is not None:
                headers["retry-after"] = str(result.retry_after)
        if result.headers:
            headers.update({k.lower(): v for k, v in result.headers.items()})
        status = _HTTP_STATUS[result.status]
        if head or status == 204:
            body = b""
        return HttpResponse(status, headers, body, list(result.cookies))


def _kept_body(message: Message) -> Any:
    """The body to park: parsed if it parses, else the text exactly as it came (nothing lost)."""
    body = message._body
    if type(body) is LazyJson:
        try:
            return message.body
        except BodyError:
            return body.text()
    return body


def _route_failure(method: str, path: str, allowed: tuple[str, ...]) -> Result[Any]:
    if allowed:
        return Result.failure(
            Status.METHOD_NOT_ALLOWED,
            Error("method_not_allowed", f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}"),
            headers={"allow": ", ".join(allowed)},
        )
    return Result.not_found(Error("no_route", f"no route for {method} {path}"))


def _error_body(result: Result[Any], message: Message) -> bytes:
    errors = [e.to_dict() for e in result.errors]
    return encode_json({
        "error": {
            "status": result.status.value,
            "message": errors[0]["message"] if errors else result.status.value,
            "errors": errors,
            "correlation_id": message.correlation_id,
        }
    })


def _crashed(message: Message, exc: Exception) -> Result[Any]:
    if isinstance(exc, BodyError):  # a deferred body read by middleware or a handler: malformed
        return exc.result
    logs.log(
        40,
        "handler raised",
        correlation_id=message.correlation_id,
        topic=message.topic,
        message_id=message.id,
        error=type(exc).__name__,
        exc_info=exc,
    )
    return Result.error(
        Error(
            "internal_error",
            f"the handler failed; quote correlation id {message.correlation_id} when reporting it",
        )
    )


def _log_failure(message: Message, result: Result[Any]) -> None:
    if result.errors and result.errors[0].code == "internal_error":
        return  # already logged with its traceback by _crashed
    logs.log(
        40 if result.status is Status.ERROR else 30,
        f"{message.topic or '(unrouted)'} -> {result.status.value}",
        correlation_id=message.correlation_id,
        topic=message.topic,
        message_id=message.id,
        transport=message.transport,
        status=result.status.value,
        errors=[e.to_dict() for e in result.errors],
    )


def _base_paths(base_path: str | Sequence[str]) -> tuple[str, ...]:
    paths = [base_path] if isinstance(base_path, str) else list(base_path)
    cleaned = ["/" + p.strip("/") for p in paths if p.strip("/")]
    return tuple(sorted(cleaned, key=len, reverse=True))


def _put_unique(table: dict[str, Any], key: str, binding: Any) -> None:
    if key in table:
        raise StartupError(
            f"{binding.kind} {key!r} is bound twice (to {table[key].topic!r} and {binding.topic!r}); "
            "one source feeds one topic"
        )
    table[key] = binding


def _unhandled(binding: Binding, service: Service) -> str:
    import difflib

    hint = difflib.get_close_matches(binding.topic, service.topics, n=1)
    suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
    return (
        f"{binding.kind} binding {binding.name!r} targets topic {binding.topic!r}, which no handler "
        f"in service {service.name!r} handles.{suggestion} Handled topics: "
        f"{', '.join(service.topics) or '(none)'}."
    )


def monotonic_deadline(remaining_ms: float) -> float:
    """Convert a platform's 'milliseconds left' into the `Message.deadline` instant."""
    return time.monotonic() + remaining_ms / 1000.0


__all__ = ["App", "Settlement"]
