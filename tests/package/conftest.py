"""Helpers for `portside package` tests: run the command through its entry point, read what it wrote."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portside.cli import main

ROOT = Path(__file__).resolve().parents[2]
ORDERS = ROOT / "examples" / "orders" / "main.py"
PIPELINE = ROOT / "examples" / "pipeline" / "main.py"
HERE = Path(__file__).resolve().parent


class Run:
    """What one `portside ...` command did: its exit code and what it printed."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    @property
    def lines(self) -> list[str]:
        """The report's lines (one per resource or function), without the indent."""
        return [line.strip() for line in self.out.splitlines() if line.startswith("  ")]


@pytest.fixture
def portside(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """`portside(*argv)` runs the command line in-process, as the console script does."""

    def run(*argv: str | Path) -> Run:
        capsys.readouterr()
        try:
            code = main([str(arg) for arg in argv])
        except SystemExit as exc:  # argparse's own usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def rich_main(tmp_path: Path) -> Path:
    """A startup file with every binding kind, option and kind of target (rich_main.py)."""
    folder = tmp_path / "shop"
    folder.mkdir()
    shutil.copy(HERE / "rich_service.py", folder / "service.py")
    shutil.copy(HERE / "rich_main.py", folder / "main.py")
    return folder / "main.py"


def write_service(folder: Path, bindings: str, *, imports: str = "", publishes: tuple[str, ...] = ()) -> Path:
    """A one-handler service (topic `t.run`) and a startup file with `bindings`, for refusals."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "service.py").write_text(
        "from typing import Any\n\nfrom portside import Service\n\nservice = Service('tiny')\n\n\n"
        f"@service.handler('t.run', publishes={list(publishes)!r})\n"
        "def run(body: Any) -> None:\n    return None\n"
    )
    (folder / "main.py").write_text(
        "from service import service\n\n"
        f"from portside import App, destination, event, http, queue, schedule, subscription{imports}\n\n"
        f"app = App(service, [{bindings}])\nhandler = app.entry_point\n"
    )
    return folder / "main.py"


def load_yaml(path: Path) -> Any:
    import yaml

    return yaml.safe_load(path.read_text())
