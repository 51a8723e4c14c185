"""The local runtime: a real HTTP server, an in-memory queue with retries and a dead-letter list.

`portside run main.py` builds the app with the local adapter and calls `LocalRuntime.serve()`.
"""

from __future__ import annotations

import queue as queue_module
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .. import logs
from ..app import App, Settlement
from ..codec import encode_json
from ..headers import Headers
from ..http import HttpRequest, HttpResponse
from ..message import Message
from ..outcomes import Delivery
from .scheduler import LocalScheduler

INTERNAL_PREFIX = "/_portside/"
# Where the local queue parks poison messages when the app configures no dead-letter target.
LOCAL_DEAD_LETTERS = "local:dead-letters"


def _describe(message: Message, target: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": message.id,
        "topic": message.topic,
        "body": message.body if not isinstance(message.body, bytes) else message.body.decode(
            "utf-8", "replace"),
        "headers": dict(message.headers),
        "correlation_id": message.correlation_id,
    }
    if target is not None:
        data["target"] = target
    return data


class LocalPublisher:
    """Records published messages; dead-lettered ones land in `dead_letters`. When attached to a
    runtime, published messages whose topic has a handler are delivered through its queue."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[tuple[Message, str | None]] = []
        self.dead_letters: list[tuple[Message, str | None]] = []
        self.runtime: LocalRuntime | None = None

    def publish(self, message: Message, target: str | None) -> None:
        with self._lock:
            if message.transport == "dead-letter":
                self.dead_letters.append((message, target))
                return
            self.sent.append((message, target))
        runtime = self.runtime
        if runtime is not None and message.topic in runtime.app.service.handlers:
            runtime.enqueue(message.replace(transport="local-queue"))


class LocalQueue:
    """At-least-once delivery in one worker thread: RETRY outcomes are redelivered with backoff
    up to `max_attempts`, then dead-lettered like a cloud queue's redrive policy would."""

    def __init__(self, app: App, *, max_attempts: int = 3, backoff: float = 0.05) -> None:
        self.app = app
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._items: queue_module.Queue[Message | None] = queue_module.Queue()
        self._worker: threading.Thread | None = None
        self.settled: list[tuple[Message, Settlement]] = []
        self.dead_letter_target = app.dead_letter_target or LOCAL_DEAD_LETTERS

    def start(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="portside-local-queue", daemon=True)
            self._worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._items.put(None)
            self._worker.join(timeout=5)
            self._worker = None

    def put(self, message: Message) -> None:
        self._items.put(message)

    def join(self) -> None:
        """Wait until every queued message (and its retries) is settled."""
        self._items.join()

    def deliver_now(self, message: Message) -> Settlement:
        """Deliver with the queue's retry policy, in the calling thread."""
        while True:
            settlement = self.app.deliver(message, dead_letter=self.dead_letter_target)
            if not settlement.retry:
                break
            if message.attempt >= self.max_attempts:
                self.app.dead_letter(message, settlement.result, self.dead_letter_target)
                settlement = Settlement(Delivery.DEAD_LETTER, settlement.result)
                break
            time.sleep(self.backoff * 2 ** (message.attempt - 1))
            message = message.replace(attempt=message.attempt + 1)
        self.settled.append((message, settlement))
        logs.log(
            20,
            f"queue {message.topic} -> {settlement.delivery.value}",
            correlation_id=message.correlation_id,
            topic=message.topic,
            attempt=message.attempt,
            status=settlement.result.status.value,
        )
        return settlement

    def _run(self) -> None:
        while True:
            message = self._items.get()
            try:
                if message is None:
                    return
                self.deliver_now(message)
            finally:
                self._items.task_done()


