"""pytest plugin (entry point `pytest11`): fixtures for testing portside apps.

Define a `portside_app` fixture returning your App; use `portside_client` in tests:

    @pytest.fixture
    def portside_app():
        from portside.startup import load_app
        return load_app("main.py", adapter="local")

    def test_ping(portside_client):
        assert portside_client.send("demo.ping", {"text": "hi"}).is_success
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..app import App
from ..local.broker import LocalBroker
from . import TestClient


@pytest.fixture
def portside_app() -> App:
    raise pytest.UsageError(
        "the portside_client fixture needs a `portside_app` fixture returning your App; define "
        "one in conftest.py, e.g. `return load_app('main.py', adapter='local')`"
    )


@pytest.fixture
def portside_client(portside_app: App) -> Iterator[TestClient]:
    with TestClient(portside_app) as client:
        yield client


@pytest.fixture
def portside_published(portside_client: TestClient) -> LocalBroker:
    """What the app published during the test."""
    return portside_client.broker
