"""Suite-wide rule: under CI=true the only allowed skip is a missing ../shared/events.

CI runs every test; a skip for any other reason (a missing tool, an empty parameter set, an
`importorskip`) would hide a test that never ran, so it is reported as a failure there.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

from tests import samples


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _forbid_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not _ci() or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _reason(report)
    if reason.startswith(samples.SKIP_PREFIX):
        return
    report.outcome = "failed"
    report.longrepr = (
        f"skipped under CI=true: {reason}\nCI must run every test: install what it needs "
        "(`make test` installs the [dev] extras) or remove the skip"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    outcome = yield
    _forbid_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    _forbid_skip(outcome.get_result())
