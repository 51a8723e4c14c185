"""pytest plugin (entry point `pytest11`): fixtures for testing portside apps.

Define a `portside_app` fixture returning your App; use `portside_client` in tests:

    @pytest.fixture
    def portside_app():
        from portside.startup import load_app
        return load_app("main.py", adapter="local")

    def test_ping(portside_client):
        assert portside_client.send("demo.ping", {"text": "hi"}).is_success

Run a test once per installed adapter: build the app on `portside_adapter` and drive it with
`portside_kit`, the adapter's testing kit (`portside.kit.TestingKit`), which sends native input
exactly as that platform does through the adapter's real entry point:

    @pytest.fixture
    def portside_app(portside_adapter):
        return load_app("main.py", adapter=portside_adapter)

    def test_create(portside_kit):
        for shape in portside_kit.http_shapes():       # aws: API Gateway REST, HTTP API, ALB, ...
            request = HttpRequest.from_url("POST", "/orders", {"content-type": "application/json"},
                                           b'{"sku": "A1", "qty": 2}')
            assert portside_kit.http(shape, request).status == 201

`pytest --portside-adapter=aws` (repeatable, or comma-separated) narrows such tests to the
adapters named. An installed adapter whose dependencies are missing is skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ..app import App
from ..local.broker import LocalBroker
from . import TestClient

OPTION = "--portside-adapter"
_SELECTED = pytest.StashKey[dict[str, "str | None"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("portside").addoption(
        OPTION, action="append", default=[], metavar="NAME",
        help="run the tests using the portside_adapter / portside_kit fixtures only on this adapter "
             "(repeat or comma-separate for several; default: every installed adapter)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption(OPTION, default=None):
        selected_adapters(config)  # an unknown name is a usage error before anything runs


def installed_adapters() -> dict[str, str | None]:
    """Every installed adapter: name -> None when it loads, else why it cannot (e.g. a missing
    dependency). Adapters whose package is not installed at all are left out."""
    from importlib.util import find_spec

    from ..adapters import available, load

    found: dict[str, str | None] = {}
    for name, module in sorted(available().items()):
        package = module.split(":", 1)[0].split(".", 1)[0]
        try:
            if find_spec(package) is None:
                continue
        except (ImportError, ValueError):
            continue
        try:
            load(name)
        except Exception as exc:  # a missing dependency, or an adapter that cannot be imported
            found[name] = f"adapter {name!r} cannot be loaded: {exc}"
        else:
            found[name] = None
    return found


def selected_adapters(config: pytest.Config) -> dict[str, str | None]:
    """The installed adapters the tests run on, narrowed by --portside-adapter (worked out once)."""
    if _SELECTED in config.stash:
        return config.stash[_SELECTED]
    installed = installed_adapters()
    wanted = [n.strip() for value in config.getoption(OPTION) or [] for n in value.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in installed]
    if unknown:
        raise pytest.UsageError(
            f"{OPTION}: {', '.join(unknown)} is not an installed adapter; installed: "
            f"{', '.join(installed) or 'none'}"
        )
    config.stash[_SELECTED] = {n: installed[n] for n in wanted} if wanted else installed
    return config.stash[_SELECTED]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "portside_adapter" not in metafunc.fixturenames:
        return
    params = [
        pytest.param(name, id=name, marks=[pytest.mark.skip(reason=why)] if why else [])
        for name, why in selected_adapters(metafunc.config).items()
    ]
    metafunc.parametrize("portside_adapter", params, indirect=True)


@pytest.fixture
def portside_adapter(request: pytest.FixtureRequest) -> str:
    """The adapter this run of the test is for (the test runs once per installed adapter)."""
    return str(request.param)


def testing_kit(app: App) -> Any:
    """The testing kit of `app`'s adapter, or None when the adapter ships none."""
    return app.adapter.hook.portside_testing_kit(app=app)


@pytest.fixture
def portside_kit(portside_adapter: str, portside_app: App) -> Iterator[Any]:
    """The testing kit of `portside_app`, which must be built on `portside_adapter`."""
    if portside_app.adapter_name != portside_adapter:
        pytest.fail(
            f"portside_app is built on adapter {portside_app.adapter_name!r}, but this run is for "
            f"{portside_adapter!r}: build it with adapter=portside_adapter (take the portside_adapter "
            "fixture in your portside_app fixture)"
        )
    kit = testing_kit(portside_app)
    if kit is None:
        pytest.skip(f"adapter {portside_adapter!r} ships no testing kit (hook portside_testing_kit)")
    try:
        yield kit
    finally:
        close = getattr(kit, "close", None)
        if callable(close):
            close()


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
