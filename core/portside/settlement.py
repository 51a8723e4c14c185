"""What became of a queued or evented message: the four states, decided in one place.

Every message that is not answered over HTTP ends in exactly one state:

- ACKNOWLEDGED: done (the handler succeeded, or the binding chose `dead_letter="drop"`);
- RETRIED: a transient failure; the platform redelivers it (its retry policy applies);
- DEAD_LETTERED: poison, published losslessly to the binding's (or the App's) dead-letter target;
- HANDED_BACK: poison with no target; it goes back to the platform, whose own redrive or
  on-failure configuration keeps it (the README's outcome table names the setting per source).

Adapters never decide this themselves: `App.deliver` calls `settle` (through `portside.kit.Batch`
or directly) and adapters render the states in their platform's answer.
"""

from __future__ import annotations

import base64
import enum
from typing import Any

from . import logs
from .bindings import DROP, HAND_BACK
from .codec import LazyJson, encode_json
from .message import CORRELATION_HEADER, Message
from .publisher import Publisher
from .result import OUTCOMES, Delivery, Error, Result

ERROR_HEADER = "x-portside-error"  # "<status>: <reason>" on a dead-lettered message
SOURCE_HEADER = "x-portside-source"  # where a dead-lettered message was received (transport)
ENCODING_HEADER = "x-portside-encoding"  # "base64" when a binary body travels as text


class State(str, enum.Enum):
    """The four ways a queued or evented message can end."""

    ACKNOWLEDGED = "acknowledged"
    RETRIED = "retried"
    DEAD_LETTERED = "dead_lettered"
    HANDED_BACK = "handed_back"


_REDELIVER = frozenset({State.RETRIED, State.HANDED_BACK})
_DELIVERY = {status: row.delivery for status, row in OUTCOMES.items()}


class Settlement:
    """One message's state, the Result that led to it, and why (for logs and reports)."""

    __slots__ = ("message", "reason", "result", "state")

    def __init__(
        self, state: State, result: Result[Any], message: Message | None = None, reason: str = ""
    ) -> None:
        self.state = state
        self.result = result
        self.message = message
        self.reason = reason

    def __repr__(self) -> str:
        return f"Settlement({self.state.value}, {self.result!r})"

    @property
    def redeliver(self) -> bool:
        """True when the platform must deliver the message again (retried or handed back)."""
        return self.state in _REDELIVER


class TooLarge(Exception):
    """Raised by a publisher when a message cannot fit its target; the message is handed back."""


def settle(message: Message, result: Result[Any], target: str | None, publisher: Publisher) -> Settlement:
    """The one decision: the outcome table's delivery, then where poison goes.

    `target` is the binding's choice (a target, DROP or HAND_BACK), else the App's
    `dead_letter=`; with neither (None), poison is handed back.
    """
    delivery = _DELIVERY[result.status]
    if delivery is Delivery.ACK:
        return Settlement(State.ACKNOWLEDGED, result, message)
    if delivery is Delivery.RETRY:
        return Settlement(State.RETRIED, result, message, reason_of(result))
    return dead_letter_message(message, result, target, publisher)


def dead_letter_message(
    message: Message, result: Result[Any], target: str | None, publisher: Publisher
) -> Settlement:
    """Park poison in `target`, drop it when the user chose DROP, else hand it back."""
    reason = reason_of(result)
    if target == DROP:
        logs.log(
            "warning", "poison message dropped (dead_letter='drop')",
            correlation_id=message.correlation_id, message_id=message.id, topic=message.topic,
            reason=reason,
        )
        return Settlement(State.ACKNOWLEDGED, result, message, f"dropped: {reason}")
    if target is None or target == HAND_BACK:
        return Settlement(State.HANDED_BACK, result, message, reason)
    try:
        publisher.publish(parked(message, result), target)
    except TooLarge as exc:
        logs.log(
            "error", "poison message too large for its dead-letter target; handed back",
            correlation_id=message.correlation_id, message_id=message.id, target=target, error=str(exc),
        )
        return Settlement(State.HANDED_BACK, result, message, f"{reason}; too large for {target}")
    except Exception as exc:
        logs.log(
            "error", "dead-lettering failed; the message will be retried",
            correlation_id=message.correlation_id, message_id=message.id, target=target,
            error=f"{type(exc).__name__}: {exc}",
        )
        return Settlement(State.RETRIED, result, message, f"{reason}; dead-lettering failed")
    return Settlement(State.DEAD_LETTERED, result, message, reason)


def parked(message: Message, result: Result[Any]) -> Message:
    """The message to publish to a dead-letter target: the received bytes or text unchanged,
    its headers, and the reason, status, source and content type as headers."""
    extra = {
        ERROR_HEADER: f"{result.status.value}: {reason_of(result)}"[:1000],
        SOURCE_HEADER: message.transport,
        CORRELATION_HEADER: message.correlation_id,
    }
    return Message(
        message.topic, kept_body(message), message.headers.merged(extra), message.id,
        message.correlation_id, "dead-letter", None, None, None, None, message.attempt, None, message.data,
    )


def kept_body(message: Message) -> Any:
    """The body as received: raw bytes or text when the adapter kept them, else the parsed body."""
    if message.data is not None:
        return message.data
    body = message._body
    if type(body) is LazyJson:
        return body.data
    return body


def as_text(body: Any) -> tuple[str, str | None]:
    """A body as text for targets that hold only text: (text, "base64" or None)."""
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8"), None
        except UnicodeDecodeError:
            return base64.b64encode(body).decode("ascii"), "base64"
    if isinstance(body, str):
        return body, None
    return encode_json(body).decode("utf-8"), None


def reason_of(result: Result[Any]) -> str:
    return "; ".join(f"{e.code}: {e.message}" for e in result.errors) or result.status.value


def order_preserved() -> Result[Any]:
    """The Result of a message not dispatched because an earlier one of its group must be redone."""
    return Result.retry(
        Error("order_preserved", "not processed: an earlier message of its ordered group failed "
              "and will be redelivered first")
    )


__all__ = ["ENCODING_HEADER", "ERROR_HEADER", "SOURCE_HEADER", "Settlement", "State", "TooLarge", "settle"]
