from __future__ import annotations

import pytest

from portside import (
    OUTCOMES,
    App,
    Delivery,
    Error,
    InMemoryPublisher,
    Message,
    Result,
    Service,
    State,
    Status,
    outcome,
)


def test_every_status_has_an_outcome() -> None:
    assert set(OUTCOMES) == set(Status)


@pytest.mark.parametrize(
    ("status", "http_status", "delivery"),
    [
        (Status.OK, 200, Delivery.ACK),
        (Status.CREATED, 201, Delivery.ACK),
        (Status.NO_CONTENT, 204, Delivery.ACK),
        (Status.INVALID, 400, Delivery.DEAD_LETTER),
        (Status.NOT_FOUND, 404, Delivery.DEAD_LETTER),
        (Status.METHOD_NOT_ALLOWED, 405, Delivery.DEAD_LETTER),
        (Status.TOO_LARGE, 413, Delivery.DEAD_LETTER),
        (Status.RETRY_LATER, 503, Delivery.RETRY),
        (Status.ERROR, 500, Delivery.RETRY),
    ],
)
def test_outcome_table(status: Status, http_status: int, delivery: Delivery) -> None:
    row = outcome(status)
    assert (row.http_status, row.delivery) == (http_status, delivery)


def test_constructors_build_structured_errors() -> None:
    result = Result.invalid([("too_small", "qty must be positive", "qty"), "plain text"])
    assert result.status is Status.INVALID
    assert result.errors == (
        Error("too_small", "qty must be positive", "qty"),
        Error("invalid", "plain text"),
    )
    assert Result.retry("busy", after=5).retry_after == 5
    assert Result.created({"id": 1}).is_success
    assert not Result.conflict().is_success
    assert Result.not_found("gone").errors[0].to_dict() == {"code": "not_found", "message": "gone"}


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_every_status_settles_as_its_delivery_says(status: Status) -> None:
    """The outcome table's delivery decides the settlement; where poison goes decides the rest."""
    svc = Service("s")

    @svc.handler("t")
    def handler(message: Message) -> Result[None]:
        failed = not Result(status).is_success
        return Result(status, None, (Error(status.value, "as asked"),) if failed else ())

    app = App(svc, adapter="local", publisher=InMemoryPublisher())
    kept, handed = app.deliver(Message("t"), dead_letter="dlq"), app.deliver(Message("t"))
    expected = {
        Delivery.ACK: (State.ACKNOWLEDGED, State.ACKNOWLEDGED),
        Delivery.RETRY: (State.RETRIED, State.RETRIED),
        Delivery.DEAD_LETTER: (State.DEAD_LETTERED, State.HANDED_BACK),
    }[outcome(status).delivery]
    assert (kept.state, handed.state) == expected
    assert kept.result.status is handed.result.status is status
