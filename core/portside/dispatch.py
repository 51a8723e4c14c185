"""Message in, Result out: the compiled pipeline, the error boundary and the outbox.

Built once per App. `Dispatcher.dispatch` never raises: an exception in a handler or middleware
becomes an `error` Result (logged with its traceback), and a message that carries a `failure`
(unreadable input) is answered with it without reaching a handler.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import logs
from .codec import BodyError
from .handlers import Handler, Middleware, Next, compose
from .invoke import bind
from .message import Message
from .result import _SUCCESS, Error, Result, Status

# Attempts and pauses for sending a successful handler's outbox before answering retry_later.
PUBLISH_ATTEMPTS = 3
PUBLISH_BACKOFF_SECONDS = 0.05

Send = Callable[[Message], None]


class Dispatcher:
    """Per-topic handler chains inside the app- and service-wide middleware."""

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        outer: Sequence[Middleware],
        send: Send,
        deferrable: frozenset[str],
    ) -> None:
        """`handlers` and `outer` (the App's, then the Service's middleware) as the App was built
        with them; `deferrable`: the topics whose JSON is parsed lazily (handlers.deferrable_topics)."""
        self.handlers = handlers
        self._send = send
        # Each topic's chain is built when its first message comes: a cold start pays only for
        # the handlers it runs (every check on a handler ran when it was registered).
        self._chains: dict[str, Next] = {}
        self._pipeline = compose(outer, self._route_topic)
        self._direct = not outer
        self.deferrable = deferrable
        # The names each deferrable handler's model reads, where it ignores all others.
        self.body_fields: dict[str, frozenset[str]] = {
            topic: fields for topic in deferrable if (fields := handlers[topic].model_fields()) is not None
        }

    def dispatch(self, message: Message) -> Result[Any]:
        try:
            if self._direct:  # no middleware: the topic's handler chain, without a layer between
                chain = self._chains.get(message._topic) if message._failure is None else None
                result = chain(message) if chain is not None else self._route_topic(message)
            else:
                result = self._pipeline(message)
        except Exception as exc:
            result = crashed(message, exc)
        if result.status not in _SUCCESS:
            log_failure(message, result)
        return result

    def _route_topic(self, message: Message) -> Result[Any]:
        failure = message._failure
        if failure is not None:
            return failure
        topic = message.topic
        chain = self._chains.get(topic)
        if chain is None:
            handler = self.handlers.get(topic)
            if handler is None:
                return Result.not_found(
                    Error("unknown_topic", f"no handler for topic {topic!r}; "
                          f"handled topics: {', '.join(self.handlers)}")
                )
            chain = self._chains[topic] = compose(handler.middleware, bind(handler, self.flush, crashed))
        return chain(message)

    def flush(self, message: Message, outbox: list[Message]) -> Result[Any] | None:
        """Send what a successful handler published, retrying each send briefly. Returns None
        when all were sent, else a retry_later Result (HTTP 503, queue retry): the caller or the
        platform redoes the message, and delivery stays at-least-once."""
        for outbound in outbox:
            for attempt in range(1, PUBLISH_ATTEMPTS + 1):
                try:
                    self._send(outbound)
                    break
                except Exception as exc:
                    if attempt == PUBLISH_ATTEMPTS:
                        logs.log(
                            "error", "publishing failed after retries; the message will be retried",
                            correlation_id=message.correlation_id, topic=outbound.topic,
                            message_id=message.id, error=f"{type(exc).__name__}: {exc}",
                        )
                        return Result.retry(
                            Error("publish_failed", f"could not publish {outbound.topic!r}; retry the "
                                  f"request (correlation id {message.correlation_id})"),
                            after=1,
                        )
                    time.sleep(PUBLISH_BACKOFF_SECONDS * attempt)
        return None


def crashed(message: Message, exc: Exception) -> Result[Any]:
    if isinstance(exc, BodyError):  # a deferred body read by middleware or a handler: malformed
        return exc.result
    logs.log(
        "error",
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


def log_failure(message: Message, result: Result[Any]) -> None:
    if result.errors and result.errors[0].code == "internal_error":
        return  # already logged with its traceback by crashed()
    logs.log(
        "error" if result.status is Status.ERROR else "warning",
        f"{message.topic or '(unrouted)'} -> {result.status.value}",
        correlation_id=message.correlation_id,
        topic=message.topic,
        message_id=message.id,
        transport=message.transport,
        status=result.status.value,
        errors=[e.to_dict() for e in result.errors],
    )
