"""The aws testing kit builds the same events with or without ../shared's real samples.

The contract suite uses the samples when they are present (a fresh clone has none); here every
aws case runs on the built-in templates too, and the samples, when present, are shown to be the
templates actually used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from portside_aws.testing_kit import HTTP_SHAPES, MESSAGE_SHAPES, AwsTestingKit, rest_event
from tests import samples

from . import contract_app as contract
from .cases import HTTP_CASES, MESSAGE_CASES, HttpTarget, MessageCase, MessageTarget
from .native_answers import message_row
from .test_contract import KNOWN, named


@pytest.fixture(scope="module")
def builtin() -> Iterator[tuple[Any, AwsTestingKit]]:
    app = contract.contract_app("aws", MESSAGE_SHAPES)
    yield app, AwsTestingKit(app, samples=None)


def _marks(shape: str, case: str) -> list[Any]:
    defect = KNOWN.get(("aws", shape, case))
    return [pytest.mark.xfail(reason=defect, strict=True)] if defect else []


HTTP = [
    pytest.param(shape, case, id=f"{shape}-{case.__name__}") for shape in HTTP_SHAPES for case in HTTP_CASES
]
MESSAGES = [
    pytest.param(shape, kind, case, id=f"{shape}-{case.name}", marks=_marks(shape, case.name))
    for kind, shapes in MESSAGE_SHAPES.items() for shape in shapes for case in MESSAGE_CASES
    if case.applies(message_row("aws", shape), kind)
]


@pytest.mark.parametrize(("shape", "case"), HTTP)
def test_http_on_builtin_templates(shape: str, case: Callable[[HttpTarget], None], builtin: Any) -> None:
    _, kit = builtin
    named("aws", shape, case.__name__, lambda: case(HttpTarget("aws", shape, kit)))


@pytest.mark.parametrize(("shape", "kind", "case"), MESSAGES)
def test_messages_on_builtin_templates(shape: str, kind: str, case: MessageCase, builtin: Any) -> None:
    app, kit = builtin
    named("aws", shape, case.name, lambda: case.run(MessageTarget("aws", shape, kind, kit, app)))


def test_builtin_templates_need_no_samples(builtin: Any) -> None:
    _, kit = builtin
    assert kit.templates.folder is None
    assert kit.templates.merge("apigw_rest", {"path": "/x"}) == {"path": "/x"}


def test_samples_are_the_templates_when_present() -> None:
    samples.require()
    app = contract.contract_app("aws", {})
    kit = AwsTestingKit(app)
    assert kit.templates.folder == samples.EVENTS / "aws" / "powertools"
    from portside import HttpRequest

    event = kit.templates.merge("apigw_rest", rest_event(HttpRequest("GET", "/items/1")))
    sample = samples.load("aws/powertools/apiGatewayProxyEvent.json")
    assert event["requestContext"]["extendedRequestId"] == sample["requestContext"]["extendedRequestId"]
    assert event["path"] == "/items/1" and "authorizer" not in event["requestContext"]
