from __future__ import annotations

from pathlib import Path

import pytest

from portside import App
from portside.startup import load_app


@pytest.fixture
def portside_app() -> App:
    """The orders app exactly as main.py builds it, on the local adapter."""
    from service import store

    store.clear()
    return load_app(Path(__file__).with_name("main.py"), adapter="local")
