"""Fixtures for the gcp adapter tests: the test service (tests/gcp/app/main.py) built fresh per
test, its testing kit, and the environment a Cloud Functions deployment has."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from portside import App, InMemoryPublisher

APP_DIR = Path(__file__).resolve().parent / "app"
PROJECT = "portside-test"


def load_main() -> ModuleType:
    """tests/gcp/app/main.py under its own module name (examples have a `main` too)."""
    name = "portside_gcp_test_main"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, APP_DIR / "main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def gcp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORTSIDE_GCP_SERVE", "PORTSIDE_GCP_AUDIENCE", "PORTSIDE_GCP_INVOKERS",
                 "PORTSIDE_GCP_CERTS_URL", "PORTSIDE_GCP_PROJECT", "GCP_PROJECT", "PORTSIDE_ADAPTER",
                 "PUBSUB_EMULATOR_HOST", "FUNCTION_TARGET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)


@pytest.fixture
def main() -> Iterator[ModuleType]:
    module = load_main()
    module.SEEN.clear()
    yield module
    module.SEEN.clear()


@pytest.fixture
def app(main: ModuleType) -> App:
    built: App = main.build()
    built.publisher = InMemoryPublisher()
    return built


@pytest.fixture
def kit(app: App) -> Any:
    return app.adapter.hook.portside_testing_kit(app=app)
