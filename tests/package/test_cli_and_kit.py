"""The `portside package` command's own behaviour (arguments, errors, every cloud installed) and
the kit's shared packaging helpers (options, states from the outcome table, the YAML writer)."""

from __future__ import annotations

import doctest
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import portside.kit.packaging
from portside import DROP, HAND_BACK, App, Service, State, queue
from portside.kit import PackageError, packaging
from tests.package.conftest import ORDERS, Run, write_service

Portside = Callable[..., Run]


@pytest.mark.parametrize("cloud", ["aws", "azure", "gcp"])
def test_every_cloud_packages_the_orders_example(portside: Portside, tmp_path: Path, cloud: str) -> None:
    run = portside("package", ORDERS, "--cloud", cloud, "--out", tmp_path / cloud)

    assert run.code == 0, run.err
    first, *_, last = run.out.splitlines()
    assert first.startswith(f"wrote {tmp_path / cloud}: ")
    assert last.startswith(f"next: cd {tmp_path / cloud} && ")
    assert len(run.lines) >= 4
    assert (tmp_path / cloud / packaging.MARKER).is_file()


def test_the_console_script_runs_the_command(tmp_path: Path) -> None:
    portside_script = Path(sys.executable).with_name("portside")
    done = subprocess.run([str(portside_script), "package", str(ORDERS), "--cloud", "aws", "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "template.yaml").is_file()
    assert done.stdout.splitlines()[-1].startswith("next: cd ")


@pytest.mark.parametrize(("argv", "says"), [
    (["--cloud", "aws"], "the following arguments are required: --out"),
    (["--cloud", "local", "--out", "x"], "argument --cloud: invalid choice: 'local'"),
])
def test_argument_errors(portside: Portside, argv: list[str], says: str) -> None:
    run = portside("package", ORDERS, *argv)

    assert run.code == 2
    assert says in run.err


def test_a_missing_startup_file_is_one_line(portside: Portside, tmp_path: Path) -> None:
    run = portside("package", tmp_path / "nope.py", "--cloud", "aws", "--out", tmp_path / "out")

    assert (run.code, run.out) == (2, "")
    assert run.err == f"portside: no startup file at {tmp_path / 'nope.py'}; pass the path of your main.py\n"


def test_what_the_adapter_refuses_at_startup_is_one_line(portside: Portside, tmp_path: Path) -> None:
    main = write_service(tmp_path / "svc", "queue('clicks', 't.run', aws={'source': 'kinesis'})")
    run = portside("package", main, "--cloud", "aws", "--out", tmp_path / "out")

    assert run.code == 2 and run.err.count("\n") == 1
    assert "reads a kinesis stream" in run.err and "dead_letter=" in run.err
    assert not (tmp_path / "out").exists()


def test_an_option_given_twice_is_refused(portside: Portside, tmp_path: Path) -> None:
    run = portside("package", ORDERS, "--cloud", "aws", "--out", tmp_path / "out",
                   "--option", "memory=256", "--option", "memory=512")

    assert run.code == 2
    assert run.err == "portside: --option memory is given twice; give each option once\n"


def test_a_startup_file_without_an_entry_point_is_told_what_to_add(portside: Portside, tmp_path: Path) -> None:
    main = write_service(tmp_path / "svc", "queue('jobs', 't.run')")
    main.write_text(main.read_text().replace("handler = app.entry_point\n", ""))
    run = portside("package", main, "--cloud", "aws", "--out", tmp_path / "out")

    assert run.code == 2
    assert run.err == "portside: main.py does not expose the entry point the platform calls; add " \
                      "`handler = app.entry_point` to it\n"


def test_a_startup_file_not_named_main_gets_a_main_py_on_gcp(portside: Portside, tmp_path: Path) -> None:
    main = write_service(tmp_path / "svc", "queue('jobs', 't.run')")
    startup = main.rename(main.with_name("startup.py"))
    run = portside("package", startup, "--cloud", "gcp", "--out", tmp_path / "out")

    assert run.code == 0, run.err
    assert (tmp_path / "out" / "source" / "main.py").read_text().startswith("from startup import handler")
    aws = portside("package", startup, "--cloud", "aws", "--out", tmp_path / "aws")
    assert "Handler: startup.handler" in (tmp_path / "aws" / "template.yaml").read_text(), aws.err


# ---------------------------------------------------------------------------- portside.kit.packaging
def test_the_kits_docstring_examples() -> None:
    outcome = doctest.testmod(portside.kit.packaging, optionflags=doctest.ELLIPSIS)
    assert outcome.attempted > 0 and outcome.failed == 0


def _app(dead_letter: str | None) -> App:
    service = Service("s")

    @service.handler("t")
    def handle(body: Any) -> None:
        return None

    return App(service, [queue("q", "t", dead_letter=dead_letter)], adapter="local")


@pytest.mark.parametrize(("dead_letter", "states"), [
    (None, {State.ACKNOWLEDGED, State.RETRIED, State.HANDED_BACK}),
    (HAND_BACK, {State.ACKNOWLEDGED, State.RETRIED, State.HANDED_BACK}),
    (DROP, {State.ACKNOWLEDGED, State.RETRIED}),
    ("parked", {State.ACKNOWLEDGED, State.RETRIED, State.DEAD_LETTERED, State.HANDED_BACK}),
])
def test_possible_states_follow_the_outcome_table_and_the_dead_letter_choice(
    dead_letter: str | None, states: set[State]
) -> None:
    app = _app(dead_letter)
    binding = app.bindings.queue("q")

    assert packaging.possible_states(app, binding) == states
    assert packaging.gives_back(app, binding)  # retries always exist in the outcome table
    assert packaging.dead_letter_target(app, binding) == ("parked" if dead_letter == "parked" else None)
    assert [t.name for t in packaging.publish_targets(app)] == (["parked"] if dead_letter == "parked" else [])


def test_options_are_checked() -> None:
    options = packaging.Options({"n": "7", "names": "a, b,,c"}, {"n": "a number", "names": "a list"})
    assert options.integer("n", 1, 1, 10) == 7 and options.names("names") == ["a", "b", "c"]
    with pytest.raises(PackageError, match=r"--option n=7: use a whole number from 1 to 5"):
        options.integer("n", 1, 1, 5)


_scalars = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none())
_keys = st.text(min_size=1, max_size=12)
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20,
)


@given(st.dictionaries(_keys, _documents, min_size=1, max_size=4))
def test_to_yaml_reads_back_as_written(document: dict[str, Any]) -> None:
    assert yaml.safe_load(packaging.to_yaml(document)) == document
