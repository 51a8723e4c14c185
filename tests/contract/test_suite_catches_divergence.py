"""The contract catches a divergent adapter: its checks, run against deliberately broken kits.

Each broken kit changes one native answer the way a faulty adapter would (an SQS batch that
forgets to report a retried record, a push endpoint that acknowledges a retry, a stream that
names only the failed record, a 405 without Allow); the same case functions the suite runs
must then fail, and their message must name the adapter, the shape and the case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from portside import HttpRequest, HttpResponse
from portside.local.testing_kit import LocalTestingKit
from portside_aws.testing_kit import AwsTestingKit

from . import cases
from . import contract_app as contract
from .cases import HttpTarget, MessageTarget
from .test_contract import named


class SqsForgetsRetries(AwsTestingKit):
    """An adapter that maps retry to acknowledged: it reports no batch item failures."""

    def invoke(self, event: Any) -> Any:
        answer = super().invoke(event)
        if isinstance(answer, dict) and "batchItemFailures" in answer:
            return {"batchItemFailures": []}
        return answer


class StreamNamesOnlyTheFailure(AwsTestingKit):
    """An ordered source whose adapter names only the failed record, not the ones held back."""

    def invoke(self, event: Any) -> Any:
        answer = super().invoke(event)
        if isinstance(answer, dict) and answer.get("batchItemFailures"):
            return {"batchItemFailures": answer["batchItemFailures"][:1]}
        return answer


class SnsSwallowsRetries(AwsTestingKit):
    """A pushed source whose adapter returns instead of raising, so Lambda never retries."""

    def invoke(self, event: Any) -> Any:
        answer = super().invoke(event)
        return None if isinstance(answer, Exception) else answer


class AlbDropsAllow(AwsTestingKit):
    """An HTTP shape that loses the Allow header of a 405."""

    def http(self, shape: str, request: HttpRequest) -> HttpResponse:
        response = super().http(shape, request)
        response.headers.pop("allow", None)
        return response


class PushAcknowledgesEverything(LocalTestingKit):
    """A push endpoint answering 200 whatever the settlement (a retry is then lost)."""

    def _over_socket(self, request: HttpRequest) -> HttpResponse:
        response = super()._over_socket(request)
        if request.path.startswith("/_portside/messages/"):
            response.status = 200
        return response


@pytest.fixture
def build() -> Iterator[Callable[[type, str], tuple[Any, Any]]]:
    made: list[Any] = []

    def make(kit_class: type, adapter: str) -> tuple[Any, Any]:
        shapes = (
            {"queue": ("delivery",)} if adapter == "local"
            else {"queue": ("sqs", "kinesis"), "subscription": ("sns",)}
        )
        app = contract.contract_app(adapter, shapes)
        kit = kit_class(app)
        made.append(kit)
        return app, kit

    yield make
    for kit in made:
        getattr(kit, "close", lambda: None)()


def fails(adapter: str, shape: str, case: Callable[[Any], None], target: Any, *expected: str) -> str:
    """Run `case` as the suite does; it must fail, naming adapter, shape and case."""
    with pytest.raises(AssertionError) as caught:
        named(adapter, shape, case.__name__, lambda: case(target))
    text = str(caught.value)
    assert text.startswith(f"[{adapter} / {shape} / {case.__name__}]"), text
    for part in expected:
        assert part in text, text
    return text


def test_an_sqs_adapter_mapping_retry_to_acknowledged_fails(build: Any) -> None:
    app, kit = build(SqsForgetsRetries, "aws")
    fails("aws", "sqs", cases.retry, MessageTarget("aws", "sqs", "queue", kit, app), "acknowledged", "retried")


def test_the_unbroken_kit_passes_the_same_case(build: Any) -> None:
    app, kit = build(AwsTestingKit, "aws")
    named("aws", "sqs", "retry", lambda: cases.retry(MessageTarget("aws", "sqs", "queue", kit, app)))


def test_a_partial_batch_reported_as_all_done_fails(build: Any) -> None:
    app, kit = build(SqsForgetsRetries, "aws")
    fails("aws", "sqs", cases.partial_batch, MessageTarget("aws", "sqs", "queue", kit, app), "states")


def test_a_stream_that_names_only_the_failed_record_fails(build: Any) -> None:
    """Lambda resumes a shard from the lowest record named, so the kit reads the same states;
    the native answer no longer matches the table's (every held-back record named)."""
    app, kit = build(StreamNamesOnlyTheFailure, "aws")
    fails("aws", "kinesis", cases.partial_batch, MessageTarget("aws", "kinesis", "queue", kit, app),
          "batchItemFailures should name")


def test_a_pushed_source_that_swallows_a_retry_fails(build: Any) -> None:
    app, kit = build(SnsSwallowsRetries, "aws")
    fails("aws", "sns", cases.crash_retried, MessageTarget("aws", "sns", "subscription", kit, app), "states")


def test_a_405_without_allow_fails(build: Any) -> None:
    _, kit = build(AlbDropsAllow, "aws")
    fails("aws", "alb", cases.method_not_allowed, HttpTarget("aws", "alb", kit), "allow")


def test_a_push_endpoint_acknowledging_a_retry_fails(build: Any) -> None:
    app, kit = build(PushAcknowledgesEverything, "local")
    fails("local", "delivery", cases.retry, MessageTarget("local", "delivery", "queue", kit, app), "states")
