"""The neutral schedule grammar -> an Azure Timer trigger's NCRONTAB expression.

NCRONTAB has six fields, `{second} {minute} {hour} {day} {month} {day-of-week}`, in the app's
time zone (UTC unless WEBSITE_TIME_ZONE says otherwise). The worker hands the string to the host
unchecked, and a host that cannot parse it disables the function, so each expression is parsed
by portside's grammar and translated here, at startup. Refused, with what to write instead:

- rates that do not divide an hour or a day (NCRONTAB steps restart every hour / day);
- a cron that restricts both day-of-month and day-of-week: cron fires when either matches,
  NCRONTAB only when both do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from portside.kit import DAYS, ScheduleError, parse_schedule

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

_NAMES = re.compile(r"[A-Za-z]{3}")
TIME_ZONE_SETTING = "WEBSITE_TIME_ZONE"
_UTC_ZONES = frozenset({"utc", "etc/utc", "coordinated universal time", "gmt", "etc/gmt"})


def to_ncrontab(expression: str) -> str:
    """`rate(5 minutes)` -> `0 */5 * * * *`; `30 2 * * 1-5` -> `0 30 2 * * 1-5`.

    Raises ScheduleError (a portside BindingError) saying what to write instead."""
    cron = parse_schedule(expression).to_cron()
    if cron.restricts_day_of_month and cron.restricts_day_of_week:
        raise ScheduleError(
            f"schedule {expression!r}: cron fires when day-of-month OR day-of-week matches, an "
            "Azure timer (NCRONTAB) only when both do; restrict one of them and leave the other '*', "
            "or use two schedules"
        )
    return "0 " + " ".join(_numbers(text, index) for index, text in enumerate(cron.fields))


def time_zone_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """Schedules are UTC; a WEBSITE_TIME_ZONE other than UTC would shift every one of them."""
    zone = (environ if environ is not None else os.environ).get(TIME_ZONE_SETTING, "").strip()
    if zone and zone.lower() not in _UTC_ZONES:
        return (
            f"app setting {TIME_ZONE_SETTING}={zone!r} runs Azure timers in that zone, but portside "
            "schedules are UTC; remove the setting (or set it to UTC)"
        )
    return None


def _numbers(text: str, index: int) -> str:
    """Month and day names as numbers: every NCRONTAB parser reads numbers alike."""
    names = MONTHS if index == 3 else DAYS if index == 4 else ()
    if not names:
        return text

    def number(match: re.Match[str]) -> str:
        upper = match.group().upper()
        return str(names.index(upper) + (1 if names is MONTHS else 0)) if upper in names else match.group()

    return _NAMES.sub(number, text)


__all__ = ["ScheduleError", "time_zone_problem", "to_ncrontab"]
