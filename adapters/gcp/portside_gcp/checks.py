"""Startup checks: what Google Cloud could never honour, each with its fix."""

from __future__ import annotations

from portside import App
from portside.kit import ScheduleBinding

from . import options
from .publisher import target_problems
from .routes import Routes
from .schedules import ScheduleError, to_unix_cron
from .settings import GcpSettings, SettingsError


def problems(app: App) -> list[str]:
    found = options.problems(list(app.bindings))
    for binding in app.bindings:
        if isinstance(binding, ScheduleBinding):
            try:
                to_unix_cron(binding.expression)
            except ScheduleError as exc:
                found.append(f"schedule({binding.name!r}): {exc}")
    found.extend(Routes(app).problems)
    try:
        GcpSettings.from_env()
    except SettingsError as exc:
        found.append(str(exc))
    found.extend(target_problems(app))
    return found
