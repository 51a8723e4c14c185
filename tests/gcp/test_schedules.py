"""Cloud Scheduler: neutral schedules become unix-cron or stop the startup; ticks arrive as the
neutral `{"time", "rule"}` body by Pub/Sub (attribute or topic) and by HTTP jobs."""

from __future__ import annotations

import base64
import json
from types import ModuleType
from typing import Any

import pytest

from portside import App, Service, StartupError, schedule
from portside.kit.cloudevents import CloudEvent, to_binary
from portside_gcp.schedules import ScheduleError, gcloud_command, to_unix_cron


@pytest.mark.parametrize(
    ("expression", "cron"),
    [("rate(1 minute)", "* * * * *"), ("rate(15 minutes)", "*/15 * * * *"), ("rate(1 hour)", "0 * * * *"),
     ("rate(6 hours)", "0 */6 * * *"), ("rate(1 day)", "0 0 * * *"), ("0 2 * * *", "0 2 * * *"),
     ("30 9 * * MON-FRI", "30 9 * * MON-FRI"), ("cron(0 12 ? * MON *)", "0 12 * * MON")],
)
def test_expressible_schedules(expression: str, cron: str) -> None:
    assert to_unix_cron(expression) == cron


@pytest.mark.parametrize("expression", ["rate(7 minutes)", "rate(5 hours)", "rate(2 days)", "rate(90 minutes)"])
def test_drifting_rates_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError, match="Cloud Scheduler cannot run"):
        to_unix_cron(expression)


def test_the_app_refuses_at_startup() -> None:
    service = Service("s")

    @service.handler("t")
    def t() -> None:
        return None

    refused = r"schedule\('every-7'\).*Cloud Scheduler cannot run 'rate\(7 minutes\)'"
    with pytest.raises(StartupError, match=refused):
        App(service, [schedule("every-7", "t", "rate(7 minutes)")], adapter="gcp")
    App(service, [schedule("ok", "t", "rate(5 minutes)")], adapter="gcp")


def test_the_gcloud_command() -> None:
    assert gcloud_command("nightly", "0 2 * * *", "nightly") == (
        "gcloud scheduler jobs create pubsub nightly --schedule='0 2 * * *' --time-zone=Etc/UTC "
        "--topic=nightly --message-body='{}' --attributes=portside-schedule=nightly"
    )


def push(kit: Any, attributes: dict[str, str], path: str = "/") -> Any:
    body = json.dumps({"message": {"data": base64.b64encode(b"{}").decode(), "messageId": "s-1",
                                   "publishTime": "2024-05-01T02:00:00.123Z", "attributes": attributes},
                       "subscription": "projects/p/subscriptions/nightly-push"}).encode()
    return kit.send("POST", path, {"content-type": "application/json"}, body)


def test_a_pubsub_tick_by_attribute(kit: Any, main: ModuleType) -> None:
    assert push(kit, {"portside-schedule": "nightly"}).status == 200
    [seen] = main.SEEN
    assert seen["topic"] == "ticks" and seen["transport"] == "gcp:scheduler"
    assert seen["body"] == {"time": "2024-05-01T02:00:00.123Z", "rule": "nightly"}


def test_a_pubsub_tick_by_the_schedules_topic(kit: Any, main: ModuleType) -> None:
    assert push(kit, {}, "/projects/p/topics/nightly").status == 200  # a push URL naming the topic
    assert main.SEEN[0]["body"]["rule"] == "nightly"


def test_a_tick_naming_an_unknown_schedule_is_handed_back(kit: Any, main: ModuleType) -> None:
    answer = push(kit, {"portside-schedule": "weekly"})
    assert answer.status == 500 and "schedule('weekly'" in answer.body.decode()
    assert main.SEEN == []


def test_an_http_job(kit: Any, main: ModuleType) -> None:
    headers = {"x-cloudscheduler": "true", "x-cloudscheduler-jobname": "nightly",
               "x-cloudscheduler-scheduletime": "2024-05-01T02:00:00Z"}
    assert kit.send("POST", "/", headers, b"").status == 200
    assert main.SEEN[0]["body"] == {"time": "2024-05-01T02:00:00Z", "rule": "nightly"}


def test_a_scheduler_cloudevent(kit: Any, main: ModuleType) -> None:
    source = "//cloudscheduler.googleapis.com/projects/p/locations/us-central1/jobs/nightly"
    headers, body = to_binary(CloudEvent("google.cloud.scheduler.job.v1.executed", source, {"customData": ""},
                                         id="j-1", time="2024-05-01T02:00:00Z"))
    assert kit.send("POST", "/", headers, body).status == 200
    assert main.SEEN[0]["body"] == {"time": "2024-05-01T02:00:00Z", "rule": "nightly"}


def test_a_scheduler_job_on_a_bound_route_is_that_route(kit: Any, main: ModuleType) -> None:
    headers = {"x-cloudscheduler-jobname": "nightly", "content-type": "application/json"}
    assert kit.send("POST", "/orders", headers, b'{"id": "s", "qty": 1}').status == 201
    assert main.SEEN[0]["topic"] == "orders.create"
