"""A fresh clone (no ../shared beside it) collects every test module and skips only the tests
that read samples, naming the directory; under CI=true no other skip is allowed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from tests import samples


def pytest_run(*args: str, cwd: Path = samples.ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    python_path = os.pathsep.join(filter(None, [str(samples.ROOT), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PYTHONPATH": python_path, **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        capture_output=True, text=True, cwd=cwd, env=environment, timeout=300,
    )


def test_without_shared_every_test_module_collects() -> None:
    out = pytest_run("--collect-only", PORTSIDE_SHARED_DIR="/nonexistent", CI="true")  # tests and examples
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    summary = out.stdout.splitlines()[-1]
    assert "error" not in summary and "collected" in summary, summary
    for line in out.stdout.splitlines():
        if line.startswith("SKIPPED"):  # a module skipped whole: only for the missing samples
            assert "needs ../shared/events (not found at /nonexistent/events)" in line, line


def test_without_shared_sample_tests_skip_naming_the_directory() -> None:
    # Every module that reads samples (the whole aws suite and the CLI replay test); not this one.
    targets = ["tests/aws", "tests/core/test_testing_and_cli.py"]
    out = pytest_run(*targets, PORTSIDE_SHARED_DIR="/nonexistent", CI="true")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "error" not in out.stdout.splitlines()[-1], out.stdout[-2000:]
    skips = [line for line in out.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips, "nothing skipped although the samples are missing"
    for line in skips:
        assert "needs ../shared/events (not found at /nonexistent/events)" in line, line
    passed = int(re.search(r"(\d+) passed", out.stdout.splitlines()[-1]).group(1))  # type: ignore[union-attr]
    assert passed > 20  # the tests that need no sample still ran


def test_under_ci_a_skip_for_another_reason_fails(tmp_path: Path) -> None:
    (tmp_path / "test_skips.py").write_text(textwrap.dedent("""
        import pytest
        from tests import samples

        def test_tool_missing():
            pytest.skip("some tool is not installed")

        @pytest.mark.parametrize("x", [])
        def test_empty(x):
            pass

        def test_needs_samples():
            samples.require()
    """))
    conftest = ["-p", "tests.conftest"]
    relaxed = pytest_run(*conftest, str(tmp_path), cwd=tmp_path, PORTSIDE_SHARED_DIR="/nonexistent", CI="")
    assert relaxed.returncode == 0 and "3 skipped" in relaxed.stdout, relaxed.stdout

    strict = pytest_run(*conftest, str(tmp_path), cwd=tmp_path, PORTSIDE_SHARED_DIR="/nonexistent", CI="true")
    assert strict.returncode == 1, strict.stdout
    assert "1 failed, 1 skipped, 1 error" in strict.stdout, strict.stdout  # the empty set fails at setup
    assert "skipped under CI=true: some tool is not installed" in strict.stdout
    assert "skipped under CI=true: got empty parameter set" in strict.stdout
