"""The pytest plugin runs a user's test once per installed adapter, narrowed by --portside-adapter.

Each test runs pytest in a subprocess on a small user project, as a user would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

USER_TEST = '''
import pytest
from portside import App, HttpRequest, Service, http

service = Service("plugin-demo")


@service.handler("demo.ping")
def ping() -> dict[str, bool]:
    return {"pong": True}


@pytest.fixture
def portside_app(portside_adapter):
    return App(service, [http("GET /ping", "demo.ping")], adapter=ADAPTER)


def test_ping(portside_kit, portside_adapter):
    for shape in portside_kit.http_shapes():
        response = portside_kit.http(shape, HttpRequest.from_url("GET", "/ping"))
        assert response.status == 200, (portside_adapter, shape, response)
'''


def run_pytest(
    project: Path, *args: str, adapter: str = "portside_adapter"
) -> subprocess.CompletedProcess[str]:
    (project / "test_user.py").write_text(USER_TEST.replace("ADAPTER", adapter))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
        cwd=project, capture_output=True, text=True, timeout=120, check=False,
    )


def test_runs_once_per_installed_adapter(tmp_path: Path) -> None:
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASSED test_user.py::test_ping[local]" in result.stdout, result.stdout
    assert "PASSED test_user.py::test_ping[aws]" in result.stdout, result.stdout


def test_the_option_narrows_to_one_adapter(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--portside-adapter=aws")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASSED test_user.py::test_ping[aws]" in result.stdout, result.stdout
    assert "test_ping[local]" not in result.stdout and "1 passed" in result.stdout, result.stdout


def test_the_option_takes_several_names(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--portside-adapter=local,aws")
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout + result.stderr


def test_an_unknown_adapter_is_a_usage_error(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--portside-adapter=nope")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "nope is not an installed adapter" in result.stderr and "local" in result.stderr, result.stderr


def test_an_app_built_on_another_adapter_is_reported(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--portside-adapter=aws", adapter='"local"')
    assert result.returncode == 1, result.stdout + result.stderr
    assert "build it with adapter=portside_adapter" in result.stdout, result.stdout
