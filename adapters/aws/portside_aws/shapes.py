"""The contract every event-shape module follows, and the ordered list of shapes.

An HTTP shape module defines:
    KIND = "http"
    matches(event) -> bool
    to_request(event, context, settings) -> portside.HttpRequest       (native -> neutral)
    to_response(response: portside.HttpResponse, event) -> dict       (neutral -> native)

A record shape module defines:
    KIND = "records"
    matches(event) -> bool
    to_batch(app, event, context) -> Batch                             (native -> neutral)
    to_response(settlements, batch) -> dict | None                     (neutral -> native;
        raise DeliveryFailed where the source has no partial-batch report)

All of them are pure: no I/O, no dispatching. `entry.py` does the dispatching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portside import Message
from portside.app import monotonic_deadline


class Batch:
    """The Messages of one invocation, in record order, plus how to settle them.

    `record_ids` are the identifiers each source reports failures by. (A plain class rather
    than a dataclass: dataclass creation costs cold-start time, see portside/values.py.)
    """

    __slots__ = ("dead_letter", "extra", "messages", "ordered", "record_ids")

    def __init__(
        self,
        messages: list[Message],
        ordered: bool = False,
        dead_letter: str | None = None,
        record_ids: list[Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.messages = messages
        self.ordered = ordered
        self.dead_letter = dead_letter
        self.record_ids = [] if record_ids is None else record_ids
        self.extra = {} if extra is None else extra


def lambda_request_id(context: Any) -> str | None:
    return getattr(context, "aws_request_id", None)


Deadline = Callable[[], "float | None"] | None  # Message.deadline, resolved on first use


def lambda_deadline(context: Any) -> Deadline:
    """`Message.deadline` from the Lambda context's remaining time, worked out on first use."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None

    def deadline() -> float | None:
        try:
            return monotonic_deadline(float(remaining()))
        except Exception:
            return None

    return deadline
