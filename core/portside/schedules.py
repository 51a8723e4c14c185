"""The neutral schedule grammar of `schedule(name, topic, expression)`, parsed once at startup.

- `rate(N minute|minutes|hour|hours|day|days)`: every N units, N >= 1; the unit is singular for
  1 and plural otherwise, as on AWS (`rate(1 day)`, `rate(5 minutes)`).
- a standard five-field cron in UTC, `minute hour day-of-month month day-of-week`: minute 0-59,
  hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 0-6 (0 = Sunday) or SUN-SAT;
  each field `*`, a value, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those.
  When both day fields are restricted, it fires when either matches (as cron does).
- AWS `cron(minute hour day-of-month month day-of-week year)`, translated to the five fields:
  `?` becomes `*`, day-of-week 1-7 (1 = Sunday) becomes 0-6, `a/n` becomes `a-max/n`; the year
  must be `*`. AWS's `L`, `W` and `#` have no neutral meaning and are refused.

`parse_schedule` returns a `Rate` or a `Cron`; each adapter translates that to its platform
(EventBridge, NCRONTAB, Cloud Scheduler) and refuses at startup what its platform cannot express.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .errors import BindingError
from .values import Value

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"rate\(\s*(-?\d+)\s+([a-z]+)\s*\)", re.IGNORECASE)
_AWS_CRON = re.compile(r"cron\((.*)\)", re.IGNORECASE | re.DOTALL)
_HINT = (
    "write 'rate(N minutes|hours|days)' (N >= 1), a five-field cron 'minute hour day-of-month "
    "month day-of-week' in UTC such as '0 2 * * *', or AWS 'cron(0 2 * * ? *)'"
)


class ScheduleError(BindingError):
    """A schedule expression outside the neutral grammar, or one a platform cannot express."""


class _Field(Value):
    """One cron position: its name, bounds and value names (months, days)."""

    __slots__ = ("high", "low", "name", "names", "offset")
    name: str
    low: int
    high: int
    names: tuple[str, ...]
    offset: int  # the number of names[0]

    def __init__(self, name: str, low: int, high: int, names: tuple[str, ...] = (), offset: int = 0) -> None:
        self._init(name=name, low=low, high=high, names=names, offset=offset)


FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, MONTHS, 1),
    _Field("day-of-week", 0, 6, DAYS, 0),
)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # leap years included


class Rate(Value):
    """`rate(N unit)`: a tick every `seconds`."""

    __slots__ = ("amount", "unit")
    amount: int
    unit: str  # "minute", "hour" or "day"

    def __init__(self, amount: int, unit: str) -> None:
        self._init(amount=amount, unit=unit)

    @property
    def seconds(self) -> int:
        return self.amount * _UNIT_SECONDS[self.unit]

    @property
    def expression(self) -> str:
        """The canonical neutral text, e.g. `rate(5 minutes)`."""
        return f"rate({self.amount} {self.unit}{'' if self.amount == 1 else 's'})"

    def to_cron(self) -> Cron:
        """The same ticks as a cron, when the rate divides an hour or a day (a cron's steps
        restart every hour / day, so other rates cannot be written as one)."""
        minutes = self.seconds // 60
        if minutes < 60 and 60 % minutes == 0:
            return Cron(("*" if minutes == 1 else f"*/{minutes}", "*", "*", "*", "*"))
        if minutes % 60 == 0 and minutes < 1440 and 1440 % minutes == 0:
            hours = minutes // 60
            return Cron(("0", "*" if hours == 1 else f"*/{hours}", "*", "*", "*"))
        if minutes == 1440:
            return Cron(("0", "0", "*", "*", "*"))
        raise ScheduleError(
            f"{self.expression} cannot be written as a cron: use an interval that divides an hour "
            "(1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 minutes) or a day (1, 2, 3, 4, 6, 8, 12 hours, "
            "1 day), or a cron such as '0 2 * * *'"
        )

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=self.seconds)


class Cron(Value):
    """A five-field cron in UTC. `fields` are the (validated) texts; `values` each field's
    expanded set of numbers (day-of-week 0-6, 0 = Sunday)."""

    __slots__ = ("fields", "values")
    fields: tuple[str, str, str, str, str]
    values: tuple[frozenset[int], ...]

    def __init__(self, fields: tuple[str, str, str, str, str]) -> None:
        values = tuple(_expand(text, field) for text, field in zip(fields, FIELDS, strict=True))
        self._init(fields=fields, values=values)

    def _names(self) -> tuple[str, ...]:
        return ("fields",)  # `values` follow from `fields`: equality and repr use the text only

    @property
    def minute(self) -> str:
        return self.fields[0]

    @property
    def hour(self) -> str:
        return self.fields[1]

    @property
    def day_of_month(self) -> str:
        return self.fields[2]

    @property
    def month(self) -> str:
        return self.fields[3]

    @property
    def day_of_week(self) -> str:
        return self.fields[4]

    @property
    def restricts_day_of_month(self) -> bool:
        return self.values[2] != frozenset(range(1, 32))

    @property
    def restricts_day_of_week(self) -> bool:
        return self.values[4] != frozenset(range(7))

    @property
    def expression(self) -> str:
        return " ".join(self.fields)

    def to_cron(self) -> Cron:
        return self

    def matches(self, moment: datetime) -> bool:
        """True when the schedule fires in the minute of `moment` (taken in UTC)."""
        moment = moment.astimezone(timezone.utc)
        minutes, hours, _, months, _ = self.values
        return (
            moment.minute in minutes and moment.hour in hours and moment.month in months
            and self._day_matches(moment)
        )

    def _day_matches(self, moment: datetime) -> bool:
        in_month = moment.day in self.values[2]
        in_week = (moment.weekday() + 1) % 7 in self.values[4]
        if self.restricts_day_of_month and self.restricts_day_of_week:
            return in_month or in_week  # cron's rule: either day field may match
        return in_month and in_week

    def next_after(self, moment: datetime) -> datetime:
        """The first minute strictly after `moment` (UTC) at which the schedule fires."""
        minutes, hours, _, months, _ = self.values
        start = moment.astimezone(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(366 * 8 + 1):  # 8 years: longer than any gap between a 29 February
            if day.month in months and self._day_matches(day):
                for hour in sorted(hours):
                    for minute in sorted(minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        raise ScheduleError(f"cron '{self.expression}' never fires")  # excluded by parse_schedule


Schedule = Rate | Cron


def parse_schedule(expression: str) -> Schedule:
    """Parse the neutral grammar (see the module docstring); ScheduleError says what to write."""
    if not isinstance(expression, str):
        raise ScheduleError(f"schedule expression {expression!r}: {_HINT}")
    text = " ".join(expression.split())
    rate = _RATE.fullmatch(text)
    if rate is not None:
        return _rate(int(rate.group(1)), rate.group(2).lower(), text)
    if text.lower().startswith("rate("):
        raise ScheduleError(f"schedule {text!r}: {_HINT}")
    aws = _AWS_CRON.fullmatch(text)
    fields = _from_aws(aws.group(1).split(), text) if aws is not None else text.split()
    if len(fields) != len(FIELDS):
        raise ScheduleError(f"schedule {text!r}: {_HINT}")
    try:
        cron = Cron((fields[0], fields[1], fields[2], fields[3], fields[4]))
    except ScheduleError as exc:
        raise ScheduleError(f"schedule {text!r}: {exc}") from None
    if not cron.restricts_day_of_week and not _any_real_day(cron):
        raise ScheduleError(f"schedule {text!r}: no month of the cron has any of its days, so it never fires")
    return cron


def _rate(amount: int, unit: str, text: str) -> Rate:
    singular = unit.rstrip("s") if unit.endswith("s") else unit
    if singular not in _UNIT_SECONDS:
        raise ScheduleError(f"schedule {text!r}: the unit is minute(s), hour(s) or day(s); {_HINT}")
    if amount < 1:
        raise ScheduleError(
            f"schedule {text!r}: the rate must be at least 1, e.g. 'rate(1 {singular})'"
        )
    wanted = singular if amount == 1 else singular + "s"
    if unit != wanted:
        raise ScheduleError(f"schedule {text!r}: write 'rate({amount} {wanted})' (singular only for 1)")
    return Rate(amount, singular)


def _from_aws(fields: list[str], text: str) -> list[str]:
    """AWS `cron(min hour dom month dow year)` -> the five neutral fields."""
    if len(fields) != 6:
        raise ScheduleError(
            f"schedule {text!r}: AWS cron(...) has six fields, 'minute hour day-of-month month "
            "day-of-week year', e.g. 'cron(0 2 * * ? *)'"
        )
    minute, hour, dom, month, dow, year = fields
    if year != "*":
        raise ScheduleError(f"schedule {text!r}: the year must be '*' (every adapter runs it every year)")
    for value, name in ((dom, "day-of-month"), (dow, "day-of-week")):
        without_names = re.sub(r"[A-Za-z]{3}", _drop_name, value)
        special = sorted(set(re.findall(r"[LW#]", without_names.upper())))
        if special:
            raise ScheduleError(
                f"schedule {text!r}: {name} {value!r} uses AWS's {' and '.join(special)}, which has no "
                "neutral meaning; list the days instead"
            )
    if dom != "?" and dow != "?" and "*" not in (dom, dow):
        raise ScheduleError(
            f"schedule {text!r}: AWS cron needs '?' in day-of-month or day-of-week, e.g. "
            "'cron(0 2 ? * MON-FRI *)'"
        )
    return [
        _aws_step(minute, 59),
        _aws_step(hour, 23),
        _aws_step("*" if dom == "?" else dom, 31),
        _aws_step(month, 12),
        "*" if dow == "?" else _aws_days(dow, text),
    ]


def _drop_name(match: re.Match[str]) -> str:
    return "" if match.group().upper() in MONTHS + DAYS else match.group()


def _aws_step(value: str, high: int) -> str:
    """AWS's `a/n` (from a, every n) is `a-high/n` in standard cron."""
    items = []
    for item in value.split(","):
        base, slash, step = item.partition("/")
        items.append(f"{base}-{high}/{step}" if slash and base != "*" and "-" not in base else item)
    return ",".join(items)


