"""The Functions Framework target: one HTTP function that serves the whole service.

    handler = app.entry_point       # functions-framework --source main.py --target handler

`app.entry_point` is a plain function `flask.Request -> flask.Response`, registered with the
framework as an HTTP function under the name `--target` / `FUNCTION_TARGET` gives it (default
`handler`). The registration wins over `FUNCTION_SIGNATURE_TYPE`, so event-triggered deployments
(which set `cloudevent` or `event`) still hand it the raw request, and the adapter recognises
events itself:

1. a request whose method and path match one of the service's HTTP bindings is HTTP, always;
2. otherwise a CloudEvent (binary `ce-*` headers, structured `application/cloudevents+json`), a
   Pub/Sub push envelope, a legacy background event or a Cloud Scheduler call is an event;
3. anything else is HTTP (the router answers 404 or 405 in the JSON error format).

`PORTSIDE_GCP_SERVE` narrows this (`http`: events are never recognised; `events`: nothing but
events is served) and `PORTSIDE_GCP_AUDIENCE` makes every event prove it comes from Google.

The common requests whose handler has a lane (portside.lanes) are answered first by fast.py,
straight from the WSGI environ, under the same rules; everything else is read here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit

from portside import App, Error, Headers, HttpResponse, Message, Result, logs
from portside.kit import MISS, EntryPoint, Redeliver, UnsupportedEvent

from .deployment import Deployment, Invocation
from .native import Request, to_flask
from .security import TokenVerifier, Unauthenticated, VerifierUnavailable
from .settings import GcpSettings

ADAPTER = "gcp"
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
BODY_OVERHEAD = 64 * 1024  # envelope around base64 data: a push envelope, a structured event


class UnsupportedRequest(UnsupportedEvent):
    """A request this deployment does not serve (PORTSIDE_GCP_SERVE=events and not an event)."""


class DeliveryFailed(Redeliver):
    """An event that must be delivered again (answered with 500, so the platform redelivers)."""


def shapes(settings: GcpSettings) -> list[ModuleType]:
    """Event shapes first (each refuses a request a binding routes), HTTP last as the fallback."""
    from . import (
        cloudevent_binary,
        cloudevent_structured,
        http_request,
        legacy_event,
        pubsub_push,
        scheduler_http,
    )

    found: list[ModuleType] = []
    if settings.serves_events:
        found += [cloudevent_binary, cloudevent_structured, pubsub_push, legacy_event, scheduler_http]
    if settings.serves_http:
        found.append(http_request)
    return found


def describe_unknown(request: Any) -> str:
    what = f"{request.method} {request.path}" if isinstance(request, Request) else type(request).__name__
    media = request.media_type if isinstance(request, Request) else ""
    return (
        f"this function serves events only (PORTSIDE_GCP_SERVE=events), and {what} "
        f"(content type {media or 'none'!r}) is not one: it accepts CloudEvents (binary or structured), "
        "Pub/Sub push envelopes, legacy background events and Cloud Scheduler calls"
    )


class Target:
    """Reads the Flask request, picks the shape through the kit's EntryPoint, answers Flask."""

    def __init__(self, app: App, settings: GcpSettings, verifier: TokenVerifier | None = None) -> None:
        self.app = app
        self.settings = settings
        self.deployment = Deployment(app, settings, verifier)
        self.entry = EntryPoint(
            app, shapes(settings), options=self.deployment, describe_unknown=describe_unknown,
            unsupported=UnsupportedRequest, redeliver=DeliveryFailed, adapter=ADAPTER,
        )
        limits = app.limits
        self.max_request_bytes = limits.max_body_bytes * 4 // 3 + BODY_OVERHEAD
        from .fast import fast_path

        # `flask request -> flask response | MISS`, tried first; None when no handler has a lane
        # (set it to None to serve through the general path only, as the differential tests do).
        self.fast: Callable[[Any], Any] | None = fast_path(self)

    def general_request(self, flask_request: Any) -> Request:
        """The Request the general path reads, for a request a fast lane already took (so its
        body is within the limit: the lane checked it first)."""
        request = self.native(flask_request)
        if not isinstance(request, Request):
            raise TypeError("a request the fast path took has become too large")
        return request

    def native(self, flask_request: Any) -> Request | HttpResponse:
        """The Request a Flask request becomes, or the answer when its body is too large."""
        length = flask_request.content_length
        if length is not None and length > self.max_request_bytes:
            return self.too_large(f"the request is {length} bytes")
        if length is None:  # chunked: read no more than the limit allows
            body = flask_request.stream.read(self.max_request_bytes + 1)
        else:
            body = flask_request.get_data()
        if len(body) > self.max_request_bytes:
            return self.too_large("the request is larger")
        environ = flask_request.environ
        method = flask_request.method
        path = raw_path(environ, flask_request.path)
        headers = Headers(flask_request.headers.items())
        return Request(
            method, path, headers, body,
            query_string=environ.get("QUERY_STRING", "") or "",
            routed=self.routes_http,
            execution_id=headers.get_lowercase("function-execution-id"),
            raw=flask_request,
        )

    def routes_http(self, method: str, path: str) -> bool:
        """True when one of the service's HTTP bindings serves this method and path."""
        app = self.app
        for prefix in app.base_paths:
            if path == prefix or path.startswith(prefix + "/"):
                path = path[len(prefix):] or "/"
                break
        try:
            route, _, _ = app.router.match(method, path)
        except Exception:
            return False
        return route is not None

    def answer(self, request: Request) -> HttpResponse:
        """The neutral response to one request (never raises)."""
        context = Invocation(request.execution_id)
        try:
            verifier = self.deployment.verifier
            if verifier is not None and self.entry.detect(request).KIND == "messages":
                verified = self.authenticate(verifier, request.header("authorization"), request.path)
                if isinstance(verified, HttpResponse):
                    return verified
                context.identity = verified
            answer: HttpResponse = self.entry(request, context)
        except Exception as exc:
            return self.failed(exc)
        return answer

    def authenticate(
        self, verifier: TokenVerifier, authorization: str | None, path: str
    ) -> Mapping[str, Any] | HttpResponse:
        """The claims of an event delivery's token, or the refusal to answer."""
        try:
            return verifier.verify(authorization)
        except Unauthenticated as exc:
            logs.log("warning", f"event delivery refused: {exc}", adapter=ADAPTER, path=path)
            response = self.refuse(401, Result.unauthorized(Error("unauthenticated", str(exc))))
            response.headers["www-authenticate"] = "Bearer"
            return response
        except VerifierUnavailable as exc:
            logs.log("error", str(exc), adapter=ADAPTER)
            return self.refuse(503, Result.retry(Error("verifier_unavailable", str(exc))))

    def failed(self, exc: Exception) -> HttpResponse:
        """The answer when reading, dispatching or settling a request raised."""
        if isinstance(exc, UnsupportedRequest):  # logged by the EntryPoint
            return self.refuse(400, Result.invalid(Error("unsupported_request", str(exc))))
        if isinstance(exc, Redeliver):
            return self.refuse(500, Result.error(Error("redeliver", str(exc))))
        # a defect: answer cleanly, never a stack trace
        logs.log("error", "portside could not answer this request", adapter=ADAPTER, exc_info=exc)
        return self.refuse(500, Result.error(Error("internal", "the request could not be answered")))

    def too_large(self, size: str) -> HttpResponse:
        return self.refuse(413, Result.too_large(Error(
            "body_too_large", f"{size}; the limit is {self.max_request_bytes} bytes")))

    def refuse(self, status: int, result: Result[Any]) -> HttpResponse:
        response = self.app.render_http(result, Message("", transport="gcp"))
        response.status = status
        return response

    def __call__(self, flask_request: Any) -> Any:
        fast = self.fast
        if fast is not None:
            answer = fast(flask_request)
            if answer is not MISS:
                return answer
        native = self.native(flask_request)
        response = native if isinstance(native, HttpResponse) else self.answer(native)
        return to_flask(response)


