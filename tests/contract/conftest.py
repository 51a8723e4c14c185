"""Which adapters the contract runs on, and one contract App + testing kit per adapter.

Every installed adapter is included (portside.adapters.available() plus the
`portside_testing_kit` hook), narrowed like users' tests by `--portside-adapter=NAME`; one that
cannot load, build the contract App or give a kit is reported as a skip naming why, which the
suite-wide conftest turns into a failure under CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest

from portside import App
from portside.testing.pytest_plugin import selected_adapters, testing_kit

from . import contract_app as contract


@dataclass(frozen=True)
class Subject:
    """One adapter under contract: the shapes its kit serves, or why it cannot be tested."""

    adapter: str
    http_shapes: Sequence[str] = ()
    message_shapes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    unavailable: str | None = None


def subjects(config: pytest.Config) -> tuple[Subject, ...]:
    return _subjects(tuple(selected_adapters(config).items()))


@cache
def _subjects(adapters: tuple[tuple[str, str | None], ...]) -> tuple[Subject, ...]:
    found = []
    for adapter, why in adapters:
        if why is not None:
            found.append(Subject(adapter, unavailable=why))
            continue
        try:
            kit = testing_kit(contract.probe_app(adapter))
        except Exception as exc:
            why = f"the contract app cannot be built on {adapter!r}: {exc}"
            found.append(Subject(adapter, unavailable=why))
            continue
        if kit is None:
            found.append(Subject(adapter, unavailable=f"adapter {adapter!r} ships no testing kit "
                                                      "(hook portside_testing_kit)"))
            continue
        found.append(Subject(adapter, tuple(kit.http_shapes()),
                             {k: tuple(v) for k, v in kit.message_shapes().items()}))
        close(kit)
    return tuple(found)


def close(kit: Any) -> None:
    closer = getattr(kit, "close", None)
    if callable(closer):
        closer()


class Kits:
    """The contract App and its kit per adapter, built on first use, closed at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._built: dict[str, tuple[App, Any]] = {}

    def get(self, adapter: str) -> tuple[App, Any]:
        if adapter not in self._built:
            subject = next(s for s in subjects(self.config) if s.adapter == adapter)
            app = contract.contract_app(adapter, subject.message_shapes)
            self._built[adapter] = (app, testing_kit(app))
        return self._built[adapter]

    def close(self) -> None:
        for _, kit in self._built.values():
            close(kit)


@pytest.fixture(scope="session")
def contract_kits(pytestconfig: pytest.Config) -> Iterator[Kits]:
    kits = Kits(pytestconfig)
    try:
        yield kits
    finally:
        kits.close()


@pytest.fixture(autouse=True)
def _fresh_observations() -> None:
    contract.SEEN.clear()
    contract.OTHER.clear()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from . import test_contract as suite

    for argnames, build in (
        (("adapter", "shape", "http_case"), suite.http_params),
        (("adapter", "shape", "message_case"), suite.message_params),
        (("adapter", "shape", "table_row"), suite.row_params),
    ):
        if argnames[-1] in metafunc.fixturenames:
            metafunc.parametrize(argnames, build(subjects(metafunc.config)))
