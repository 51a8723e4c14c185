"""Access to the real event samples in ../shared/events (never edited, see its README).

A fresh clone has no ../shared beside it: then every helper here skips the calling test with a
reason naming the missing directory, and `each()` turns an empty parameter list into one skipped
case, so no test module fails to collect. PORTSIDE_SHARED_DIR points elsewhere (tests use
`/nonexistent` to simulate a fresh clone).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PORTSIDE_SHARED_DIR") or ROOT.parent / "shared")
EVENTS = SHARED / "events"
ORDERS_MAIN = ROOT / "examples" / "orders" / "main.py"
# Every skip for missing samples starts with this; tests/conftest.py tells them from other skips.
SKIP_PREFIX = "needs ../shared/events"


def available() -> bool:
    return EVENTS.is_dir()


def missing_reason() -> str:
    return f"{SKIP_PREFIX} (not found at {EVENTS}); clone the shared samples beside this repo to run it"


def require() -> None:
    """Skip the calling test when the samples are absent; called while a module is imported (a
    module-level constant built from a sample), it skips that whole module."""
    if not available():
        pytest.skip(missing_reason(), allow_module_level=True)


def path(relative: str) -> Path:
    require()
    return EVENTS / relative


def load(relative: str) -> Any:
    """Parse the sample at `relative` (e.g. 'aws/powertools/sqsEvent.json'). Call it inside
    tests and fixtures: at module level it skips every test of the module when it is absent."""
    return json.loads(path(relative).read_text())


def files(folder: str, pattern: str = "*.json") -> list[Path]:
    """The sample files of `folder`, sorted. When the samples are absent: inside a test, skip it
    (an empty list would let it pass vacuously); while collecting, [] (wrap parameter lists built
    from it in `each()`, so the test skips with the reason instead of pytest's empty-set skip)."""
    if not available():
        if os.environ.get("PYTEST_CURRENT_TEST"):  # set by pytest while a test runs, not at collection
            require()
        return []
    return sorted((EVENTS / folder).glob(pattern))


def each(values: Iterable[Any], *, argnames: int = 1) -> Sequence[Any]:
    """`values` for `pytest.mark.parametrize`, or one case skipped for the missing samples."""
    values = list(values)
    if values or available():
        return values
    placeholder = None if argnames == 1 else (None,) * argnames
    return [pytest.param(placeholder, marks=pytest.mark.skip(reason=missing_reason()), id="no-samples")]


def serving_line(stream: Any, seconds: float = 30.0) -> str:
    """The `serving ... on http://...` log line of `portside run`, skipping any line before it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        if "serving" in line:
            try:
                return str(json.loads(line)["message"])
            except (ValueError, KeyError):
                return line
    raise AssertionError("portside run did not log its address")
