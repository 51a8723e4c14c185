from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from portside import App, Message, Service, StartupError, http, queue, schedule
from portside.bindings import event
from portside.errors import BindingError
from portside.startup import load_app


def test_binding_to_unhandled_topic_names_the_fix(service: Service) -> None:
    with pytest.raises(StartupError) as info:
        App(service, [http("POST /items", "items.craete")], adapter="local")
    message = str(info.value)
    assert "items.craete" in message and "Did you mean 'items.create'?" in message


def test_unknown_adapter_lists_available(service: Service) -> None:
    with pytest.raises(StartupError) as info:
        App(service, adapter="awz")
    assert "unknown adapter 'awz'" in str(info.value)
    assert "aws" in str(info.value) and "PORTSIDE_ADAPTER" in str(info.value)


def test_env_overrides_adapter(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTSIDE_ADAPTER", "nope")
    with pytest.raises(StartupError, match="unknown adapter 'nope'"):
        App(service, adapter="local")


def test_malformed_bindings() -> None:
    with pytest.raises(BindingError, match="METHOD /path"):
        http("/orders", "x")
    with pytest.raises(BindingError, match="rate"):
        schedule("nightly", "x", "every day")
    assert schedule("n", "x", "rate(5 minutes)").expression == "rate(5 minutes)"
    assert schedule("n", "x", "0 2 * * *").expression == "0 2 * * *"


def test_duplicate_sources_rejected(service: Service) -> None:
    with pytest.raises(StartupError, match="bound twice"):
        App(service, [queue("q", "items.create"), queue("q", "items.get")], adapter="local")


def test_event_patterns(service: Service) -> None:
    app = App(service, [event("Object Created", "items.get"), event("order.*", "raw.echo")], adapter="local")
    assert [b.name for b in app.bindings_of("event")] == ["Object Created", "order.*"]
    assert app.bindings_of("queue") == []
    assert app.event_binding("Object Created").topic == "items.get"  # type: ignore[union-attr]
    assert app.event_binding("order.placed").topic == "raw.echo"  # type: ignore[union-attr]
    assert app.event_binding("other") is None


@pytest.fixture
def third_party_adapter(tmp_path: Path) -> Path:
    """A separately 'installed' adapter package, found only through its entry point."""
    package = tmp_path / "portside_fake"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from portside.plugins import Capabilities, hookimpl

            @hookimpl
            def portside_capabilities():
                return Capabilities(binding_kinds=frozenset({"http"}))

            @hookimpl
            def portside_entry_point(app):
                def handler(topic, body):
                    return app.dispatch(__import__("portside").Message(topic, body)).status.value
                return handler
            """
        )
    )
    dist = tmp_path / "portside_fake-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: portside-fake\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[portside.adapters]\nfake = portside_fake\n")
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("portside_fake", None)


def test_third_party_adapter_via_entry_point(service: Service, third_party_adapter: Path) -> None:
    app = App(service, [http("POST /items", "items.create")], adapter="fake")
    assert app.entry_point("items.get", {"name": "a", "qty": 1}) == "ok"
    with pytest.raises(StartupError, match="cannot honour queue binding 'q'"):
        App(service, [queue("q", "items.create")], adapter="fake")


def test_adapter_is_imported_only_when_selected(service: Service) -> None:
    import subprocess

    code = (
        "import sys; from portside import App, Service; "
        "App(Service('s'), adapter='local'); "
        "print(sorted(m for m in sys.modules if m.startswith(('portside_aws', 'boto', 'azure', "
        "'google', 'logging', 'asyncio'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_load_app_requires_an_app(tmp_path: Path) -> None:
    main = tmp_path / "main.py"
    main.write_text("x = 1\n")
    with pytest.raises(StartupError, match="defines no App named 'app'"):
        load_app(main)
    with pytest.raises(StartupError, match="no startup file"):
        load_app(tmp_path / "missing.py")


def test_load_app_overrides_adapter_for_one_import(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "from portside import App, Service\napp = App(Service('s'), adapter='local')\n"
    )
    assert load_app(tmp_path / "main.py", adapter="aws").adapter_name == "aws"
    assert load_app(tmp_path / "main.py").adapter_name == "local"
    assert Message("t").transport == "direct"
