"""Load a startup file (`main.py`) the way a platform would, for the CLI and for tests."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from .app import App
from .errors import StartupError

_loaded = 0
_previous: list[str] = []  # the folder of the last load (earlier ones were forgotten then)


def load_app(path: str | os.PathLike[str], *, adapter: str | None = None, attribute: str = "app") -> App:
    """Import the startup file at `path` and return its App.

    Its folder goes first on sys.path (as it is the package root on Lambda, Azure and GCP), and
    `adapter`, when given, overrides the file's choice through PORTSIDE_ADAPTER for this import.

    Every call runs the file afresh, so one process can load it for several adapters. Two
    services that both `from service import service` load side by side: before each load, the
    modules earlier loads imported from other folders leave sys.modules and those folders leave
    sys.path (each App keeps what it imported). Imports a handler makes later, at call time,
    resolve in the folder loaded last.
    """
    global _loaded
    file = Path(path).resolve()
    if not file.is_file():
        raise StartupError(f"no startup file at {file}; pass the path of your main.py")
    folder = _absolute(str(file.parent))
    _isolate(folder)
    _loaded += 1
    name = f"_portside_startup_{_loaded}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise StartupError(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # what pydantic and pickle look classes up in
    previous = os.environ.get("PORTSIDE_ADAPTER")
    if adapter is not None:
        os.environ["PORTSIDE_ADAPTER"] = adapter
    try:
        spec.loader.exec_module(module)
    finally:
        if adapter is not None:
            if previous is None:
                os.environ.pop("PORTSIDE_ADAPTER", None)
            else:
                os.environ["PORTSIDE_ADAPTER"] = previous
    app: Any = getattr(module, attribute, None)
    if not isinstance(app, App):
        raise StartupError(
            f"{file} defines no App named {attribute!r}; build one there: "
            f"{attribute} = App(service, [...bindings], adapter=...)"
        )
    return app


def _isolate(folder: str) -> None:
    """Make `folder` the one loaded folder that sys.path and sys.modules know of: the modules
    earlier loads imported from other folders are forgotten (`service` must mean this folder's
    service.py), and those folders leave sys.path. This folder's own modules, if an earlier load
    imported them, stay: loading one file twice shares them, as it always has."""
    others = [root for root in _previous if root != folder]
    for module_name, module in list(sys.modules.items()):
        if _imported_from(module_name, module, others):
            del sys.modules[module_name]
    sys.path[:] = [entry for entry in sys.path if _absolute(entry) not in (*others, folder)]
    sys.path.insert(0, folder)
    importlib.invalidate_caches()  # files written since the last import from these folders
    _previous[:] = [folder]


def _imported_from(module_name: str, module: Any, roots: list[str]) -> bool:
    """True for a module imported under its own name from one of `roots` (`service` from
    `<root>/service.py`, `lib.x` from `<root>/lib/x.py`); never for portside or the stdlib."""
    file = getattr(module, "__file__", None)
    if not file or module_name.startswith("_portside_startup_"):
        return False
    top = module_name.partition(".")[0]
    location = _absolute(file)
    for root in roots:
        if location.startswith(root + os.sep):
            first = location[len(root) + 1:].split(os.sep, 1)[0]
            if first == top or first.partition(".")[0] == top:
                return True
    return False


def _absolute(entry: str) -> str:
    return os.path.normcase(os.path.abspath(entry or os.curdir))
