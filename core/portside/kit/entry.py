"""The dispatch loop every entry point repeats: detect the shape, translate, dispatch, render.

An adapter lists its native shapes, in the order they should be tried, and wraps them in an
EntryPoint; each shape is a module (or object) with pure functions and no I/O:

    class HttpShape(Protocol):        # native request <-> HttpRequest / HttpResponse
        KIND = "http"
        def matches(event) -> bool
        def to_request(event, context, options) -> HttpRequest
        def to_response(response, event) -> native answer

    class MessageShape(Protocol):     # native event -> Batch; settled Batch -> native answer
        KIND = "messages"
        def matches(event) -> bool
        def to_batch(app, event, context, options) -> Batch
        def to_answer(batch) -> native answer (or raise Redeliver)

The EntryPoint settles the batch between `to_batch` and `to_answer`, so every adapter settles
messages the same way (portside.settlement), and turns a defect in a shape into a clean answer:
a 500 in the HTTP error format, or Redeliver for messages (nothing is lost).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import PortsideError, Redeliver
from ..message import Message
from ..result import Error, Result
from .invocation import _native

# logs and http_flow load with the first event that needs them: a cold
# start that takes a lane (portside.lanes) never does.
if TYPE_CHECKING:
    from ..app import App
    from ..http_types import HttpResponse
    from ..lanes import Ran
    from .batch import Batch


Shape = Any  # an HttpShape or a MessageShape module (kit/shapes.py)


class LazyShape:
    """A shape whose module is imported only when an event of its kind first arrives: its
    cheap predicate lives apart (e.g. in a `detect` module), so a cold start pays only for the
    shapes its first invocation needs. `loaded` is the module once imported (a hot path may
    read it before calling `load`), else None."""

    __slots__ = ("loaded", "matches", "module_name")

    def __init__(self, matches: Callable[[Any], bool], module_name: str) -> None:
        self.matches = matches
        self.module_name = module_name
        self.loaded: Any = None

    def load(self) -> Shape:
        module = self.loaded
        if module is None:
            import importlib

            module = self.loaded = importlib.import_module(self.module_name)
        return module

    def __repr__(self) -> str:
        return f"LazyShape({self.module_name!r})"


# What an entry point's fast path returns for an event it leaves to the shapes.
MISS: Any = object()


class UnsupportedEvent(PortsideError):
    """The event's shape is not one this adapter serves; the message lists what it serves."""


