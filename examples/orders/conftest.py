from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portside import App
from portside.startup import load_app

MAIN = Path(__file__).with_name("main.py")


def service_globals(app: App) -> dict[str, Any]:
    """The module namespace of the service this app was built from (its store and audit log),
    whichever copy of service.py load_app imported."""
    namespace: dict[str, Any] = app.service.handlers["orders.create"].fn.__globals__
    return namespace


def fresh_app(adapter: str) -> App:
    app = load_app(MAIN, adapter=adapter)
    namespace = service_globals(app)
    namespace["store"].clear()
    namespace["audit_log"].clear()
    return app


@pytest.fixture
def portside_app() -> App:
    """The orders app exactly as main.py builds it, on the local adapter."""
    return fresh_app("local")


@pytest.fixture
def orders_app() -> Callable[[str], App]:
    """Builds the orders app from main.py for an adapter, with an empty store and audit log."""
    return fresh_app


@pytest.fixture
def audit_entries() -> Callable[[App], list[tuple[str, str, str]]]:
    """What the audit handler of an app has seen: (event topic, order id, status)."""
    return lambda app: list(service_globals(app)["audit_log"].entries)
