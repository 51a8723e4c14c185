"""The README's Python snippets run as written, in order, as a newcomer would paste them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_python_snippets() -> None:
    assert len(_snippets()) >= 4


def test_readme_snippets_run_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PORTSIDE_ADAPTER", raising=False)
    namespace: dict[str, object] = {"__name__": "readme"}
    for index, snippet in enumerate(_snippets()):
        try:
            exec(compile(snippet, f"README.md snippet {index + 1}", "exec"), namespace)
        except Exception as exc:  # name the snippet, not just the line
            pytest.fail(f"README snippet {index + 1} failed: {type(exc).__name__}: {exc}\n{snippet}")
    assert "audited A1" in capsys.readouterr().out


def test_readme_shows_the_contract_suites_outcome_table() -> None:
    """The README's outcome table is the one the contract suite holds every adapter to."""
    from tests.contract.native_answers import markdown

    assert markdown().strip() in README.read_text(encoding="utf-8"), (
        "README.md's outcome table differs from tests/contract/native_answers.py; paste the output of "
        "`python -m tests.contract.native_answers` into it"
    )
