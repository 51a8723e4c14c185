"""A configurable deadline on the local runtime: `ctx.remaining_seconds()` counts down from it for
each request and each delivery attempt, as it does on Lambda."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portside import App, Context, Result, Service, http
from portside.errors import StartupError
from portside.local.runtime import DEFAULT_DEADLINE_SECONDS, LocalRuntime
from tests import samples

SERVICE = """
    import time

    from portside import App, Context, Result, Service, http, queue, schedule

    service = Service("clock")
    seen = []

    @service.handler("clock.check")
    def check(body: dict, ctx: Context) -> dict:
        first = ctx.remaining_seconds()
        time.sleep(body.get("sleep", 0))
        seen.append((first, ctx.remaining_seconds()))
        return {"remaining": first, "after": ctx.remaining_seconds()}

    attempts = []

    @service.handler("clock.flaky")
    def flaky(body: dict, ctx: Context) -> Result[dict]:
        attempts.append(ctx.remaining_seconds())
        if len(attempts) == 1:
            time.sleep(body["sleep"])
            return Result.retry("not yet")
        return Result.ok({"attempts": attempts})

    app = App(service, [http("POST /check", "clock.check"), queue("work", "clock.flaky"),
                        schedule("tick", "clock.check", "rate(1 day)")], adapter="local")
"""


@pytest.fixture
def main(tmp_path: Path) -> Path:
    path = tmp_path / "clock" / "main.py"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(SERVICE))
    return path


def make_app() -> tuple[App, Any]:
    namespace: dict[str, Any] = {}
    exec(textwrap.dedent(SERVICE), namespace)  # the same service, built in this process
    app: App = namespace["app"]
    return app, namespace


def post(base: str, path: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def served() -> Iterator[tuple[str, LocalRuntime, dict[str, Any]]]:
    app, namespace = make_app()
    runtime = LocalRuntime(app, deadline_seconds=2.0)
    with runtime.running(port=0) as (host, port):
        yield f"http://{host}:{port}", runtime, namespace


def test_http_requests_count_down_from_the_deadline(served: tuple[str, LocalRuntime, dict[str, Any]]) -> None:
    base, _, _ = served
    status, answer = post(base, "/check", {"sleep": 0.3})
    assert status == 200
    assert 1.8 < answer["remaining"] <= 2.0
    assert 0 < answer["after"] <= answer["remaining"] - 0.25


def test_each_delivery_attempt_gets_its_own_deadline(served: tuple[str, LocalRuntime, dict[str, Any]]) -> None:
    base, _, namespace = served
    status, answer = post(base, "/_portside/messages/clock.flaky?wait=true", {"sleep": 0.5})
    assert status == 200 and answer["state"] == "acknowledged"
    first, second = namespace["attempts"]
    assert 1.8 < first <= 2.0 and 1.8 < second <= 2.0  # the retry starts afresh


def test_scheduled_ticks_have_the_deadline_too(served: tuple[str, LocalRuntime, dict[str, Any]]) -> None:
    base, runtime, namespace = served
    with urllib.request.urlopen(urllib.request.Request(base + "/_portside/schedules/tick", method="POST")) as r:
        assert r.status == 202
    runtime.queue.join()
    [(remaining, _)] = namespace["seen"]
    assert 1.8 < remaining <= 2.0


def test_the_default_and_no_deadline() -> None:
    app, _ = make_app()
    assert LocalRuntime(app).deadline_seconds == DEFAULT_DEADLINE_SECONDS == 30.0
    with LocalRuntime(app).running(port=0) as (host, port):
        assert 29 < post(f"http://{host}:{port}", "/check", {})[1]["remaining"] <= 30
    with LocalRuntime(app, deadline_seconds=None).running(port=0) as (host, port):
        assert post(f"http://{host}:{port}", "/check", {})[1]["remaining"] is None
    with pytest.raises(StartupError, match="deadline_seconds must be positive"):
        LocalRuntime(app, deadline_seconds=0)


def test_an_overrun_is_logged(capsys: pytest.CaptureFixture[str]) -> None:
    service = Service("slow")

    @service.handler("slow")
    def slow(body: dict[str, Any], ctx: Context) -> Result[None]:
        time.sleep(0.3)
        return Result.no_content()

    runtime = LocalRuntime(App(service, [http("POST /slow", "slow")], adapter="local"), deadline_seconds=0.1)
    with runtime.running(port=0) as (host, port):
        assert post_status(f"http://{host}:{port}/slow") == 204
    warnings = [json.loads(line) for line in capsys.readouterr().err.splitlines() if '"WARNING"' in line]
    assert any("past its 0.1 s deadline" in w["message"] and "--timeout" in w["message"] for w in warnings)


def post_status(url: str) -> int:
    with urllib.request.urlopen(urllib.request.Request(url, data=b"{}", method="POST")) as response:
        status: int = response.status
        return status


def test_portside_run_timeout(main: Path) -> None:
    bad = subprocess.run([sys.executable, "-m", "portside.cli", "run", str(main), "--timeout", "0"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("portside: --timeout must be a positive number")

    process = subprocess.Popen(
        [sys.executable, "-m", "portside.cli", "run", str(main), "--port", "0", "--timeout", "7"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None
        line = samples.serving_line(process.stderr)
        base = line.split(" on ")[1].split(" ")[0]
        _, answer = post(base, "/check", {})
        assert 3 < answer["remaining"] <= 7  # the 7 s deadline, not the 30 s default (slack for a busy host)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_the_testing_client_takes_a_deadline_too() -> None:
    from portside.testing import TestClient

    app, _ = make_app()
    with TestClient(app, deadline_seconds=5) as client:
        assert 4.5 < client.post("/check", json={}).json()["remaining"] <= 5
        payload = client.send("clock.check", {}).payload
        assert payload is not None and 4.5 < payload["remaining"] <= 5
    with TestClient(app, deadline_seconds=None) as client:
        assert client.post("/check", json={}).json()["remaining"] is None
