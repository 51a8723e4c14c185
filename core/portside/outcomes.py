"""The outcome table: what each neutral status means on every kind of transport.

Adapters never invent their own mapping; they read `outcome(status)`.
"""

from __future__ import annotations

import enum

from .result import Status
from .values import Value


class Delivery(str, enum.Enum):
    """What a queued or evented transport does with the message after dispatch."""

    ACK = "ack"  # done: delete / complete / acknowledge
    RETRY = "retry"  # transient: leave it for redelivery (the platform's retry policy applies)
    DEAD_LETTER = "dead_letter"  # poison: retrying cannot help; park it for a human


class Outcome(Value):
    """One row of the table: the HTTP status code and the queued/evented delivery decision."""

    __slots__ = ("delivery", "http_status")
    http_status: int
    delivery: Delivery

    def __init__(self, http_status: int, delivery: Delivery) -> None:
        self._init(http_status=http_status, delivery=delivery)


OUTCOMES: dict[Status, Outcome] = {
    Status.OK: Outcome(200, Delivery.ACK),
    Status.CREATED: Outcome(201, Delivery.ACK),
    Status.ACCEPTED: Outcome(202, Delivery.ACK),
    Status.NO_CONTENT: Outcome(204, Delivery.ACK),
    Status.INVALID: Outcome(400, Delivery.DEAD_LETTER),
    Status.UNAUTHORIZED: Outcome(401, Delivery.DEAD_LETTER),
    Status.FORBIDDEN: Outcome(403, Delivery.DEAD_LETTER),
    Status.NOT_FOUND: Outcome(404, Delivery.DEAD_LETTER),
    Status.METHOD_NOT_ALLOWED: Outcome(405, Delivery.DEAD_LETTER),
    Status.CONFLICT: Outcome(409, Delivery.DEAD_LETTER),
    Status.TOO_LARGE: Outcome(413, Delivery.DEAD_LETTER),
    Status.UNSUPPORTED_MEDIA_TYPE: Outcome(415, Delivery.DEAD_LETTER),
    Status.RETRY_LATER: Outcome(503, Delivery.RETRY),
    Status.ERROR: Outcome(500, Delivery.RETRY),
}


def outcome(status: Status) -> Outcome:
    return OUTCOMES[status]
