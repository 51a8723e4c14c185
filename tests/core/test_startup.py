from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from portside import (
    OBJECT_CREATED,
    App,
    Message,
    Next,
    Result,
    Service,
    StartupError,
    Status,
    TransportKind,
    destination,
    event,
    http,
    queue,
    schedule,
    subscription,
)
from portside.errors import BindingError
from portside.startup import load_app
from tests.core.conftest import ITEMS_EVENTS


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
        App(service, [queue("q", "items.create"), queue("q", "items.get"), ITEMS_EVENTS], adapter="local")


def test_event_patterns(service: Service) -> None:
    app = App(service, [event("Object Created", "items.get"), event("order.*", "raw.echo"),
                        event(OBJECT_CREATED, "nothing"), ITEMS_EVENTS], adapter="local")
    assert [b.name for b in app.bindings.of_kind("event")] == ["Object Created", "order.*", OBJECT_CREATED]
    assert app.bindings.of_kind(TransportKind.QUEUE) == []
    assert app.bindings.event("Object Created").topic == "items.get"  # type: ignore[union-attr]
    assert app.bindings.event("order.placed").topic == "raw.echo"  # type: ignore[union-attr]
    assert app.bindings.event(OBJECT_CREATED).topic == "nothing"  # type: ignore[union-attr]
    assert app.bindings.event("other") is None


def test_binding_table_lookups_and_adapter_options(service: Service) -> None:
    app = App(service, [
        queue("in", "items.create", dead_letter="items-dlq", aws={"source": "kinesis"},
              azure={"service": "sb"}),
        subscription("news", "raw.echo"), schedule("nightly", "nothing", "rate(1 day)"), ITEMS_EVENTS,
    ], adapter="local")
    table = app.bindings
    assert len(table) == 4 and [b.kind for b in table] == ["queue", "subscription", "schedule", "destination"]
    inbox = table.queue("in")
    assert inbox is not None and inbox.dead_letter == "items-dlq"
    assert inbox.options_for("aws") == {"source": "kinesis"} and inbox.options_for("gcp") == {}
    assert table.subscription("news").topic == "raw.echo"  # type: ignore[union-attr]
    assert table.schedule("nightly").expression == "rate(1 day)"  # type: ignore[union-attr]
    assert table.destination("items.created") is ITEMS_EVENTS
    assert app.destination("items.created") == "items-events" and app.destination("x") is None
    assert table.queue("news") is None and table.subscription("in") is None
    with pytest.raises(BindingError, match="must be a dict"):
        queue("in", "items.create", aws="kinesis")  # type: ignore[arg-type]


def test_one_destination_per_topic(service: Service) -> None:
    with pytest.raises(StartupError, match="two destinations"):
        App(service, [ITEMS_EVENTS, destination("items.created", "other")], adapter="local")


@pytest.fixture
def third_party_adapter(tmp_path: Path) -> Path:
    """A separately 'installed' adapter package, found only through its entry point."""
    package = tmp_path / "portside_fake"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from portside.kit import Capabilities, hookimpl

            @hookimpl
            def portside_capabilities():
                return Capabilities(binding_kinds=frozenset({"http", "destination"}))

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
    app = App(service, [http("POST /items", "items.create"), ITEMS_EVENTS], adapter="fake")
    assert app.entry_point("items.get", {"name": "a", "qty": 1}) == "ok"
    with pytest.raises(StartupError, match="cannot honour queue binding 'q'"):
        App(service, [queue("q", "items.create")], adapter="fake")


def test_adapter_is_imported_only_when_selected(service: Service) -> None:
    import subprocess

    # Compared with what the interpreter itself loaded (site .pth files may create namespace
    # packages such as `google` before any import runs).
    code = (
        "import sys; before = set(sys.modules); from portside import App, Service; "
        "App(Service('s'), adapter='local'); "
        "print(sorted(m for m in set(sys.modules) - before if m.startswith(('portside_aws', "
        "'portside_azure', 'portside_gcp', 'boto', 'azure', 'google', 'logging', 'asyncio'))))"
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


def test_an_app_serves_the_service_as_it_was_built() -> None:
    # The dispatcher is built on first use; what was added to the Service after the App was
    # built (and so never checked) still changes nothing.
    service = Service("s")

    @service.handler("t.known")
    def known(message: Message) -> dict[str, str]:
        return {"topic": message.topic}

    app = App(service, adapter="local")
    seen: list[str] = []

    @service.handler("t.late", publishes=["t.nowhere"])
    def late(message: Message) -> None:
        return None

    @service.use
    def spy(message: Message, call_next: Next) -> Result[Any]:
        seen.append(message.topic)
        return call_next(message)

    assert app.dispatch(Message("t.known")).payload == {"topic": "t.known"}
    unknown = app.dispatch(Message("t.late"))
    assert unknown.status is Status.NOT_FOUND
    assert unknown.errors[0].code == "unknown_topic" and "handled topics: t.known" in unknown.errors[0].message
    assert seen == []
