"""What building an App on gcp refuses, each problem with its fix."""

from __future__ import annotations

import pytest

from portside import App, Service, StartupError, queue, schedule, subscription

service = Service("checks")


@service.handler("t")
def handle() -> None:
    return None


@pytest.mark.parametrize(
    ("bindings", "problem"),
    [
        ([queue("q", "t", gcp={"region": "x"})], "unknown gcp option(s) region; known: topic"),
        ([queue("q", "t", gcp={"topic": ""})], "gcp topic= is a Pub/Sub topic name"),
        ([queue("a", "t", gcp={"topic": "shared"}), subscription("shared", "t")],
         "Pub/Sub topic 'shared' is claimed by queue('a') and subscription('shared')"),
        ([queue("push", "t"), subscription("s", "t", gcp={"subscription": "projects/p/subscriptions/push"})],
         "Pub/Sub subscription 'push' is claimed by queue('push') and subscription('s')"),
        ([schedule("nightly", "t", "0 2 * * *"), subscription("nightly", "t")],
         "feeds both schedule('nightly') and subscription('nightly')"),
    ],
    ids=["unknown-option", "empty-option", "topic-twice", "subscription-twice", "schedule-topic"],
)
def test_refused(bindings: list[object], problem: str) -> None:
    with pytest.raises(StartupError) as refused:
        App(service, bindings, adapter="gcp")  # type: ignore[arg-type]
    assert problem in str(refused.value)


def test_accepted() -> None:
    App(service, [queue("q", "t", gcp={"topic": "projects/p/topics/in"}),
                  subscription("s", "t", gcp={"subscription": "s-push"}),
                  schedule("nightly", "t", "rate(1 hour)", gcp={"topic": "ticks"})], adapter="gcp")