class LocalRuntime:
    """The local adapter's entry point: an HTTP server and a queue around one App."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.queue = LocalQueue(app)
        publisher = app.publisher
        self.publisher = publisher if isinstance(publisher, LocalPublisher) else None
        if self.publisher is not None:
            self.publisher.runtime = self
        self._server: ThreadingHTTPServer | None = None
        self.scheduler = LocalScheduler(self)

    def enqueue(self, message: Message) -> None:
        self.queue.start()
        self.queue.put(message)

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
        if path.startswith("schedules/") and method == "POST":
            name = unquote(path[len("schedules/"):])
            binding = self.app.schedule_binding(name)
            if binding is None:
                return _json(404, {"error": {
                    "status": "not_found",
                    "message": f"no schedule binding named {name!r}; add schedule({name!r}, topic, "
                               "expression) to the startup file",
                }})
            message = self.scheduler.fire(binding)
            return _json(202, {"id": message.id, "topic": message.topic, "status": "queued"})
        if path == "dead-letters" and method == "GET":
            letters = self.publisher.dead_letters if self.publisher else []
            return _json(200, [_describe(m, t) for m, t in letters])
        if path == "published" and method == "GET":
            sent = self.publisher.sent if self.publisher else []
            return _json(200, [_describe(m, t) for m, t in sent])
        return _json(404, {"error": {
            "status": "not_found",
            "message": f"no portside endpoint {method} {request.path}; try GET /_portside/health, "
                       "POST /_portside/messages/{topic}, POST /_portside/schedules/{name}, "
                       "GET /_portside/dead-letters, GET /_portside/published",
        }})

    def _accept_message(self, topic: str, request: HttpRequest) -> HttpResponse:
        if topic not in self.app.service.handlers:
            return _json(404, {"error": {
                "status": "not_found",
                "message": f"no handler for topic {topic!r}; handled topics: "
                           f"{', '.join(self.app.service.topics)}",
            }})
        message = self.app.inbound(
            topic,
            request.body,
            content_type=request.headers.get("content-type"),
            headers=request.headers,
            id=request.id,
            transport="local-queue",
        )
        if request.query.get("wait", ["false"])[0].lower() in ("1", "true", "yes"):
            settlement = self.queue.deliver_now(message)
            response = self.app.render_http(settlement.result, message)
            response.headers["x-portside-delivery"] = settlement.delivery.value
            return response
        self.enqueue(message)
        return _json(202, {"id": message.id, "topic": topic, "status": "queued"},
                     correlation_id=message.correlation_id)

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

        signal.signal(signal.SIGTERM, stop)
        bound_host, bound_port = _address(server)
        logs.log(20, f"serving {self.app.service.name} on http://{bound_host}:{bound_port} "
                     "(Ctrl-C to stop)", adapter="local")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            self.scheduler.stop()
            self.queue.stop()
            logs.log(20, "stopped", adapter="local")

    def _make_server(self, host: str, port: int) -> ThreadingHTTPServer:
        runtime = self

        class RequestHandler(_RequestHandler):
            pass

        RequestHandler.runtime = runtime
        server = ThreadingHTTPServer((host, port), RequestHandler)
        server.daemon_threads = True
        self._server = server
        return server


def _address(server: ThreadingHTTPServer) -> tuple[str, int]:
    host, port = server.server_address[:2]
    return (host.decode() if isinstance(host, bytes) else str(host)), int(port)


def _json(status: int, payload: Any, correlation_id: str | None = None) -> HttpResponse:
    headers = {"content-type": "application/json"}
    if correlation_id:
        headers["x-correlation-id"] = correlation_id
    return HttpResponse(status, headers, encode_json(payload))


class _RequestHandler(BaseHTTPRequestHandler):
    runtime: LocalRuntime
    protocol_version = "HTTP/1.1"
    server_version = "portside-local"

    def _handle(self) -> None:
        started = time.perf_counter()
        split = urlsplit(self.path)
        limit = self.runtime.app.limits.max_body_bytes
        try:
            body = self._read_body(limit)
        except ValueError as exc:  # a broken framing header: answer, then drop the connection
            self.close_connection = True
            self._send(_json(400, {"error": {"status": "invalid", "message": str(exc)}}))
            return
        request = HttpRequest(
            method=self.command,
            path=unquote(split.path),
            headers=Headers(self.headers.items()),
            query=parse_qs(split.query, keep_blank_values=True),
            body=body,
            transport="local-http",
            raw=None,
        )
        response = self.runtime.handle(request)
        self._send(response)
        logs.log(
            20,
            f"{self.command} {split.path} -> {response.status}",
            correlation_id=response.headers.get("x-correlation-id"),
            ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def _read_body(self, limit: int) -> bytes:
        """The request body, at most limit+1 bytes of it (the core then answers 413).

        Content-Length and chunked transfer encoding are both understood; a body past the limit
        is not read to its end, so the connection is closed after the answer.
        """
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024).split(b";", 1)[0].strip()
                try:
                    length = int(line, 16)
                except ValueError:
                    raise ValueError("malformed chunked body: bad chunk size line") from None
                if length == 0:
                    self.rfile.readline(1024)  # the blank line after the last chunk
                    return b"".join(chunks)
                if size + length > limit:
                    self.close_connection = True
                    chunks.append(self.rfile.read(limit + 1 - size))
                    return b"".join(chunks)
                chunks.append(self.rfile.read(length))
                self.rfile.readline(1024)  # the CRLF closing this chunk
                size += length
        raw_length = self.headers.get("content-length") or "0"
        if not raw_length.strip().isdigit():
            raise ValueError(f"Content-Length must be a number of bytes, got {raw_length!r}")
        length = int(raw_length)
        if length > limit + 1:
            self.close_connection = True
        return self.rfile.read(min(length, limit + 1)) if length else b""

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

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format: str, *args: Any) -> None:  # replaced by structured logs
        pass


__all__ = ["LocalPublisher", "LocalQueue", "LocalRuntime"]
