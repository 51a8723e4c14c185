"""The local runtime: a real HTTP server, an in-memory queue with retries and a dead-letter list.

`portside run main.py` builds the app with the local adapter and calls `LocalRuntime.serve()`.
"""

from __future__ import annotations

import queue as queue_module
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .. import logs
from ..app import App
from ..codec import encode_json
from ..errors import StartupError
from ..headers import Headers
from ..http_types import HttpRequest, HttpResponse
from ..inbound import Inbound
from ..kit import cloudevents
from ..kit.delivery import render_delivery
from ..kit.records import resolve_topic
from ..message import CORRELATION_HEADER, IDEMPOTENCY_HEADER, Message
from ..result import Error, Result, Status
from ..settlement import Settlement, State
from .broker import LocalBroker
from .cors import CorsPolicy
from .scheduler import LocalScheduler

INTERNAL_PREFIX = "/_portside/"
_DELIVERY_PATH = INTERNAL_PREFIX + "messages/"
# How much larger than the app's body limit a message posted to the delivery endpoint may be.
DELIVERY_READ_FACTOR = 4
DEFAULT_DEADLINE_SECONDS = 30.0  # a generous function timeout; `portside run --timeout` changes it


class LocalQueue:
    """At-least-once delivery in one worker thread: retried messages are redelivered with backoff
    up to `max_attempts`; then they are handed back, like a cloud queue's redrive policy would
    move them, into the broker's dead-letter list. Handed-back poison lands there too."""

    deadline_seconds: float | None = None  # what ctx.remaining_seconds() counts down from

    def __init__(self, app: App, broker: LocalBroker, *, max_attempts: int = 3, backoff: float = 0.05) -> None:
        self.app = app
        self.broker = broker
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._items: queue_module.Queue[tuple[Message, Any] | None] = queue_module.Queue()
        self._worker: threading.Thread | None = None
        self.settled: list[tuple[Message, Settlement]] = []

    def start(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="portside-local-queue", daemon=True)
            self._worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._items.put(None)
            self._worker.join(timeout=5)
            self._worker = None

    def put(self, message: Message, binding: Any = None) -> None:
        self._items.put((message, binding))

    def join(self) -> None:
        """Wait until every queued message (and its retries) is settled."""
        self._items.join()

    def deliver_now(self, message: Message, binding: Any = None) -> Settlement:
        """Deliver with the queue's retry policy, in the calling thread."""
        dead_letter = getattr(binding, "dead_letter", None)
        while True:
            if self.deadline_seconds is not None:  # each attempt gets its own, as each invocation does
                message = message.replace(deadline=time.monotonic() + self.deadline_seconds)
            settlement = self.app.deliver(message, dead_letter=dead_letter)
            if settlement.state is not State.RETRIED or message.attempt >= self.max_attempts:
                break
            time.sleep(self.backoff * 2 ** (message.attempt - 1))
            message = message.replace(attempt=message.attempt + 1)
        if settlement.state is State.RETRIED:
            settlement = Settlement(
                State.HANDED_BACK, settlement.result, message,
                f"{settlement.reason}; gave up after {message.attempt} attempts",
            )
        if settlement.state is State.HANDED_BACK:
            self.broker.keep(message, None, State.HANDED_BACK.value, settlement.reason)
        self.settled.append((message, settlement))
        logs.log(
            "info",
            f"queue {message.topic or '(unrouted)'} -> {settlement.state.value}",
            correlation_id=message.correlation_id,
            topic=message.topic,
            attempt=message.attempt,
            status=settlement.result.status.value,
        )
        return settlement

    def _run(self) -> None:
        while True:
            item = self._items.get()
            try:
                if item is None:
                    return
                self.deliver_now(*item)
            finally:
                self._items.task_done()


