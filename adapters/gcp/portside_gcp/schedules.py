"""Schedules on Cloud Scheduler: the unix-cron a `schedule(...)` becomes, and the tick it delivers.

The core has no shared schedule parser yet, so this module reads the two neutral forms itself,
minimally: `rate(N minutes|hours|days)` and five-field cron (UTC). Cloud Scheduler runs
unix-cron in a time zone (portside passes `Etc/UTC`); what it cannot express is refused when
the App is built instead of firing at the wrong times:

- a rate that does not divide its period evenly (`rate(7 minutes)`, `rate(5 hours)`,
  `rate(2 days)`): cron steps restart every hour/day/month, so those would drift;
- cron extensions of other platforms (`?`, `L`, `W`, `#`), six-field cron, values out of range.

A tick is `{"time": <UTC ISO 8601>, "rule": <schedule name>}`, the body every adapter delivers.
"""

from __future__ import annotations

import re

from portside.bindings import rate_seconds

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_NAMES: tuple[dict[str, int], ...] = (
    {}, {}, {}, {m: i + 1 for i, m in enumerate(_MONTHS)}, {d: i for i, d in enumerate(_DAYS)},
)
_ITEM = re.compile(r"^(\*|[A-Z0-9]+(?:-[A-Z0-9]+)?)(?:/(\d+))?$")


class ScheduleError(ValueError):
    """A schedule Cloud Scheduler cannot run as written; the message says what to write instead."""


def to_unix_cron(expression: str) -> str:
    """The Cloud Scheduler schedule for a neutral expression (ScheduleError when there is none)."""
    expression = expression.strip()
    seconds = rate_seconds(expression)
    if seconds is not None:
        return _rate_cron(expression, seconds)
    fields = expression.split()
    if len(fields) != len(_FIELDS):
        raise ScheduleError(f"{expression!r} is not five-field cron; Cloud Scheduler runs unix-cron "
                            "'minute hour day-of-month month day-of-week'")
    return " ".join(_check_field(value.upper(), index, expression) for index, value in enumerate(fields))


def _rate_cron(expression: str, seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 60 and 60 % minutes == 0:
        return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    hours = minutes // 60
    if minutes % 60 == 0 and hours < 24 and 24 % hours == 0:
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    if minutes == 24 * 60:
        return "0 0 * * *"
    raise ScheduleError(
        f"{expression!r} cannot be expressed in Cloud Scheduler's unix-cron without drifting (cron "
        "steps restart every hour and day); use a rate that divides an hour (1-30 minutes) or a day "
        "(1, 2, 3, 4, 6, 8, 12 hours), 'rate(1 day)', or write the cron yourself, e.g. '0 */2 * * *'"
    )


def _check_field(value: str, index: int, expression: str) -> str:
    name, low, high = _FIELDS[index]
    for item in value.split(","):
        match = _ITEM.match(item)
        if match is None:
            raise ScheduleError(
                f"{expression!r}: {name} field {value!r} uses syntax unix-cron lacks (no '?', 'L', 'W' "
                "or '#'); use numbers, names, '*', ranges 'a-b', lists 'a,b' and steps '/n'"
            )
        span, step = match.group(1), match.group(2)
        if step is not None and int(step) < 1:
            raise ScheduleError(f"{expression!r}: {name} step must be 1 or more")
        if span != "*":
            for part in span.split("-"):
                number = _number(part, index)
                if number is None or not low <= number <= high:
                    raise ScheduleError(f"{expression!r}: {name} value {part!r} is outside {low}-{high}")
    return value


def _number(part: str, index: int) -> int | None:
    if part.isdigit():
        return int(part)
    return _NAMES[index].get(part)


def tick_body(name: str, time: str) -> dict[str, str]:
    """The neutral tick: when it fired (UTC ISO 8601) and which schedule fired."""
    return {"time": time, "rule": name}
