"""Schedules: one neutral grammar (rate, five-field cron in UTC, AWS cron translated), checked at
startup; the local scheduler ticks by it and stops with the server; EventBridge gets its own
syntax or a clear refusal."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portside import App, InMemoryPublisher, Message, Service, schedule
from portside.bindings import rate_seconds
from portside.errors import BindingError, StartupError
from portside.local.runtime import LocalRuntime
from portside.local.scheduler import LocalScheduler
from portside.schedules import Cron, Rate, ScheduleError, parse_schedule
from portside.startup import load_app
from portside_aws.schedules import schedule_problems, to_eventbridge

UTC = timezone.utc
T0 = datetime(2024, 3, 1, 10, 7, 30, tzinfo=UTC)  # a Friday


def fires(expression: str, count: int, start: datetime = T0) -> list[str]:
    parsed = parse_schedule(expression)
    out, moment = [], start
    for _ in range(count):
        moment = parsed.next_after(moment)
        out.append(moment.strftime("%a %Y-%m-%d %H:%M"))
    return out


# ----------------------------------------------------------------------------- grammar
@pytest.mark.parametrize(
    ("expression", "seconds", "canonical"),
    [
        ("rate(1 minute)", 60, "rate(1 minute)"),
        ("rate(5 minutes)", 300, "rate(5 minutes)"),
        ("rate(1 hour)", 3600, "rate(1 hour)"),
        ("rate(12 hours)", 43200, "rate(12 hours)"),
        ("rate(1 day)", 86400, "rate(1 day)"),
        ("  rate( 3  days )", 3 * 86400, "rate(3 days)"),
    ],
)
def test_rates(expression: str, seconds: int, canonical: str) -> None:
    parsed = parse_schedule(expression)
    assert isinstance(parsed, Rate) and parsed.seconds == seconds and parsed.expression == canonical
    assert rate_seconds(expression) == seconds


def test_rates_as_crons_when_they_divide_an_hour_or_a_day() -> None:
    assert parse_schedule("rate(15 minutes)").to_cron().expression == "*/15 * * * *"
    assert parse_schedule("rate(1 minute)").to_cron().expression == "* * * * *"
    assert parse_schedule("rate(6 hours)").to_cron().expression == "0 */6 * * *"
    assert parse_schedule("rate(1 day)").to_cron().expression == "0 0 * * *"
    with pytest.raises(ScheduleError, match="divides an hour"):
        parse_schedule("rate(7 minutes)").to_cron()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 2 * * *", ["Sat 2024-03-02 02:00", "Sun 2024-03-03 02:00"]),
        ("*/20 10 * * *", ["Fri 2024-03-01 10:20", "Fri 2024-03-01 10:40", "Sat 2024-03-02 10:00"]),
        ("0 9 * * MON-FRI", ["Mon 2024-03-04 09:00", "Tue 2024-03-05 09:00"]),
        ("0 9 * * 1-5", ["Mon 2024-03-04 09:00", "Tue 2024-03-05 09:00"]),
        ("30 8 1,15 * *", ["Fri 2024-03-15 08:30", "Mon 2024-04-01 08:30"]),
        ("0 0 * FEB,jun 0", ["Sun 2024-06-02 00:00", "Sun 2024-06-09 00:00"]),
        ("0 0 13 * 5", ["Fri 2024-03-08 00:00", "Wed 2024-03-13 00:00", "Fri 2024-03-15 00:00"]),  # either day
        ("0 0 29 2 *", ["Tue 2028-02-29 00:00", "Sun 2032-02-29 00:00"]),
        ("0-10/5 23 31 12 *", ["Tue 2024-12-31 23:00", "Tue 2024-12-31 23:05", "Tue 2024-12-31 23:10"]),
        # AWS syntax: ? is *, day-of-week 1-7 from Sunday, a/n is a-max/n
        ("cron(0 9 ? * 2-6 *)", ["Mon 2024-03-04 09:00", "Tue 2024-03-05 09:00"]),
        ("cron(0/30 10 * * ? *)", ["Fri 2024-03-01 10:30", "Sat 2024-03-02 10:00"]),
        ("cron(15 12 1 JAN ? *)", ["Wed 2025-01-01 12:15"]),
    ],
)
def test_crons_fire_on_their_minutes_in_utc(expression: str, expected: list[str]) -> None:
    assert fires(expression, len(expected)) == expected


def test_aws_cron_is_translated_to_the_five_fields() -> None:
    parsed = parse_schedule("cron(0 12 ? * MON-FRI *)")
    assert isinstance(parsed, Cron) and parsed.to_cron().expression == "0 12 * * MON-FRI"
    assert parse_schedule("cron(0 12 ? * 2,7 *)").to_cron().expression == "0 12 * * 1,6"
    assert parse_schedule("cron(0/15 * * * ? *)").to_cron().expression == "0-59/15 * * * *"


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("rate(0 minutes)", "at least 1, e.g. 'rate(1 minute)'"),
        ("rate(-5 minutes)", "at least 1"),
        ("rate(1 minutes)", "write 'rate(1 minute)'"),
        ("rate(3 hour)", "write 'rate(3 hours)'"),
        ("rate(2 weeks)", "minute(s), hour(s) or day(s)"),
        ("rate(1.5 hours)", "rate(N minutes|hours|days)"),
        ("every day", "five-field cron"),
        ("0 2 * *", "five-field cron"),
        ("60 * * * *", "minute field '60' has 60, outside 0-59"),
        ("0 24 * * *", "hour field '24' has 24, outside 0-23"),
        ("0 0 0 * *", "day-of-month field '0' has 0, outside 1-31"),
        ("0 0 * 13 *", "month field '13' has 13, outside 1-12"),
        ("0 0 * * 7", "day-of-week field '7' has 7, outside 0-6"),
        ("0 0 * FOO *", "'FOO', which is not 1-12 or JAN-DEC"),
        ("0 0 * * MON-SUNDAY", "not 0-6 or SUN-SAT"),
        ("*/0 * * * *", "a step is a whole number of at least 1"),
        ("5/15 * * * *", "step a range or '*' ('5-59/15')"),
        ("30-10 * * * *", "runs backwards"),
        ("0 0 30 2 *", "never fires"),
        ("cron(0 12 * * ?)", "six fields"),
        ("cron(0 12 * * ? 2030)", "the year must be '*'"),
        ("cron(0 12 L * ? *)", "AWS's L"),
        ("cron(0 12 ? * 6#3 *)", "AWS's #"),
        ("cron(0 12 15W * ? *)", "AWS's W"),
        ("cron(0 12 1 * MON *)", "needs '?' in day-of-month or day-of-week"),
        ("cron(0 12 ? * 8 *)", "out of range 1-7"),
    ],
)
def test_what_is_outside_the_grammar_is_refused_saying_what_to_write(expression: str, says: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(expression)
    assert says in str(raised.value)
    assert rate_seconds(expression) is None


def test_schedule_bindings_validate_through_the_grammar() -> None:
    assert schedule("nightly", "t", "0 2 * * *").expression == "0 2 * * *"
    assert schedule("weekdays", "t", "cron(0 12 ? * MON-FRI *)").expression == "cron(0 12 ? * MON-FRI *)"
    with pytest.raises(BindingError, match=r"schedule\('often', 't', \.\.\.\): .*at least 1"):
        schedule("often", "t", "rate(0 minutes)")


def test_rate_zero_is_refused_at_startup(tmp_path: Path) -> None:
    main = tmp_path / "main.py"
    main.write_text(textwrap.dedent("""
        from portside import App, Message, Service, schedule

        service = Service("timers")

        @service.handler("tick")
        def tick(message: Message) -> None:
            pass

        app = App(service, [schedule("spin", "tick", "rate(0 minutes)")], adapter="local")
    """))
    with pytest.raises(StartupError, match="rate must be at least 1"):
        load_app(main)


# ----------------------------------------------------------------------------- local scheduler
def timer_app(*bindings: Any) -> tuple[LocalRuntime, list[dict[str, Any]]]:
    service = Service("timers")
    ticks: list[dict[str, Any]] = []

    @service.handler("tick")
    def on_tick(message: Message) -> None:
        ticks.append(message.body)

    runtime = LocalRuntime(App(service, list(bindings), adapter="local"))
    return runtime, ticks


def wait_for(condition: Any, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_local_cron_ticks_on_its_minutes_and_stop_means_stop() -> None:
    runtime, ticks = timer_app(schedule("quarter", "tick", "*/15 * * * *"))
    runtime.scheduler = LocalScheduler(runtime, scale=0.0002)  # 15 minutes pass in 0.18 s
    with runtime.running(port=0):
        wait_for(lambda: len(ticks) >= 3)
    assert len(ticks) >= 3
    times = [datetime.fromisoformat(t["time"]) for t in ticks]
    assert all(t.minute % 15 == 0 and t.second == 0 and t.tzinfo is not None for t in times)
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(times))
    assert {t["rule"] for t in ticks} == {"quarter"}

    after_stop = len(ticks)
    time.sleep(0.6)  # three more intervals
    assert len(ticks) == after_stop and not runtime.scheduler.running


def test_local_rate_ticks_and_restart_after_stop() -> None:
    runtime, ticks = timer_app(schedule("often", "tick", "rate(1 minute)"))
    runtime.scheduler = LocalScheduler(runtime, scale=0.001)  # a minute passes in 60 ms
    for _ in range(2):  # a second start after a stop ticks again
        before = len(ticks)
        with runtime.running(port=0):
            wait_for(lambda before=before: len(ticks) >= before + 2)
        assert len(ticks) >= before + 2
    times = [datetime.fromisoformat(t["time"]) for t in ticks[:2]]
    assert times[1] - times[0] == timedelta(minutes=1)
    settled = len(ticks)
    time.sleep(0.3)
    assert len(ticks) == settled


def test_the_scheduler_does_not_import_the_runtime() -> None:
    code = "import sys, portside.local.scheduler; print('portside.local.runtime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- EventBridge
@pytest.mark.parametrize(
    ("neutral", "eventbridge"),
    [
        ("rate(5 minutes)", "rate(5 minutes)"),
        ("rate(1 day)", "rate(1 day)"),
        ("0 2 * * *", "cron(0 2 * * ? *)"),
        ("30 2 * * 1-5", "cron(30 2 ? * MON-FRI *)"),
        ("*/15 9-17 * * MON-FRI", "cron(0/15 9-17 ? * MON-FRI *)"),
        ("0 0 1,15 * *", "cron(0 0 1,15 * ? *)"),
        ("0 12 * JAN-MAR,DEC 0,6", "cron(0 12 ? 1-3,12 SUN,SAT *)"),
        ("0 0 1-31 * 1", "cron(0 0 ? * MON *)"),  # every day of the month restricts nothing
        ("cron(0 12 ? * 2-6 *)", "cron(0 12 ? * MON-FRI *)"),
        ("cron(0/10 * * * ? *)", "cron(0/10 * * * ? *)"),
    ],
)
def test_neutral_schedules_become_eventbridge_expressions(neutral: str, eventbridge: str) -> None:
    assert to_eventbridge(neutral) == eventbridge


def test_eventbridge_refuses_both_day_fields_at_startup() -> None:
    with pytest.raises(ScheduleError, match=r"both day-of-month and day-of-week.*two schedule bindings"):
        to_eventbridge("0 0 13 * 5")
    service = Service("timers")

    @service.handler("tick")
    def on_tick(message: Message) -> None:
        pass

    bindings = [schedule("friday-13", "tick", "0 0 13 * 5"), schedule("nightly", "tick", "0 2 * * *")]
    local = App(service, bindings, adapter="local", publisher=InMemoryPublisher())
    [problem] = schedule_problems(local)  # what the aws adapter's startup check reports
    assert problem.startswith("schedule('friday-13', 'tick', ...): EventBridge cannot run '0 0 13 * 5'")
    with pytest.raises(StartupError, match=r"schedule\('friday-13', 'tick', \.\.\.\): EventBridge cannot run"):
        App(service, bindings, adapter="aws", publisher=InMemoryPublisher())
    App(service, bindings[1:], adapter="aws", publisher=InMemoryPublisher())


def _field(low: int, high: int) -> st.SearchStrategy[str]:
    single = st.integers(low, high).map(str)
    span = st.tuples(st.integers(low, high), st.integers(low, high)).map(lambda p: f"{min(p)}-{max(p)}")
    step = st.tuples(st.sampled_from(["*", f"{low}-{high}"]), st.integers(1, high - low + 1))
    items = st.one_of(single, span, step.map(lambda p: f"{p[0]}/{p[1]}"))
    return st.one_of(st.just("*"), st.lists(items, min_size=1, max_size=3).map(",".join))


@settings(max_examples=200, deadline=None)
@given(
    minute=_field(0, 59), hour=_field(0, 23), dom=_field(1, 28), month=_field(1, 12), dow=_field(0, 6),
    which=st.sampled_from(["dom", "dow"]),
    start=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
)
def test_eventbridge_expressions_fire_at_the_same_minutes(
    minute: str, hour: str, dom: str, month: str, dow: str, which: str, start: datetime
) -> None:
    """Read back (AWS syntax is part of the grammar), the EventBridge expression fires exactly
    when the neutral cron does."""
    neutral = f"{minute} {hour} {dom if which == 'dom' else '*'} {month} {dow if which == 'dow' else '*'}"
    translated = to_eventbridge(neutral)
    assert translated.startswith("cron(") and translated.endswith(" *)")
    day_fields = translated[5:-1].split()[2:5:2]
    assert "?" in day_fields and day_fields.count("?") == 1
    assert fires(translated, 5, start) == fires(neutral, 5, start)