class LocalRuntime:
    """The local adapter's entry point: an HTTP server and a queue around one App."""

    def __init__(
        self,
        app: App,
        *,
        cors: str | Iterable[str] | None = None,
        deadline_seconds: float | None = DEFAULT_DEADLINE_SECONDS,
    ) -> None:
        """`cors`: origins (or "*") whose browsers may call the service; the server then answers
        their preflights (see cors.py). Without it, OPTIONS is routed like any method.

        `deadline_seconds`: how long each request or delivery attempt may take, as a function
        timeout on a cloud; handlers see it count down in `ctx.remaining_seconds()` (None: no
        deadline). Nothing is stopped locally; a request that overruns it is logged."""
        if deadline_seconds is not None and not deadline_seconds > 0:
            raise StartupError(f"deadline_seconds must be positive (got {deadline_seconds!r}); None means none")
        self.app = app
        self.cors = CorsPolicy(cors) if cors is not None else None
        self.deadline_seconds = deadline_seconds
        publisher = app.publisher
        self.broker = publisher if isinstance(publisher, LocalBroker) else LocalBroker(app)
        self.broker.sink = self.enqueue
        self.queue = LocalQueue(app, self.broker)
        self.queue.deadline_seconds = deadline_seconds
        self._server: ThreadingHTTPServer | None = None
        self.scheduler = LocalScheduler(self)

    def enqueue(self, message: Message, binding: Any = None) -> None:
        self.queue.start()
        self.queue.put(message, binding)

    # ------------------------------------------------------------------ HTTP
    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(INTERNAL_PREFIX):
            return self._internal(request)
        return self.app.handle_http(request)

    def _internal(self, request: HttpRequest) -> HttpResponse:
        path = request.path[len(INTERNAL_PREFIX):].strip("/")
        method = request.method.upper()
        if path == "health" and method == "GET":
            return _json(200, {
                "status": "ok",
                "service": self.app.service.name,
                "adapter": "local",
                "topics": list(self.app.service.topics),
                "routes": sorted(f"{r.method} {r.template}" for r in self.app.router.routes()),
            })
        if path.startswith("messages/") and method == "POST":
            return self._accept_message(unquote(path[len("messages/"):]), request)
        if path == "events" and method == "POST":
            return self._accept_event(request)
        if path.startswith("schedules/") and method == "POST":
            name = unquote(path[len("schedules/"):])
            binding = self.app.bindings.schedule(name)
            if binding is None:
                return self._not_found(request, "unknown_schedule",
                                       f"no schedule binding named {name!r}; add schedule({name!r}, "
                                       "topic, expression) to the startup file")
            message = self.scheduler.fire(binding)
            return _json(202, {"id": message.id, "topic": message.topic, "status": "queued"})
        if path == "dead-letters" and method == "GET":
            return _json(200, [letter.describe() for letter in self.broker.dead_letters])
        if path == "published" and method == "GET":
            return _json(200, [_describe(m, t) for m, t in self.broker.sent])
        return self._not_found(request, "unknown_endpoint",
                               f"no portside endpoint {method} {request.path}; try GET /_portside/health, "
                               "POST /_portside/messages/{queue or topic}, "
                               "POST /_portside/events (a CloudEvent), POST /_portside/schedules/{name}, "
                               "GET /_portside/dead-letters, GET /_portside/published")

    def _not_found(self, request: HttpRequest, code: str, text: str) -> HttpResponse:
        """An internal endpoint's 404, in the app's JSON error format."""
        message = Message("", None, request.headers, transport=request.transport)
        return self.app.render_http(Result.not_found(Error(code, text)), message)

    def _accept_message(self, name: str, request: HttpRequest) -> HttpResponse:
        """Deliver one message as a cloud would. `name` is a queue or subscription binding's name
        or an event type (that binding's topic, MESSAGE_TOPIC included, and its dead_letter= apply,
        as on a cloud), or a handled topic (the first binding feeding that topic applies)."""
        bindings = self.app.bindings
        binding: Any = bindings.queue(name) or bindings.subscription(name) or bindings.event(name)
        if binding is not None:
            topic = resolve_topic(binding, request.headers)
        elif name in self.app.service.handlers:
            topic = name
            binding = next((b for b in bindings.inbound() if b.topic == name), None)
        else:
            return self._not_found(request, "unknown_topic", f"no queue or subscription binding named {name!r} "
                                   f"and no handler for topic {name!r}; handled topics: "
                                   f"{', '.join(self.app.service.topics)}")
        message = self.app.receive(Inbound(
            topic,
            request.body,
            content_type=request.headers.get("content-type"),
            headers=request.headers,
            id=request.headers.get_lowercase(IDEMPOTENCY_HEADER) or request.id,
            transport="local-queue",
            unroutable=f"channel {name!r} dispatches by each message's topic and this one names none "
            "(set the portside-topic header)",
        ))
        if request.query.get("wait", ["false"])[0].lower() in ("1", "true", "yes"):
            return render_delivery(self.queue.deliver_now(message, binding))
        self.enqueue(message, binding)
        return _json(202, {"id": message.id, "topic": message.topic, "status": "queued"},
                     correlation_id=message.correlation_id)

    def _accept_event(self, request: HttpRequest) -> HttpResponse:
        """A CloudEvent (binary or structured mode) delivered to the event binding of its type,
        as Eventarc or Event Grid would deliver it; answered with render_delivery."""
        try:
            event = cloudevents.from_http(request.headers, request.body)
        except cloudevents.CloudEventError as exc:
            message = Message("", None, request.headers, transport="local-event")
            return self.app.render_http(Result.invalid(Error("not_a_cloudevent", str(exc))), message)
        binding = self.app.bindings.event(event.type)
        data = event.data
        headers = {f"ce-{name}": value for name, value in event.attributes().items()}
        if event.datacontenttype:
            headers["content-type"] = event.datacontenttype
        inbound = Inbound(
            binding.topic if binding is not None else None,
            data if isinstance(data, bytes) else encode_json(data) if data is not None else None,
            transport="local-event", content_type=event.datacontenttype if isinstance(data, bytes) else None,
            headers=headers, id=event.id, correlation_id=event.extensions.get("correlationid"),
            unroutable=f"no event binding matches CloudEvent type {event.type!r}; add event({event.type!r}, "
            "topic) to the startup file",
        )
        return render_delivery(self.queue.deliver_now(self.app.receive(inbound), binding))

    # ------------------------------------------------------------------ server
    @contextmanager
    def running(self, host: str = "127.0.0.1", port: int = 8000) -> Iterator[tuple[str, int]]:
        """Serve in a background thread; yields the bound (host, port). Port 0 picks a free one."""
        server = self._make_server(host, port)
        thread = threading.Thread(target=server.serve_forever, name="portside-http", daemon=True)
        thread.start()
        self.queue.start()
        self.scheduler.start()
        try:
            yield _address(server)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self.scheduler.stop()
            self.queue.stop()

    def serve(self, host: str = "127.0.0.1", port: int = 8000) -> None:
        """Serve until Ctrl-C (SIGINT) or SIGTERM, then stop cleanly."""
        import signal

        server = self._make_server(host, port)
        self.queue.start()
        self.scheduler.start()

        def stop(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        # Both explicitly: a process started in the background by a non-interactive shell (nohup,
        # `cmd &` in a script) inherits SIGINT ignored, and Ctrl-C would then never stop it.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        bound_host, bound_port = _address(server)
        logs.log(logs.INFO, f"serving {self.app.service.name} on http://{bound_host}:{bound_port} "
                 "(Ctrl-C to stop)", adapter="local")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            self.scheduler.stop()
            self.queue.stop()
            logs.log(logs.INFO, "stopped", adapter="local")

    def _make_server(self, host: str, port: int) -> ThreadingHTTPServer:
        runtime = self

        class RequestHandler(_RequestHandler):
            pass

        RequestHandler.runtime = runtime
        try:
            server = ThreadingHTTPServer((host, port), RequestHandler)
        except OSError as exc:  # the port is taken, the address is not this machine's, ...
            raise StartupError(
                f"cannot serve on {host}:{port}: {exc.strerror or exc}; stop what is using it or "
                "choose another port (portside run --port N, or 0 for any free one)"
            ) from None
        server.daemon_threads = True
        self._server = server
        return server


def _address(server: ThreadingHTTPServer) -> tuple[str, int]:
    host, port = server.server_address[:2]
    return (host.decode() if isinstance(host, bytes) else str(host)), int(port)


def _describe(message: Message, target: str | None) -> dict[str, Any]:
    body = message.body
    return {
        "id": message.id,
        "topic": message.topic,
        "target": target,
        "body": body.decode("utf-8", "replace") if isinstance(body, bytes) else body,
        "headers": dict(message.headers),
        "correlation_id": message.correlation_id,
    }


def _json(status: int, payload: Any, correlation_id: str | None = None) -> HttpResponse:
    headers = {"content-type": "application/json"}
    if correlation_id:
        headers["x-correlation-id"] = correlation_id
    return HttpResponse(status, headers, encode_json(payload))


class _Refused(Exception):
    """A request the server answers itself, before the app: broken framing, a body too large."""

    def __init__(self, status: Status, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class _RequestHandler(BaseHTTPRequestHandler):
    """Bytes on a socket <-> HttpRequest/HttpResponse. Every answer, even for a request the app
    never sees (an unparsable request line, a cut-short body), is the app's JSON error format
    with an x-correlation-id, rendered by `App.render_http`."""

    runtime: LocalRuntime
    protocol_version = "HTTP/1.1"
    server_version = "portside-local"
    # A client that stops sending mid-request is answered (400) instead of holding a thread.
    timeout = 30

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD>; every method (TRACE, PROPFIND, ...) goes to the app's
        # router, which answers 405 with Allow on a bound path and 404 elsewhere.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        started = time.perf_counter()
        split = urlsplit(self.path)
        headers = Headers(self.headers.items())
        seconds = self.runtime.deadline_seconds
        try:
            limit = self.runtime.app.limits.max_body_bytes
            if split.path.startswith(_DELIVERY_PATH):  # a queue carries what it is given: a message
                limit *= DELIVERY_READ_FACTOR          # over the app's limit is read, then kept as poison
            body = self._read_body(limit)
        except _Refused as refused:  # answer, then drop the connection: the rest of it is unread
            self.close_connection = True
            response = self._error(refused.status, refused.code, str(refused), headers)
        else:
            request = HttpRequest(
                method=self.command,
                path=split.path or "/",  # still percent-encoded: the router decodes per segment
                headers=headers,
                query=parse_qs(split.query, keep_blank_values=True),
                body=body,
                deadline=None if seconds is None else time.monotonic() + seconds,
                transport="local-http",
                raw=None,
            )
            response = self._respond(request)
        self._send(response)
        elapsed = time.perf_counter() - started
        logs.log(
            logs.INFO,
            f"{self.command} {split.path} -> {response.status}",
            correlation_id=response.headers.get("x-correlation-id"),
            ms=round(elapsed * 1000, 2),
        )
        if seconds is not None and elapsed > seconds:
            logs.log(
                logs.WARNING,
                f"{self.command} {split.path} took {elapsed:.1f} s, past its {seconds:g} s deadline: a "
                "cloud would have stopped it; make it faster or raise the timeout (portside run --timeout)",
                correlation_id=response.headers.get("x-correlation-id"),
            )

    def _respond(self, request: HttpRequest) -> HttpResponse:
        cors = self.runtime.cors
        origin = request.headers.get_lowercase("origin")
        if cors is None or origin is None:
            return self._app_answer(request)
        if not cors.allows(origin):
            return self._error(
                Status.FORBIDDEN, "cors_origin",
                f"origin {origin} may not call this service; allow it with LocalRuntime(app, "
                f"cors=[{origin!r}]) or `portside run --cors {origin}`", request.headers,
            )
        asked = request.headers.get_lowercase("access-control-request-method")
        if request.method == "OPTIONS" and asked:  # a browser's preflight
            message = Message("", None, request.headers, transport="local-http")
            headers = {CORRELATION_HEADER: message.correlation_id}
            headers.update(cors.preflight_headers(
                origin, asked, request.headers.get_lowercase("access-control-request-headers")
            ))
            return HttpResponse(204, headers)
        response = self._app_answer(request)
        response.headers.update(cors.response_headers(origin))
        return response

    def _app_answer(self, request: HttpRequest) -> HttpResponse:
        """The app's answer. For HEAD it is GET's, body included, so the headers (content-length
        too) are GET's; `_send` leaves the body out."""
        if request.method != "HEAD" or request.path.startswith(INTERNAL_PREFIX):
            return self.runtime.handle(request)
        app = self.runtime.app
        try:
            message = app.http_message(request)
        except Exception:  # a defect: handle_http answers it cleanly (without GET's length)
            return self.runtime.handle(request)
        return app.render_http(app.dispatch(message), message)

    def _error(self, status: Status, code: str, text: str, headers: Headers) -> HttpResponse:
        message = Message("", None, headers, transport="local-http")
        return self.runtime.app.render_http(Result.failure(status, Error(code, text)), message)

    def _read_body(self, limit: int) -> bytes:
        """The whole request body, or _Refused: a body over `limit` is not read (413, naming its
        size), one shorter than announced is not processed (400).

        Content-Length and chunked transfer encoding are both understood.
        """
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return self._read_chunked(limit)
        raw_length = self.headers.get("content-length") or "0"
        if not raw_length.strip().isdigit():
            raise _Refused(Status.INVALID, "bad_content_length",
                           f"Content-Length must be a number of bytes, got {raw_length!r}")
        length = int(raw_length)
        if length > limit:
            raise _Refused(Status.TOO_LARGE, "body_too_large",
                           f"body is {length} bytes; the limit is {limit} bytes")
        body = self._read_exactly(length) if length else b""
        if len(body) < length:
            raise _Refused(Status.INVALID, "incomplete_body",
                           f"the body ended after {len(body)} of the {length} bytes its Content-Length "
                           "announced; send the whole body")
        return body

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            line = self._read_line().split(b";", 1)[0].strip()
            try:
                length = int(line, 16)
            except ValueError:
                raise _Refused(Status.INVALID, "bad_chunk",
                               "malformed chunked body: bad chunk size line") from None
            if length == 0:
                self._read_line()  # the blank line after the last chunk
                return b"".join(chunks)
            if size + length > limit:
                raise _Refused(Status.TOO_LARGE, "body_too_large",
                               f"body is more than {limit} bytes (chunked, {size + length} bytes so far); "
                               f"the limit is {limit} bytes")
            chunk = self._read_exactly(length)
            if len(chunk) < length:
                raise _Refused(Status.INVALID, "incomplete_body",
                               f"a chunk ended after {len(chunk)} of its {length} bytes; send the whole body")
            chunks.append(chunk)
            self._read_line()  # the CRLF closing this chunk
            size += length

    def _read_exactly(self, length: int) -> bytes:
        try:
            return self.rfile.read(length)
        except TimeoutError:  # the client went quiet: what arrived is not the whole body
            return b""

    def _read_line(self) -> bytes:
        try:
            return self.rfile.readline(1024)
        except TimeoutError:
            return b""

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        for cookie in response.cookies:
            self.send_header("set-cookie", cookie)
        self.send_header("content-length", str(len(response.body)))
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server itself refuses (a malformed request line, headers too long, ...),
        answered in the JSON error format instead of the stdlib's HTML page."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9" and " HTTP/" in (getattr(self, "requestline", "") or ""):
            self.request_version = "HTTP/1.0"  # a bad version number: still answer with a status line
        text = message or self.responses.get(code, ("error",))[0]
        status = Status.INVALID if code < 500 else Status.ERROR
        headers = Headers(self.headers.items()) if getattr(self, "headers", None) else Headers()
        response = self._error(status, "bad_request" if code < 500 else "server_error", text, headers)
        response.status = code  # keep the precise code (414, 431, 505, ...)
        self._send(response)

    def log_message(self, format: str, *args: Any) -> None:  # replaced by structured logs
        pass


__all__ = ["LocalQueue", "LocalRuntime"]
