"""Local timers for `schedule(...)` bindings: `rate(...)` schedules tick while `portside run`
serves; any schedule (cron ones included) can be fired now with
`POST /_portside/schedules/{name}`.

A tick is delivered like a queued message whose body is `{"time": <UTC ISO 8601>, "rule":
<schedule name>}`, the body the AWS adapter gives scheduled EventBridge events.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .. import logs
from ..bindings import ScheduleBinding, rate_seconds
from ..message import Message

if TYPE_CHECKING:
    from .runtime import LocalRuntime


def tick(binding: ScheduleBinding) -> Message:
    body = {"time": datetime.now(timezone.utc).isoformat(), "rule": binding.name}
    return Message(binding.topic, body, transport="local-schedule")


class LocalScheduler:
    """One daemon thread per `rate(...)` schedule; `scale` shortens every interval (tests)."""

    def __init__(self, runtime: LocalRuntime, *, scale: float = 1.0) -> None:
        self.runtime = runtime
        self.scale = scale
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for binding in self.runtime.app.bindings.of_kind("schedule"):
            assert isinstance(binding, ScheduleBinding)
            seconds = rate_seconds(binding.expression)
            if seconds is None:
                logs.log(20, f"schedule {binding.name!r} ({binding.expression}) fires only when "
                         f"posted locally: POST /_portside/schedules/{binding.name}", adapter="local")
                continue
            thread = threading.Thread(
                target=self._run, args=(binding, seconds * self.scale),
                name=f"portside-schedule-{binding.name}", daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def fire(self, binding: ScheduleBinding) -> Message:
        message = tick(binding)
        self.runtime.enqueue(message)
        return message

    def _run(self, binding: ScheduleBinding, interval: float) -> None:
        while not self._stop.wait(interval):
            self.fire(binding)
