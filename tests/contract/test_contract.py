"""One contract, every adapter: each case runs on every native shape of every installed adapter.

Test ids name the adapter, the native shape (and binding kind when a shape serves several) and
the case, e.g. `aws-sqs_fifo-partial_batch`; a failure message starts with the same triple.
A case that fails because of a known defect of an adapter or the core is listed in KNOWN with
the defect: it is expected to fail (strictly: once fixed, the entry must go).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from .cases import HTTP_CASES, MESSAGE_CASES, HttpTarget, MessageCase, MessageTarget
from .conftest import Kits, Subject
from .native_answers import http_row, message_row

_GCP_STRUCTURED = (
    "gcp cloudevent_structured: structured mode carries the data as a JSON value inside the envelope, "
    "not the sender's bytes, so the dead-lettered body is that value re-encoded (equal as JSON, not as "
    "bytes); limits are applied to it"
)
# (adapter, shape or "shape/kind", case) -> the defect that makes it fail; reported, not fixed here.
KNOWN: dict[tuple[str, str, str], str] = {
    ("gcp", "cloudevent_structured/event", "too_large_kept"): _GCP_STRUCTURED,
}


def _marks(adapter: str, shape: str, case: str, kind: str = "") -> list[Any]:
    defect = KNOWN.get((adapter, shape, case)) or KNOWN.get((adapter, f"{shape}/{kind}", case))
    return [pytest.mark.xfail(reason=defect, strict=True)] if defect else []


def _unavailable(why: str, adapter: str) -> Any:
    return pytest.param(adapter, None, None, id=f"{adapter}-unavailable", marks=pytest.mark.skip(reason=why))



def _has_row(find: Callable[[str, str], Any], adapter: str, shape: str) -> bool:
    try:
        find(adapter, shape)
    except LookupError:
        return False
    return True


def row_params(subjects: Sequence[Subject]) -> list[Any]:
    """Every native shape of every kit, for the check that the table has its row."""
    params = []
    for subject in subjects:
        if subject.unavailable:
            continue
        shapes = [("http", s) for s in subject.http_shapes]
        shapes += sorted({("messages", s) for names in subject.message_shapes.values() for s in names})
        params += [pytest.param(subject.adapter, shape, kind, id=f"{subject.adapter}-{shape}")
                   for kind, shape in shapes]
    return params


def http_params(subjects: Sequence[Subject]) -> list[Any]:
    params = []
    for subject in subjects:
        if subject.unavailable:
            params.append(_unavailable(subject.unavailable, subject.adapter))
            continue
        for shape in subject.http_shapes:
            if not _has_row(http_row, subject.adapter, shape):
                continue  # test_every_shape_has_a_row fails for it
            for case in HTTP_CASES:
                name = case.__name__
                params.append(pytest.param(subject.adapter, shape, case, id=f"{subject.adapter}-{shape}-{name}",
                                           marks=_marks(subject.adapter, shape, name)))
    return params


def message_params(subjects: Sequence[Subject]) -> list[Any]:
    params = []
    for subject in subjects:
        if subject.unavailable:
            params.append(_unavailable(subject.unavailable, subject.adapter))
            continue
        kinds_of: dict[str, list[str]] = {}
        for kind, shapes in subject.message_shapes.items():
            for shape in shapes:
                kinds_of.setdefault(shape, []).append(kind)
        for shape, kinds in kinds_of.items():
            if not _has_row(message_row, subject.adapter, shape):
                continue  # test_every_shape_has_a_row fails for it
            row = message_row(subject.adapter, shape)
            for kind in kinds:
                label = f"{subject.adapter}-{shape}" + (f"-{kind}" if len(kinds) > 1 else "")
                for case in MESSAGE_CASES:
                    if case.applies(row, kind):
                        params.append(pytest.param(
                            subject.adapter, (shape, kind), case, id=f"{label}-{case.name}",
                            marks=_marks(subject.adapter, shape, case.name, kind)))
    return params


def named(adapter: str, shape: str, case: str, run: Callable[[], None]) -> None:
    """Run a case; its failure names the adapter, the native shape and the case."""
    try:
        run()
    except AssertionError as exc:
        raise AssertionError(f"[{adapter} / {shape} / {case}] {exc}") from exc


def test_every_shape_has_a_row(adapter: str, shape: str, table_row: str) -> None:
    """Each native shape documents its native answers in native_answers.py (the README's table)."""
    (http_row if table_row == "http" else message_row)(adapter, shape)


def test_http(adapter: str, shape: str, http_case: Callable[[HttpTarget], None], contract_kits: Kits) -> None:
    _, kit = contract_kits.get(adapter)
    named(adapter, shape, http_case.__name__, lambda: http_case(HttpTarget(adapter, shape, kit)))


def test_messages(adapter: str, shape: tuple[str, str], message_case: MessageCase, contract_kits: Kits) -> None:
    app, kit = contract_kits.get(adapter)
    name, kind = shape
    target = MessageTarget(adapter, name, kind, kit, app)
    named(adapter, name, message_case.name, lambda: message_case.run(target))
