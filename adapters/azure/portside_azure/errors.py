"""The Azure adapter's named errors: what the host logs when a function raises."""

from __future__ import annotations

from collections.abc import Sequence

from portside import PortsideError, State
from portside.kit import Batch, Redeliver


class RedeliveryRequested(Redeliver):
    """Raised from a trigger function so the host redelivers: a Storage queue message becomes
    visible again (then `<queue>-poison` after maxDequeueCount), a Service Bus message is
    abandoned (then its dead-letter queue after MaxDeliveryCount), Event Grid retries (then the
    subscription's dead-letter container). The message names what failed; it carries no body.

    `states` are the settled states of the invocation's messages, in order (for tests and logs:
    the host only sees that the function failed)."""

    def __init__(self, message: str, states: Sequence[State] = ()) -> None:
        super().__init__(message)
        self.states = list(states)




class ScheduleFailed(RedeliveryRequested):
    """A timer invocation failed; raised after logging, with the schedule's name. The host
    records the failure; the next tick comes at its time (a retry policy would run it again)."""


class UnsupportedTrigger(PortsideError):
    """A function received an object its trigger never delivers (a packaging mistake)."""


def raise_for_redelivery(batch: Batch, source: str) -> None:
    """The kit's `raise_for_redelivery`, raised as RedeliveryRequested carrying the states."""
    try:
        batch.raise_for_redelivery(source)
    except Redeliver as exc:
        raise RedeliveryRequested(str(exc), [s.state for s in batch.settlements]) from None