class EntryPoint:
    """Callable `(event, context) -> native answer` over an ordered list of shapes.

    `describe_unknown(event)` explains an unrecognised event; `error` is the exception class
    raised for it and for batches that must be redelivered (a Redeliver subclass, so the
    platform's log shows the adapter's own name)."""

    def __init__(
        self,
        app: App,
        shapes: Sequence[Shape],
        *,
        options: Any = None,
        describe_unknown: Callable[[Any], str] | None = None,
        unsupported: type[PortsideError] = UnsupportedEvent,
        redeliver: type[Redeliver] = Redeliver,
        adapter: str = "",
        fast: Callable[[EntryPoint], Callable[[Any, Any], Any] | None] | None = None,
    ) -> None:
        """`fast(entry)`, when given, builds the adapter's fast path (or None, when it has
        nothing to serve): a callable tried first on every event, answering the common ones
        through the App's lanes (portside.lanes) and returning MISS for anything it leaves to
        the shapes."""
        self.app = app
        self.shapes = tuple(shapes)
        self.options = options
        self.describe_unknown = describe_unknown or (lambda event: f"unrecognised event {type(event).__name__}")
        self.unsupported = unsupported
        self.redeliver = redeliver
        self.adapter = adapter or app.adapter_name
        self.fast = fast(self) if fast is not None else None
        self.call = self._function()

    def detect(self, event: Any) -> Shape:
        """The shape module of `event` (a LazyShape's module is imported on first use)."""
        for shape in self.shapes:
            if shape.matches(event):
                return shape.load() if type(shape) is LazyShape else shape
        raise self.unsupported(self.describe_unknown(event))

    def __call__(self, event: Any, context: Any = None) -> Any:
        return self.call(event, context)

    def _function(self) -> Callable[..., Any]:
        """The entry point as a plain function: what platforms that take any callable (Lambda)
        should be given, since calling an instance costs a few hundred nanoseconds more."""
        entry, handle = self, self.handle
        enter, leave = _native.set, _native.reset  # invocation.enter/leave, inlined

        def call(event: Any, context: Any = None) -> Any:
            token = enter(context)
            try:
                fast = entry.fast
                if fast is not None:
                    answer = fast(event, context)
                    if answer is not MISS:
                        return answer
                return handle(event, context)
            finally:
                leave(token)

        return call

    def handle(self, event: Any, context: Any) -> Any:
        try:
            shape = self.detect(event)
        except self.unsupported as exc:
            from .. import logs

            logs.log("error", str(exc), adapter=self.adapter)
            raise
        if shape.KIND == "http":
            try:
                request = shape.to_request(event, context, self.options)
            except Exception as exc:  # a defect, not bad input: answer 500 in the source's shape
                return shape.to_response(unreadable_http(shape, exc, self.adapter), event)
            return shape.to_response(self.app.handle_http(request), event)
        return self.answer(shape, self.read_batch(shape, event, context))

    def answer(self, shape: Shape, batch: Batch) -> Any:
        """Settle `batch` and answer in `shape`'s native form (Redeliver: the adapter's own)."""
        batch.settle()
        try:
            return shape.to_answer(batch)
        except Redeliver as exc:
            if isinstance(exc, self.redeliver):
                raise
            raise self.redeliver(str(exc)) from None

    def read_batch(self, shape: Shape, event: Any, context: Any) -> Batch:
        try:
            batch: Batch = shape.to_batch(self.app, event, context, self.options)
        except Redeliver:
            raise
        except Exception as exc:  # a defect, not bad input: fail the invocation, lose nothing
            raise self.unreadable(shape, exc) from None
        return batch

    def unreadable(self, shape: Shape, exc: Exception) -> Redeliver:
        """The Redeliver to raise for an event of a known shape that could not be read (a
        defect, not bad input): the invocation fails and the platform keeps the event."""
        from .. import logs

        name = shape_name(shape)
        logs.log("error", f"cannot read a {name} event", adapter=self.adapter, exc_info=exc)
        return self.redeliver(
            f"portside could not read this {name} event ({type(exc).__name__}); the platform "
            "will redeliver it"
        )

    def translate(self, event: Any, context: Any = None) -> list[Message]:
        """The Messages an event carries, without dispatching (replay, inspection)."""
        shape = self.detect(event)
        if shape.KIND == "http":
            return [self.app.http_message(shape.to_request(event, context, self.options))]
        return list(shape.to_batch(self.app, event, context, self.options).messages)


def shape_name(shape: Shape) -> str:
    name = getattr(shape, "NAME", None) or getattr(shape, "__name__", type(shape).__name__)
    return str(name).rsplit(".", 1)[-1]


def ran_answer(app: App, ran: Ran, shape: Shape, event: Any, context: Any, options: Any, adapter: str) -> Any:
    """The native answer to what a lane's handler returned or raised (a `Ran`, see
    portside.lanes): the general renderer's, with the request `shape` reads from `event`. A
    defect reading it is answered as the EntryPoint answers one, a 500 in the shape's format."""
    try:
        request = shape.to_request(event, context, options)
    except Exception as exc:
        return shape.to_response(unreadable_http(shape, exc, adapter), event)
    return shape.to_response(app.http_lanes.render(ran, request), event)


def unreadable_http(shape: Shape, exc: Exception, adapter: str) -> HttpResponse:
    """The 500 answered when an adapter cannot read a request of a known shape (a defect)."""
    from .. import logs
    from ..http_flow import render_http

    message = Message("", transport=adapter)
    logs.log(
        "error", f"cannot read a {shape_name(shape)} request", adapter=adapter,
        correlation_id=message.correlation_id, exc_info=exc,
    )
    failure = Result.error(
        Error("unreadable_event", f"the request could not be read; quote correlation id "
              f"{message.correlation_id} when reporting it")
    )
    return render_http(failure, message)
