"""Timer trigger: `func.TimerRequest` -> a Batch of one tick. No I/O.

The body is the one every adapter gives a schedule, `{"time": <UTC ISO 8601>, "rule": <name>}`;
the header `x-azure-timer-past-due` says whether the host ran it late.

Outcome: a tick to redeliver (retried or handed back) is logged with the schedule's name and
raised (ScheduleFailed, a RedeliveryRequested), so the invocation shows as failed; the host does
not retry timers without a retry policy, the next tick comes at its time.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import azure.functions as func

from portside import App, logs
from portside.kit import Batch, Inbound

from . import native
from .errors import ScheduleFailed

KIND = "messages"
NAME = "Timer"
TRANSPORT = "azure.timer"
PAST_DUE_HEADER = "x-azure-timer-past-due"


def matches(event: Any) -> bool:
    return isinstance(event, func.TimerRequest)


def to_batch(app: App, event: func.TimerRequest, context: Any, options: Any) -> Batch:
    binding = options.binding
    batch = Batch(app)
    moment = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    try:
        past_due = bool(event.past_due)
    except Exception:
        past_due = False
    message = app.receive(Inbound(
        binding.topic,
        transport=TRANSPORT,
        body={"time": moment, "rule": binding.name},
        headers={PAST_DUE_HEADER: "true" if past_due else "false"},
        id=native.invocation_id(context),
        raw=event,
    ))
    batch.add(message, message.id, binding=binding)
    return batch


def to_answer(batch: Batch) -> None:
    for settlement in batch.settlements:
        if settlement.redeliver:
            message = settlement.message
            rule = message.body.get("rule") if message is not None and isinstance(message.body, dict) else "?"
            result = settlement.result
            logs.log(
                "error", f"schedule {rule!r} failed", adapter="azure", schedule=rule,
                status=result.status.value, errors=[e.message for e in result.errors],
                correlation_id=message.correlation_id if message is not None else None,
            )
            raise ScheduleFailed(
                f"schedule {rule!r} failed: {result.status.value} ({settlement.reason})",
                [s.state for s in batch.settlements],
            )
