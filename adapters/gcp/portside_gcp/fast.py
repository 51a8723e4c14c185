"""The fast path: the common requests a lane serves (portside.lanes), read straight from the
WSGI environ, with no Headers, Request, Message or Batch built on success.

- HTTP (here): a request whose route leads to a lane (`App.http_lanes`). A route was found, so
  the general path would also take it as the service's own (entry.py, rule 1).
- Events (pubsub_lane.py, loaded only by deployments that serve events): one Pub/Sub message
  whose binding's topic has a lane, in a binary messagePublished CloudEvent or a push envelope.

Each is read as the general path reads it (the same environ values, the same JSON parser, the
shapes' own helpers), and anything else returns MISS before a handler runs. A handler that ran
with an outcome only the general path can answer (it raised, returned a value...) is answered
the general way from `Lane.outcome`, never run twice. The security rules hold: PORTSIDE_GCP_SERVE
decides which half runs, and an event is verified (PORTSIDE_GCP_AUDIENCE) before its handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from portside.kit import MISS, invocation

from . import http_request
from .deployment import Invocation
from .native import to_flask

if TYPE_CHECKING:
    from .lane_target import LaneTarget


def fast_path(target: LaneTarget) -> Callable[[Any], Any] | None:
    """`flask request -> flask response | MISS` for the target, or None when the App has no
    lane (or Flask is missing, so no Flask request can come)."""
    app = target.app
    if not app.lanes:
        return None
    try:
        from flask import Response
    except ImportError:
        return None
    settings = target.settings
    http = Http(target, Response) if settings.serves_http else None
    events = None
    if settings.serves_events:
        from .pubsub_lane import PubSubLane

        events = PubSubLane(target, Response)
    limit = target.max_request_bytes
    enter, leave = invocation.enter, invocation.leave

    def fast(flask_request: Any) -> Any:
        length = flask_request.content_length
        if length is None or length > limit:  # chunked or too large: the general path reads it
            return MISS
        environ = flask_request.environ
        path = lane_path(environ)
        if path is None:
            return MISS
        body = flask_request.get_data()  # cached: a MISS reads the same bytes again for free
        method = flask_request.method
        context = Invocation(environ.get("HTTP_FUNCTION_EXECUTION_ID"))
        token = enter(context)  # the native context the general path's EntryPoint sets
        try:
            answer = MISS if http is None else http.answer(flask_request, environ, method, path, body, context)
            if answer is MISS and events is not None:
                answer = events.answer(flask_request, environ, method, path, body, context)
            return answer
        except Exception as exc:  # as the general path answers a defect (or a Redeliver)
            return to_flask(target.failed(exc))
        finally:
            leave(token)

    return fast


def lane_path(environ: Any) -> str | None:
    """The path `entry.raw_path` gives the core, when it comes plainly from the server's raw URI
    (printable ASCII); None for anything else, which the general path then reads."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if type(raw) is not str or raw[:1] != "/" or "://" in raw[:12]:
        return None
    path = raw.split("?", 1)[0]
    return path if path.isascii() and path.isprintable() else None


class Http:
    """Requests whose route leads to a lane, through `App.http_lanes`."""

    def __init__(self, target: LaneTarget, response: Any) -> None:
        self.target = target
        self.lanes = target.app.http_lanes
        self.response = response

    def answer(
        self, flask_request: Any, environ: Any, method: str, path: str, body: bytes, context: Any
    ) -> Any:
        request_id = context.execution_id
        if request_id == "":  # the general path answers an empty correlation id, a lane a new one
            return MISS  # (never under the Functions Framework, which gives every request an id)
        try:
            content = body.decode()
        except UnicodeDecodeError:
            return MISS
        # The header values as Werkzeug's EnvironHeaders gives them to the general path.
        answer = self.lanes.answer(
            method, path, environ.get("QUERY_STRING") or "", content, environ.get("CONTENT_TYPE") or None,
            environ.get("HTTP_X_CORRELATION_ID"), environ.get("HTTP_IDEMPOTENCY_KEY"), request_id,
        )
        if answer is None:
            return MISS
        if isinstance(answer, tuple):
            status, headers, text_body = answer
            return self.response(text_body, status=status, headers=headers)
        # The handler ran; the general renderer answers, with the request the general path reads.
        request = self.target.general_request(flask_request)
        http = http_request.to_request(request, context, self.target.deployment)
        return to_flask(self.lanes.render(answer, http))
