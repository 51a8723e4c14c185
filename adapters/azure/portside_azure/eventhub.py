"""Event Hubs trigger (cardinality many): `typing.List[func.EventHubEvent]` -> a Batch. No I/O.

Event properties (the trigger metadata's `PropertiesArray`) become headers; the record id is the
event's sequence number; `ordered=True` keeps order per partition key. The host checkpoints a
batch whether or not the function fails, so redelivery cannot be relied on:

- while the function's retry policy has tries left (`context.retry_context`), a batch with a
  message to redeliver raises and the host runs the whole batch again (handlers must be
  idempotent, as with every at-least-once source); poison beside it is not parked yet but
  replayed with its batch (a `whole` kit.Batch), so it reaches its dead-letter target once;
- on the last try, what still must be redelivered has exhausted its retries: each such message
  is settled once more as poison ("retries_exhausted"), which parks it in the binding's
  dead-letter target (the startup check requires one, or DROP). Nothing is decided here: the
  kit's settlement does it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import azure.functions as func

from portside import App, Error, Message, Result
from portside.kit import Batch, Inbound, correlation, positive_int, resolve_topic, text, unroutable_reason

from . import native
from .errors import raise_for_redelivery

KIND = "messages"
NAME = "Event Hubs"
TRANSPORT = "azure.eventhubs"


class EventHubBatch(Batch):
    """A Batch that knows its binding and whether this is the last try of the retry policy."""

    __slots__ = ("binding", "final", "tries")

    def __init__(self, app: App, binding: Any, *, final: bool, tries: int) -> None:
        super().__init__(app, ordered=bool(getattr(binding, "ordered", False)), whole=True)
        self.binding = binding
        self.final = final
        self.tries = tries


def matches(event: Any) -> bool:
    return isinstance(event, list) and all(isinstance(item, func.EventHubEvent) for item in event)


def to_batch(app: App, event: Sequence[func.EventHubEvent], context: Any, options: Any) -> Batch:
    binding = options.binding
    retry, max_retry = retry_counts(context)
    batch = EventHubBatch(app, binding, final=retry >= max_retry, tries=retry + 1)
    properties = _properties_array(event)
    for index, item in enumerate(event):
        extra = properties[index] if index < len(properties) else None
        message = read(app, item, binding, extra, retry + 1)
        batch.add(message, item.sequence_number if item.sequence_number is not None else "",
                  binding=binding, group=text(item.partition_key))
    return batch


def to_answer(batch: Batch) -> None:
    if not isinstance(batch, EventHubBatch) or not batch.final:
        raise_for_redelivery(batch, NAME)
        return
    exhausted = [s for s in batch.settlements if s.redeliver and s.message is not None]
    if not exhausted:
        return
    parked = Batch(batch.app)
    for settlement, record_id in zip(batch.settlements, batch.record_ids, strict=True):
        if settlement.redeliver and settlement.message is not None:
            result = settlement.result
            why = "; ".join(f"{e.code}: {e.message}" for e in result.errors) or result.status.value
            failure = Result.invalid(Error(
                "retries_exhausted", f"still {settlement.state.value} after {batch.tries} tries ({why})"))
            parked.add(settlement.message.replace(failure=failure), record_id, binding=batch.binding)
    parked.settle()
    # Parking failed for some (the target refused them): the host checkpoints anyway, so this
    # raise only makes the loss visible in the function's failures.
    raise_for_redelivery(parked, f"{NAME} (parking after the last retry)")


def read(app: App, event: func.EventHubEvent, binding: Any, properties: Any, attempt: int) -> Message:
    headers = native.property_headers(properties)
    topic = resolve_topic(binding, headers)
    sequence = event.sequence_number
    message_id = headers.get("message-id") if headers else None
    message_id = message_id or (str(sequence) if sequence is not None else None)
    return app.receive(Inbound(
        topic,
        event.get_body(),
        transport=TRANSPORT,
        content_type=headers.get("content-type") if headers else None,
        headers=headers,
        id=message_id,
        correlation_id=correlation(headers, message_id),
        attempt=attempt,
        raw=event,
        unroutable=None if topic else unroutable_reason(
            binding, f"Event Hub {getattr(binding, 'name', '?')!r}", "add queue(name, topic) to the startup"),
        lazy=True,
    ))


def retry_counts(context: Any) -> tuple[int, int]:
    """(retry_count, max_retry_count) of this invocation, from `context.retry_context`."""
    retry = getattr(context, "retry_context", None)
    if retry is None:
        return 0, 0
    count = getattr(retry, "retry_count", 0)
    limit = getattr(retry, "max_retry_count", 0)
    return max(0, positive_int(count, 0)), max(0, positive_int(limit, 0))


def _properties_array(events: Sequence[func.EventHubEvent]) -> list[Any]:
    """`PropertiesArray` (one map per event) from the trigger metadata the events share."""
    if not events:
        return []
    try:
        metadata = events[0].metadata or {}
    except Exception:
        return []
    array = metadata.get("PropertiesArray")
    if isinstance(array, list):
        return array
    single = metadata.get("Properties")
    return [single] if len(events) == 1 and isinstance(single, dict) else []
