"""Per-invocation state in context variables.

One process may run several invocations at once (Azure's thread pool, Cloud Run with
concurrency above 1, asyncio servers). State that belongs to one invocation therefore lives in
context variables, never in module or adapter globals: the platform's native context object (a
Lambda context: function ARN, deadline) and the handler Context of the message being handled
(correlation id, deadline, the outbox of what it publishes).
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..context import Context

_native: ContextVar[Any] = ContextVar("portside_native_context", default=None)
_current: ContextVar[Context | None] = ContextVar("portside_handler_context", default=None)


def native_context() -> Any:
    """The platform's context object of the running invocation (None outside one)."""
    return _native.get()


def enter(native: Any) -> Token[Any]:
    """Mark the start of an invocation; pass the token to `leave` when it ends."""
    return _native.set(native)


def leave(token: Token[Any]) -> None:
    _native.reset(token)


def current() -> Context | None:
    """The Context of the message being handled in this thread or task, if any."""
    return _current.get()


def bind_current(context: Context) -> Token[Context | None]:
    return _current.set(context)


def unbind_current(token: Token[Context | None]) -> None:
    _current.reset(token)
