"""The shape of the code: adapters stand on the public core only; the core knows no adapter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = sorted(p for p in (ROOT / "adapters").glob("*/portside_*") if p.is_dir())
PUBLIC = ("portside", "portside.kit")


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("package", ADAPTERS, ids=lambda p: p.name)
def test_adapters_import_only_portside_and_the_kit(package: Path) -> None:
    private = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted(package.rglob("*.py"))
        for module in _imports(path)
        if module.startswith("portside.") and not module.startswith("portside.kit") and module not in PUBLIC
    ]
    assert private == [], "adapters may import only portside and portside.kit:\n" + "\n".join(private)


def test_the_core_never_imports_an_adapter() -> None:
    core = ROOT / "core" / "portside"
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted(core.rglob("*.py"))
        for module in _imports(path)
        if module.startswith("portside_")
    ]
    assert offenders == []
