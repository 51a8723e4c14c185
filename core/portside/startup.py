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


def load_app(path: str | os.PathLike[str], *, adapter: str | None = None, attribute: str = "app") -> App:
    """Import the startup file at `path` and return its App.

    Its folder goes on sys.path first (as it is the package root on Lambda, Azure and GCP), and
    `adapter`, when given, overrides the file's choice through PORTSIDE_ADAPTER for this import.
    Every call imports a fresh copy, so one test can load the same file for several adapters.
    """
    global _loaded
    file = Path(path).resolve()
    if not file.is_file():
        raise StartupError(f"no startup file at {file}; pass the path of your main.py")
    folder = str(file.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    _loaded += 1
    spec = importlib.util.spec_from_file_location(f"_portside_startup_{_loaded}", file)
    if spec is None or spec.loader is None:
        raise StartupError(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
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
