"""Exceptions the Lambda handler raises on purpose, so Lambda's own retry machinery applies."""

from __future__ import annotations

from portside import PortsideError


class UnsupportedEvent(PortsideError):
    """The event's shape is not one portside serves (a Cognito trigger, a WebSocket, ...)."""


class DeliveryFailed(PortsideError):
    """Some messages of an event source without partial-batch reporting must be retried.

    Raising makes Lambda retry the invocation (async invokes: retries, then the function's
    on-failure destination or DLQ), so nothing is lost.
    """
