"""Schedules on Cloud Scheduler: the unix-cron a `schedule(...)` becomes, and the tick it delivers.

The neutral grammar is the core's (`portside.kit.parse_schedule`): rates, five-field UTC cron and
translated AWS cron. Cloud Scheduler runs unix-cron in a time zone (portside uses `Etc/UTC`), so a
cron passes through as written; a rate becomes the cron with the same ticks when one exists. A
rate that does not divide an hour or a day (`rate(7 minutes)`, `rate(5 hours)`, `rate(2 days)`)
would drift, because cron steps restart every hour and day: it is refused when the App is built.

A tick is `{"time": <UTC ISO 8601>, "rule": <schedule name>}`, the body every adapter delivers.
"""

from __future__ import annotations

from portside.kit import ScheduleError, parse_schedule

__all__ = ["ScheduleError", "gcloud_command", "tick_body", "to_unix_cron"]


def to_unix_cron(expression: str) -> str:
    """The Cloud Scheduler schedule for a neutral expression (ScheduleError when there is none)."""
    try:
        return parse_schedule(expression).to_cron().expression
    except ScheduleError as exc:
        raise ScheduleError(f"Cloud Scheduler cannot run {expression!r}: {exc}") from None


def gcloud_command(name: str, expression: str, topic: str) -> str:
    """The `gcloud` command creating the job that publishes this schedule's ticks to `topic`."""
    return (
        f"gcloud scheduler jobs create pubsub {name} --schedule='{to_unix_cron(expression)}' "
        f"--time-zone=Etc/UTC --topic={topic} --message-body='{{}}' --attributes=portside-schedule={name}"
    )


def tick_body(name: str, time: str) -> dict[str, str]:
    """The neutral tick: when it fired (UTC ISO 8601) and which schedule fired."""
    return {"time": time, "rule": name}
