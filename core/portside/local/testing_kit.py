"""The local adapter's testing kit: the contract suite (and users' tests) drive the local runtime
the way a caller and a publisher do.

HTTP shapes:
- "in-process": the neutral request straight into `App.handle_http`;
- "server": a real `LocalRuntime` server on a free loopback port, spoken to with http.client.
  Headers the server adds for framing (content-length, connection, date, server) are dropped from
  the neutral answer; every Set-Cookie becomes one entry of `HttpResponse.cookies`.

Message shapes (what the local runtime offers a sender):
- "delivery": `POST /_portside/messages/{name}?wait=true` per message, `name` the queue or
  subscription binding's name or the event binding's type; the answer is rendered by
  `kit.render_delivery` (its `x-portside-delivery` header names the state). The message id
  travels as `Idempotency-Key`.
- "channel": the message is published to the channel the binding listens on (a queue or
  subscription of that name; the event bus for event bindings) and settled by the local queue.
- "timer": `POST /_portside/schedules/{name}` fires a schedule binding once per message.
The local queue redelivers a retried message in place, up to its `max_attempts`, then hands it
back; so a transient failure ends `handed_back` here (the kit's runtime retries without pausing).
A local sender has no attempt count: every delivery starts at attempt 1.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import Any
from urllib.parse import quote, urlencode

from ..app import App
from ..bindings import MESSAGE_TOPIC, EventBinding, ScheduleBinding
from ..headers import Headers
from ..http_types import HttpRequest, HttpResponse
from ..kit.testing import Delivered, Outgoing
from ..message import IDEMPOTENCY_HEADER, TOPIC_HEADER, Message
from ..settlement import State
from .broker import LocalBroker
from .runtime import LocalRuntime

HTTP_SHAPES = ("in-process", "server")
MESSAGE_SHAPES: Mapping[str, Sequence[str]] = {
    "queue": ("delivery", "channel"),
    "subscription": ("delivery", "channel"),
    "event": ("delivery", "channel"),
    "schedule": ("timer",),
}
# Added by the HTTP server for framing; a neutral HttpResponse never carries them.
_FRAMING = frozenset({"content-length", "connection", "date", "server", "transfer-encoding", "keep-alive"})
_TIMEOUT_SECONDS = 30


class LocalTestingKit:
    """Drives one App's local runtime; `close()` stops its server (started on first use)."""

    adapter = "local"

    def __init__(self, app: App) -> None:
        self.app = app
        self.runtime = LocalRuntime(app)
        app.publisher = self.runtime.broker  # what handlers publish is recorded and delivered locally
        self.runtime.queue.backoff = 0.0  # redeliveries in place need no pause in tests
        self._stack: ExitStack | None = None
        self._address: tuple[str, int] | None = None
        self._lock = threading.Lock()
        self._own: list[Message] = []

    # ---------------------------------------------------------------- TestingKit
    def http_shapes(self) -> Sequence[str]:
        return HTTP_SHAPES

    def message_shapes(self) -> Mapping[str, Sequence[str]]:
        return MESSAGE_SHAPES

    def http(self, shape: str, request: HttpRequest) -> HttpResponse:
        if shape == "in-process":
            return self.app.handle_http(request)
        if shape == "server":
            return self._over_socket(request)
        raise ValueError(f"unknown local HTTP shape {shape!r}; use one of {', '.join(HTTP_SHAPES)}")

    def deliver(self, shape: str, binding: Any, messages: Sequence[Outgoing]) -> Delivered:
        broker = self.broker
        sent, kept = len(broker.sent), len(broker.dead_letters)
        self._own.clear()
        answers: list[HttpResponse] = []
        if shape == "delivery":
            answers = self._post_each(binding, messages)
        elif shape == "channel":
            states = self._publish_each(binding, messages)
        elif shape == "timer":
            states = self._fire_each(binding, messages)
        else:
            raise ValueError(f"unknown local message shape {shape!r}; use delivery, channel or timer")
        self.runtime.queue.join()  # what the handlers published into this app's own channels
        letters = [(letter.message, letter.target) for letter in broker.dead_letters[kept:]
                   if letter.state == State.DEAD_LETTERED.value]
        if shape == "delivery":
            parked = {message.id for message, _ in letters}
            states = [delivery_state(a, m.id in parked) for a, m in zip(answers, messages, strict=True)]
        native: list[Any] = list(answers) if shape == "delivery" else list(states)
        redelivered = [m.id for m, state in zip(messages, states, strict=True) if state in _REDELIVER]
        published = [(m, t) for m, t in broker.sent[sent:] if not any(m is own for own in self._own)]
        return Delivered(states, native, redelivered, published, letters)

    def close(self) -> None:
        """Stop the server and the queue worker (safe to call twice)."""
        with self._lock:
            stack, self._stack, self._address = self._stack, None, None
        if stack is not None:
            stack.close()

    # ---------------------------------------------------------------- HTTP over a socket
    @property
    def broker(self) -> LocalBroker:
        return self.runtime.broker

    def address(self) -> tuple[str, int]:
        """(host, port) of the kit's server, started on first use."""
        with self._lock:
            if self._address is None:
                stack = ExitStack()
                self._address = stack.enter_context(self.runtime.running(port=0))
                self._stack = stack
            return self._address

    def _over_socket(self, request: HttpRequest) -> HttpResponse:
        host, port = self.address()
        target = request.path or "/"
        if request.query:
            target += "?" + urlencode({k: list(v) for k, v in request.query.items()}, doseq=True)
        connection = http.client.HTTPConnection(host, port, timeout=_TIMEOUT_SECONDS)
        try:
            connection.request(request.method, target, body=request.body or None,
                               headers=dict(request.headers.items()))
            answer = connection.getresponse()
            body = answer.read()
            pairs = answer.getheaders()
        finally:
            connection.close()
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in pairs:
            key = name.lower()
            if key == "set-cookie":
                cookies.append(value)
            elif key not in _FRAMING:
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return HttpResponse(answer.status, headers, body, cookies)

    # ---------------------------------------------------------------- message shapes
    def _post_each(self, binding: Any, messages: Sequence[Outgoing]) -> list[HttpResponse]:
        answers: list[HttpResponse] = []
        for outgoing in messages:
            headers = Headers(outgoing.headers)
            # Addressed as a cloud addresses it: the queue or subscription by its name, an event by
            # its type (the binding's pattern), so the binding's topic and dead_letter= apply.
            name = binding.pattern if isinstance(binding, EventBinding) else binding.name
            request = HttpRequest(
                "POST", f"/_portside/messages/{quote(name, safe='')}",
                headers.merged({IDEMPOTENCY_HEADER: outgoing.id}),
                {"wait": ["true"]}, _bytes(outgoing.data),
            )
            answers.append(self._over_socket(request))
        return answers

    def _publish_each(self, binding: Any, messages: Sequence[Outgoing]) -> list[State]:
        if isinstance(binding, EventBinding):
            target, channel = "", "events"
        else:
            target, channel = binding.name, "queue"
        settled = len(self.runtime.queue.settled)
        for outgoing in messages:
            headers = Headers(outgoing.headers)
            topic = binding.pattern if isinstance(binding, EventBinding) else binding.topic
            if topic == MESSAGE_TOPIC:
                topic = headers.get(TOPIC_HEADER) or ""
            message = Message(topic, None, headers, outgoing.id, None, "outbound", data=outgoing.data)
            self._own.append(message)  # what the kit sends is not what the handlers published
            self.broker.send((target, channel), message)
        self.runtime.queue.join()
        return self._settled_since(settled, [m.id for m in messages])

    def _fire_each(self, binding: Any, messages: Sequence[Outgoing]) -> list[State]:
        if not isinstance(binding, ScheduleBinding):
            raise ValueError(f"the timer shape fires schedule bindings, not {binding!r}")
        settled = len(self.runtime.queue.settled)
        ids = []
        for _ in messages:
            path = f"/_portside/schedules/{quote(binding.name, safe='')}"
            answer = self._over_socket(HttpRequest("POST", path))
            if answer.status != 202:
                raise RuntimeError(f"the local runtime refused to fire {binding.name!r}: {answer.body!r}")
            ids.append(str(json.loads(answer.body)["id"]))
        self.runtime.queue.join()
        return self._settled_since(settled, ids)

    def _settled_since(self, start: int, ids: list[str]) -> list[State]:
        """The final state of each message id, from what the local queue settled since `start`."""
        final = {message.id: settlement.state for message, settlement in self.runtime.queue.settled[start:]}
        missing = [i for i in ids if i not in final]
        if missing:
            raise RuntimeError(
                f"no binding of this app received message(s) {', '.join(missing)}; deliver by a binding "
                "that listens on a channel (a queue, subscription or exact event binding)"
            )
        return [final[i] for i in ids]


_REDELIVER = frozenset({State.RETRIED, State.HANDED_BACK})


def delivery_state(answer: HttpResponse, parked: bool) -> State:
    """A push answer as a push platform reads it, by its status alone: a 2xx is done (dead-lettered
    when the message reached its dead-letter target), 503 is retried, anything else is handed back
    to be pushed again (`kit.render_delivery`'s table)."""
    if 200 <= answer.status < 300:
        return State.DEAD_LETTERED if parked else State.ACKNOWLEDGED
    return State.RETRIED if answer.status == 503 else State.HANDED_BACK


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


__all__ = ["LocalTestingKit", "delivery_state"]