def _aws_days(value: str, text: str) -> str:
    """AWS day-of-week numbers run 1-7 from Sunday; the neutral ones 0-6."""
    def shift(match: re.Match[str]) -> str:
        number = int(match.group())
        if not 1 <= number <= 7:
            raise ScheduleError(f"schedule {text!r}: AWS day-of-week {number} is out of range 1-7 (1 = Sunday)")
        return str(number - 1)

    if "/" in value:
        raise ScheduleError(f"schedule {text!r}: AWS cron has no steps in day-of-week; list the days")
    return re.sub(r"\d+", shift, value)


def _expand(text: str, field: _Field) -> frozenset[int]:
    """The numbers a field's text selects; ScheduleError names the field and what is wrong."""
    values: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _bad(field, text, f"has step {step_text!r}; a step is a whole number of at least 1")
            step = int(step_text)
        if base == "*":
            low, high = field.low, field.high
        else:
            first, dash, last = base.partition("-")
            low = _number(first, field, text)
            high = _number(last, field, text) if dash else low
            if slash and not dash:
                example = f"{base}-{field.high}/{step}"
                raise _bad(field, text, f"steps {base!r} alone; step a range or '*' ({example!r})")
            if high < low:
                raise _bad(field, text, f"has range {base!r} that runs backwards")
        values.update(range(low, high + 1, step))
    return frozenset(values)


def _number(token: str, field: _Field, text: str) -> int:
    upper = token.upper()
    if upper in field.names:
        return field.names.index(upper) + field.offset
    if not token.isdigit():
        choices = f"{field.low}-{field.high}"
        if field.names:
            choices += f" or {field.names[0]}-{field.names[-1]}"
        raise _bad(field, text, f"has {token!r}, which is not {choices}")
    number = int(token)
    if not field.low <= number <= field.high:
        raise _bad(field, text, f"has {number}, outside {field.low}-{field.high}")
    return number


def _bad(field: _Field, text: str, why: str) -> ScheduleError:
    return ScheduleError(f"{field.name} field {text!r} {why}")


def _any_real_day(cron: Cron) -> bool:
    return any(day <= _DAYS_IN_MONTH[month - 1] for month in cron.values[3] for day in cron.values[2])


__all__ = ["Cron", "Rate", "Schedule", "ScheduleError", "parse_schedule"]
