"""Exceptions the Lambda handler raises on purpose, so Lambda's own retry machinery applies."""

from __future__ import annotations

from portside.kit import Redeliver
from portside.kit import UnsupportedEvent as _Unsupported


class UnsupportedEvent(_Unsupported):
    """The event's shape is not one portside serves (a Cognito trigger, a WebSocket, ...)."""


class DeliveryFailed(Redeliver):
    """Some messages must be redelivered and the source has no partial-batch report (SNS,
    EventBridge, S3, direct invocations), or a record to redeliver has no id to name it by.

    Raising makes Lambda retry the invocation (async invokes: retries, then the function's
    on-failure destination or DLQ), so nothing is lost.
    """
