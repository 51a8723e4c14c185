"""Local timers for `schedule(...)` bindings: every schedule, rate or cron, ticks by its parsed
expression (portside.schedules) while `portside run` serves, and stops with the server; any
schedule can also be fired now with `POST /_portside/schedules/{name}`.

A tick is delivered like a queued message whose body is `{"time": <UTC ISO 8601>, "rule":
<schedule name>}`, the body the AWS adapter gives scheduled EventBridge events; `time` is the
instant the tick was scheduled for.

The scheduler knows its host only as something with an `app` and an `enqueue(message, binding)`
(the LocalRuntime), so it never imports the runtime.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from .. import logs
from ..bindings import ScheduleBinding
from ..message import Message
from ..schedules import Schedule, parse_schedule

if TYPE_CHECKING:
    from ..app import App


class Host(Protocol):
    """What the scheduler needs from the runtime it serves."""

    app: App

    def enqueue(self, message: Message, binding: Any = None) -> None: ...


def tick(binding: ScheduleBinding, at: datetime | None = None) -> Message:
    """The message one tick of `binding` delivers (scheduled for `at`, default now)."""
    moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    body = {"time": moment.isoformat(), "rule": binding.name}
    return Message(binding.topic, body, transport="local-schedule")


class LocalScheduler:
    """One daemon thread per schedule binding, started and stopped with the server.

    `scale` runs time faster for tests: with 0.001 a minute passes in 60 ms, and the ticks carry
    the instants they stand for, so a cron's ticks still fall on its minutes.
    """

    def __init__(self, host: Host, *, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive (1.0 is real time)")
        self.host = host
        self.scale = scale
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def start(self) -> None:
        """Start ticking every schedule of the app (a no-op when already started)."""
        with self._lock:
            if self._threads:
                return
            self._stop = threading.Event()
            origin = (time.monotonic(), datetime.now(timezone.utc))
            for binding in self.host.app.bindings.of_kind("schedule"):
                assert isinstance(binding, ScheduleBinding)
                schedule = parse_schedule(binding.expression)  # valid: schedule() checked it
                thread = threading.Thread(
                    target=self._run, args=(binding, schedule, self._stop, origin),
                    name=f"portside-schedule-{binding.name}", daemon=True,
                )
                thread.start()
                self._threads.append(thread)
                logs.log(logs.INFO, f"schedule {binding.name!r} ({binding.expression}) ticks locally; "
                         f"fire it now with POST /_portside/schedules/{binding.name}", adapter="local")

    def stop(self) -> None:
        """Stop every timer; once this returns, no timer enqueues another tick."""
        with self._lock:
            self._stop.set()
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=5)

    def fire(self, binding: ScheduleBinding, at: datetime | None = None) -> Message:
        """Deliver one tick of `binding` now (through the runtime's queue)."""
        message = tick(binding, at)
        self.host.enqueue(message, binding)
        return message

    def _run(
        self, binding: ScheduleBinding, schedule: Schedule, stop: threading.Event,
        origin: tuple[float, datetime],
    ) -> None:
        started, start_time = origin

        def now() -> datetime:  # the schedule's clock: real time, sped up by `scale`
            return start_time + timedelta(seconds=(time.monotonic() - started) / self.scale)

        due = schedule.next_after(start_time)
        while not stop.wait(max(0.0, (due - now()).total_seconds() * self.scale)):
            with self._lock:  # stop() holds it while it sets the flag: no tick slips past it
                if stop.is_set():
                    return
                self.fire(binding, due)
            due = schedule.next_after(due)
            current = now()
            if due < current:  # the process was suspended: skip the ticks missed meanwhile
                due = schedule.next_after(current)
