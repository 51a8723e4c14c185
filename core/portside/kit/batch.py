"""A neutral batch: the records of one invocation, each settled in one of the four states.

    batch = Batch(app, ordered=queue_is_fifo)
    for record in records:
        batch.add(app.receive(Inbound(...)), record_id, binding=binding, group=message_group)
    batch.settle()
    return {"batchItemFailures": [{"itemIdentifier": i} for i in batch.redelivery_ids()]}

Ordered batches (FIFO queues, streams, ordering keys): once a message of a group must be
redelivered, the later messages of that group are not dispatched and are redelivered too, so
their order survives; `group=None` in an ordered batch means one group (a stream shard).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from ..errors import Redeliver
from ..message import Message
from ..result import OUTCOMES, Delivery, Result
from ..settlement import Settlement, State, order_preserved

if TYPE_CHECKING:
    from ..app import App

_ONE_GROUP = object()
_ACKED = frozenset(status for status, row in OUTCOMES.items() if row.delivery is Delivery.ACK)
_DELIVERY = {status: row.delivery for status, row in OUTCOMES.items()}
_ACKNOWLEDGED, _RETRIED = State.ACKNOWLEDGED, State.RETRIED


class Batch:
    """The Messages of one invocation, in record order, and their settlements once settled."""

    __slots__ = ("_entries", "_outcomes", "_settlements", "app", "ordered", "whole")

    def __init__(self, app: App, *, ordered: bool = False, whole: bool = False) -> None:
        """`whole`: the platform can only redeliver the batch as a whole (Event Hubs replays it
        when the function fails). Then, while any message must be retried, poison is not parked
        yet: it is redelivered with its batch (RETRIED), so it is parked once, not once per try."""
        self.app = app
        self.ordered = ordered
        self.whole = whole
        # (message, record id, binding's dead-letter choice, ordering group, a Result already
        # given) per record:
        # one tuple per record is cheaper than four parallel lists on this hot path.
        self._entries: list[tuple[Message, Any, str | None, Hashable, Result[Any] | None]] = []
        # Per record once settled: its Settlement, or only the Result of an acknowledged message
        # (the common case; its Settlement is built if someone asks, see `settlements`).
        self._outcomes: list[Settlement | Result[Any]] = []
        self._settlements: list[Settlement] | None = None

    def add(
        self,
        message: Message,
        record_id: Any = "",
        *,
        binding: Any = None,
        group: Hashable = None,
        result: Result[Any] | None = None,
    ) -> None:
        """Add one record's Message. `record_id` is what the platform reports failures by;
        `binding` gives the dead-letter choice; `group` the ordering key (ordered batches);
        `result`: the message was already dispatched (an adapter's fast lane ran its handler),
        so `settle` settles this Result instead of dispatching it again."""
        self._entries.append((
            message, record_id, getattr(binding, "dead_letter", None),
            _ONE_GROUP if group is None else group, result,
        ))

    @property
    def messages(self) -> list[Message]:
        return [entry[0] for entry in self._entries]

    @property
    def record_ids(self) -> list[Any]:
        return [entry[1] for entry in self._entries]

    def __len__(self) -> int:
        return len(self._entries)

    def settle(self) -> None:
        """Dispatch every message (in order) and settle each one (see `settlements`)."""
        if self.whole:
            self._settle_whole()
            return
        outcomes = self._outcomes
        app = self.app
        dispatch, deliver = app._dispatcher_now().dispatch, app.deliver  # the App's own, one call less
        blocked: set[Hashable] = set()
        ordered = self.ordered
        for message, _, dead_letter, group, given in self._entries:
            if ordered and group in blocked:
                outcomes.append(Settlement(_RETRIED, order_preserved(), message, "order preserved"))
                continue
            result = dispatch(message) if given is None else given
            if result.status in _ACKED:  # the common case, without a second call
                outcomes.append(result)
                continue
            settlement = deliver(message, dead_letter=dead_letter, result=result)
            outcomes.append(settlement)
            if ordered and settlement.redeliver:
                blocked.add(group)

    def _settle_whole(self) -> None:
        app = self.app
        dispatch = app._dispatcher_now().dispatch
        blocked: set[Hashable] = set()
        results: list[Result[Any] | None] = []  # None: held back behind its group's failure
        for message, _, _, group, given in self._entries:
            if self.ordered and group in blocked:
                results.append(None)
                continue
            dispatched = dispatch(message) if given is None else given
            results.append(dispatched)
            if self.ordered and _DELIVERY[dispatched.status] is Delivery.RETRY:
                blocked.add(group)
        replayed = any(r is None or _DELIVERY[r.status] is Delivery.RETRY for r in results)
        for (message, _, dead_letter, _, _), result in zip(self._entries, results, strict=True):
            if result is None:
                self._outcomes.append(Settlement(_RETRIED, order_preserved(), message, "order preserved"))
            elif result.status in _ACKED:
                self._outcomes.append(result)
            elif replayed and _DELIVERY[result.status] is Delivery.DEAD_LETTER:
                self._outcomes.append(Settlement(_RETRIED, result, message, "redelivered with its batch"))
            else:
                self._outcomes.append(app.deliver(message, dead_letter=dead_letter, result=result))

    @property
    def settlements(self) -> list[Settlement]:
        """Each record's Settlement, in record order (empty until `settle()`)."""
        settled = self._settlements
        if settled is None or len(settled) != len(self._outcomes):
            settled = self._settlements = [
                outcome if isinstance(outcome, Settlement) else Settlement(_ACKNOWLEDGED, outcome, entry[0])
                for outcome, entry in zip(self._outcomes, self._entries, strict=False)
            ]
        return settled

    def redelivery_ids(self) -> list[Any]:
        """The record ids of every retried or handed-back message, for a partial-failure report.

        A message to redeliver whose record has no id cannot be named, and naming nothing would
        lose it, so this raises Redeliver and the whole batch is redelivered instead."""
        ids = []
        for outcome, (_, record_id, _, _, _) in zip(self._outcomes, self._entries, strict=True):
            if type(outcome) is Settlement and outcome.redeliver:
                if record_id in (None, ""):
                    raise Redeliver(
                        "a record to redeliver has no id the platform can name it by; redelivering "
                        f"the whole batch instead ({describe(outcome)})"
                    )
                ids.append(record_id)
        return ids

    def raise_for_redelivery(self, source: str) -> None:
        """For sources without a partial-failure report: raise Redeliver when any message must be
        redelivered, so the platform retries the event and then keeps it (its on-failure setting)."""
        # Acknowledged records hold only their Result (see settle): no Settlement is built for them.
        again = [o for o in self._outcomes if isinstance(o, Settlement) and o.redeliver]
        if again:
            ids = ", ".join(s.message.id for s in again[:10] if s.message is not None)
            raise Redeliver(
                f"{len(again)} of {len(self._outcomes)} {source} message(s) must be redelivered "
                f"(ids: {ids}); first: {describe(again[0])}"
            )

    def counts(self) -> dict[str, int]:
        """How many messages ended in each state (for logs and the local runtime's report)."""
        counts = {state.value: 0 for state in State}
        for settlement in self.settlements:
            counts[settlement.state.value] += 1
        return counts


def describe(settlement: Settlement) -> str:
    result = settlement.result
    detail = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
    return f"{settlement.state.value}, {result.status.value}" + (f" ({detail})" if detail else "")
