"""Exceptions users see; each message says what to do next."""

from __future__ import annotations


class PortsideError(Exception):
    """Base class of every portside exception."""


class HandlerDefinitionError(PortsideError, TypeError):
    """A handler's signature cannot be served (raised at registration, never per message)."""


class StartupError(PortsideError):
    """The app cannot start as configured: unknown adapter, unhandled topic, unsupported binding."""


class BindingError(StartupError, ValueError):
    """A binding declaration is malformed."""


class UndeclaredTopic(PortsideError):
    """A handler published a topic it did not declare with `publishes=[...]`."""


class Redeliver(PortsideError):
    """Raised by an entry point so the platform redelivers the event (an asynchronous source
    with no partial-failure report: its retries, then its on-failure destination, keep it).
    (Here rather than in kit.batch: entry points raise it, and an HTTP cold start never loads
    the batch machinery.)"""
