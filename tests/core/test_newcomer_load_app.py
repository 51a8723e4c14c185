"""Two services that each `from service import service` load side by side in one process."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from portside import HttpRequest
from portside.startup import load_app

MAIN = """
    from helpers import GREETING
    from service import service

    from portside import App, http

    app = App(service, [http("GET /hello", "greet")], adapter="local")
    handler = app.entry_point
"""
SERVICE = """
    from helpers import GREETING

    from portside import Service

    service = Service({name!r})
    calls = []

    @service.handler("greet")
    def greet(body: dict) -> dict:
        calls.append(body)
        from lazily import WHERE  # imported at call time, as some handlers do
        return {{"service": {name!r}, "greeting": GREETING, "lazily": WHERE}}
"""


def write_service(root: Path, name: str, *, helpers: bool = True) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "main.py").write_text(textwrap.dedent(MAIN))
    (folder / "service.py").write_text(textwrap.dedent(SERVICE.format(name=name)))
    (folder / "lazily.py").write_text(f"WHERE = {name!r}\n")
    if helpers:
        (folder / "helpers.py").write_text(f"GREETING = 'hello from {name}'\n")
    return folder / "main.py"


def greet(app: object) -> dict[str, str]:
    response = app.handle_http(HttpRequest("GET", "/hello"))  # type: ignore[attr-defined]
    assert response.status == 200, response.body
    import json

    result: dict[str, str] = json.loads(response.body)
    return result


@pytest.fixture(autouse=True)
def restore_import_state() -> Iterator[None]:
    path, modules = list(sys.path), dict(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - set(modules):
        if name in ("service", "helpers", "lazily"):
            del sys.modules[name]


def test_two_services_named_service_load_in_one_process(tmp_path: Path) -> None:
    first = load_app(write_service(tmp_path, "alpha"))
    second = load_app(write_service(tmp_path, "beta"))

    assert (first.service.name, second.service.name) == ("alpha", "beta")
    assert first.service is not second.service
    assert greet(second) == {"service": "beta", "greeting": "hello from beta", "lazily": "beta"}
    # The first app keeps what it imported; only imports made at call time resolve in the folder
    # loaded last (documented).
    assert greet(first)["greeting"] == "hello from alpha" and greet(first)["service"] == "alpha"

    again = load_app(write_service(tmp_path, "gamma"))
    assert greet(again)["service"] == "gamma" and greet(second)["greeting"] == "hello from beta"


def test_a_service_never_sees_the_modules_beside_another(tmp_path: Path) -> None:
    load_app(write_service(tmp_path, "alpha"))
    lonely = write_service(tmp_path, "lonely", helpers=False)  # imports helpers, which it lacks
    with pytest.raises(ModuleNotFoundError, match="helpers"):
        load_app(lonely)
    assert str(tmp_path / "alpha") not in sys.path and sys.path[0] == str(tmp_path / "lonely")


def test_loading_one_file_twice_runs_it_twice_with_its_own_modules(tmp_path: Path) -> None:
    main = write_service(tmp_path, "alpha")
    local, aws = load_app(main), load_app(main, adapter="aws")
    assert (local.adapter_name, aws.adapter_name) == ("local", "aws")
    assert local is not aws and local.service is aws.service  # same folder: its modules are shared