def raw_path(environ: Any, decoded: str) -> str:
    """The path still percent-encoded, from the server's raw URI (gunicorn and Werkzeug set
    RAW_URI / REQUEST_URI); without one, Flask's decoded path re-encoded (`%2F` is then lost)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") if hasattr(environ, "get") else None
    if isinstance(raw, str) and raw:
        path = urlsplit(raw).path if "://" in raw[:12] else raw.split("?", 1)[0]
        if path.startswith("/"):
            return path
    return quote(decoded or "/", safe=_PATH_SAFE)


def build(app: App, settings: GcpSettings | None = None, *, register: bool = True) -> Callable[[Any], Any]:
    """The target function; registered with the Functions Framework as an HTTP function."""
    settings = settings or GcpSettings.from_env()
    target = Target(app, settings)
    warn_if_unsafe(app, settings)

    def handler(request: Any) -> Any:
        return target(request)

    handler.__name__ = settings.target
    handler.__qualname__ = f"portside_gcp[{app.service.name}].{settings.target}"
    handler.portside_target = target  # type: ignore[attr-defined]
    if register:
        register_http(handler)
    return handler


def register_http(function: Callable[[Any], Any]) -> None:
    """Register `function` under its name as an HTTP function (no-op without the framework)."""
    try:
        import functions_framework
    except ImportError:
        return
    functions_framework.http(function)


def warn_if_unsafe(app: App, settings: GcpSettings) -> None:
    inbound = app.bindings.inbound()
    if settings.serve == "all" and not settings.verifies and inbound:
        logs.log(
            "warning",
            "this function serves HTTP and events without verifying event deliveries: on a public URL "
            "anyone can post a forged event to your queue, subscription, schedule and event handlers. "
            "Deploy the HTTP API with PORTSIDE_GCP_SERVE=http and the events on a private function with "
            "PORTSIDE_GCP_SERVE=events, or set PORTSIDE_GCP_AUDIENCE to verify Google's OIDC tokens.",
            adapter=ADAPTER, bindings=len(inbound),
        )


def translate(app: App, request: Request, settings: GcpSettings | None = None) -> list[Message]:
    """The Messages a request carries, without dispatching (replay, inspection)."""
    target = Target(app, settings or GcpSettings.from_env())
    request.route_with(target.routes_http)
    return target.entry.translate(request, Invocation(request.execution_id))

