"""The neutral schedule grammar -> an EventBridge schedule expression.

`rate(5 minutes)` stays as it is. A cron becomes `cron(minute hour day-of-month month
day-of-week year)`: day-of-week counts 1-7 from Sunday (written here as SUN-SAT), the year is
`*`, and one of the two day fields must be `?`. A neutral cron restricting both day fields fires
when either matches, which EventBridge cannot express: that is refused, at startup, with what to
write instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from portside.kit import DAYS, FIELDS, Cron, Rate, ScheduleBinding, ScheduleError, parse_schedule

if TYPE_CHECKING:
    from portside import App


def to_eventbridge(expression: str) -> str:
    """`rate(5 minutes)` -> `rate(5 minutes)`; `30 2 * * 1-5` -> `cron(30 2 ? * MON-FRI *)`."""
    parsed = parse_schedule(expression)
    if isinstance(parsed, Rate):
        return parsed.expression
    return _cron(parsed, expression)


def schedule_problems(app: App) -> list[str]:
    """One line per schedule binding EventBridge cannot run (for the adapter's startup check)."""
    problems = []
    for binding in app.bindings.of_kind("schedule"):
        assert isinstance(binding, ScheduleBinding)
        try:
            to_eventbridge(binding.expression)
        except ScheduleError as exc:
            problems.append(f"schedule({binding.name!r}, {binding.topic!r}, ...): {exc}")
    return problems


def _cron(cron: Cron, expression: str) -> str:
    if cron.restricts_day_of_month and cron.restricts_day_of_week:
        raise ScheduleError(
            f"EventBridge cannot run {expression!r}: it restricts both day-of-month and day-of-week "
            "(cron fires when either matches; EventBridge needs '?' in one of them). Split it into two "
            "schedule bindings, one per day field"
        )
    minute, hour, day_of_month, month, day_of_week = (
        _field(values, index) for index, values in enumerate(cron.values)
    )
    if cron.restricts_day_of_week:
        day_of_month = "?"
    else:
        day_of_week = "?"
    return f"cron({minute} {hour} {day_of_month} {month} {day_of_week} *)"


def _field(values: frozenset[int], index: int) -> str:
    """A field's numbers in EventBridge's syntax: `*`, `start/step`, or ranges and values."""
    field = FIELDS[index]
    ordered = sorted(values)
    if ordered == list(range(field.low, field.high + 1)):
        return "*"
    if index != 4 and len(ordered) > 2:
        step = ordered[1] - ordered[0]
        if ordered == list(range(ordered[0], field.high + 1, step)):
            return f"{ordered[0]}/{step}"
    name = (lambda n: DAYS[n]) if index == 4 else str
    return ",".join(
        name(first) if first == last else f"{name(first)}-{name(last)}" for first, last in _runs(ordered)
    )


def _runs(ordered: Iterable[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for number in ordered:
        if runs and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


__all__ = ["schedule_problems", "to_eventbridge"]
