"""The generated FunctionApp, indexed the way the worker indexes it: all functions at once."""

from __future__ import annotations

import json
import typing
from typing import Any

import azure.functions as func
import pytest

from portside import App, StartupError, destination, event, queue, schedule, subscription
from portside_azure.functionapp import generated
from tests.azure.conftest import every_trigger, make_service
from tests.azure.worker_index import IndexError_, index, validate

EXPECTED = {
    "http": [
        {
            "direction": "IN",
            "type": "httpTrigger",
            "name": "req",
            "authLevel": "ANONYMOUS",
            "route": "{*path}",
            "methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        },
        {"direction": "OUT", "type": "http", "name": "$return"},
    ],
    "queue_inbox": [
        {
            "direction": "IN",
            "type": "queueTrigger",
            "name": "msg",
            "queueName": "inbox",
            "connection": "AzureWebJobsStorage",
        }
    ],
    "queue_parked_inbox_": None,  # renamed: its name had a '-' (checked below)
    "sbqueue_sb_inbox_": None,
    "eventhub_hub": [
        {
            "direction": "IN",
            "type": "eventHubTrigger",
            "name": "events",
            "connection": "EventHubConnection",
            "eventHubName": "hub",
            "cardinality": "MANY",
        }
    ],
    "sbtopic_orders_events_audit_": None,
    "timer_nightly": [
        {"direction": "IN", "type": "timerTrigger", "name": "timer", "schedule": "0 30 2 * * 1-5"}
    ],
    "timer_failing": [
        {"direction": "IN", "type": "timerTrigger", "name": "timer", "schedule": "0 */5 * * * *"}
    ],
    "eventgrid_storage_object_created_": None,
    "eventgrid_Custom_": None,
}


def by_prefix(functions: list[Any]) -> dict[str, Any]:
    found = {}
    for function in functions:
        name = function.get_function_name()
        key = next(k for k in EXPECTED if name == k or (k.endswith("_") and name.startswith(k)))
        found[key] = function
    return found


def bindings(function: Any) -> list[dict[str, Any]]:
    return json.loads(function.get_function_json())["bindings"]


def test_every_function_indexes_with_the_expected_bindings(app: App) -> None:
    functions = index(app.entry_point)
    assert len(functions) == len(EXPECTED)
    found = by_prefix(functions)
    assert set(found) == set(EXPECTED)
    for key, expected in EXPECTED.items():
        if expected is not None:
            actual = bindings(found[key])
            assert [sorted(b.items()) for b in actual] == [sorted(b.items()) for b in expected], key
    assert bindings(found["sbqueue_sb_inbox_"]) == [
        {
            "direction": "IN",
            "type": "serviceBusTrigger",
            "name": "msg",
            "connection": "ServiceBusConnection",
            "queueName": "sb-inbox",
            "isSessionsEnabled": True,
        }
    ]
    assert bindings(found["sbtopic_orders_events_audit_"]) == [
        {
            "direction": "IN",
            "type": "serviceBusTrigger",
            "name": "msg",
            "connection": "ServiceBusConnection",
            "topicName": "orders-events",
            "subscriptionName": "audit",
        }
    ]
    assert bindings(found["queue_parked_inbox_"])[0]["queueName"] == "parked-inbox"
    assert [b["type"] for b in bindings(found["eventgrid_Custom_"])] == ["eventGridTrigger"]
    retry = found["eventhub_hub"].get_settings_dict("retry_policy")  # what the worker reads
    assert retry["strategy"] == "fixed_delay" and retry["max_retry_count"] == "2"
    assert retry["delay_interval"] == "00:00:10"


def test_names_are_legal_unique_and_stable(app: App, service: Any) -> None:
    names = list(generated(app.entry_point))
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert name[0].isalpha() and name.replace("_", "").isalnum() and len(name) <= 127
    again = App(make_service(), every_trigger(), adapter="azure")
    assert list(generated(again.entry_point)) == names


def test_signatures_use_binding_names_and_worker_annotations(app: App) -> None:
    for _, function in generated(app.entry_point).values():
        hints = typing.get_type_hints(function)
        assert hints["context"] is func.Context
        assert "path" not in hints  # the route value is never a parameter
    event_hub = next(f for s, f in generated(app.entry_point).values() if s.kind == "eventhub")
    assert typing.get_type_hints(event_hub)["events"] == typing.List[func.EventHubEvent]  # noqa: UP006


def test_get_functions_may_run_once_per_app(app: App) -> None:
    index(app.entry_point)
    with pytest.raises(ValueError, match="unique"):
        app.entry_point.get_functions()  # why nothing in portside calls it: the worker does


def test_the_validator_rejects_what_the_worker_rejects() -> None:
    fa = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @fa.function_name("builtin_list")
    @fa.event_hub_message_trigger(
        arg_name="events", connection="C", event_hub_name="h", cardinality=func.Cardinality.MANY
    )
    def builtin_list(events: list[func.EventHubEvent]) -> None: ...

    fb = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @fb.function_name("route_param")
    @fb.route(route="items/{id}")
    def route_param(req: func.HttpRequest, id: str) -> func.HttpResponse: ...

    for app, message in ((fa, "non-type annotation"), (fb, "do not match bindings")):
        [function] = app.get_functions()
        with pytest.raises(IndexError_, match=message):
            validate(function)


@pytest.mark.parametrize("level", ["function", "admin", "anonymous", "FUNCTION"])
def test_auth_level_is_an_app_setting(level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTSIDE_AZURE_AUTH_LEVEL", level)
    app = App(make_service(), every_trigger(), adapter="azure")
    http = next(f for f in index(app.entry_point) if f.get_function_name() == "http")
    assert bindings(http)[0]["authLevel"] == level.upper()


def startup_problems(bindings: list[Any], **env: str) -> str:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with pytest.raises(StartupError) as caught:
            App(make_service(), bindings, adapter="azure")
    return str(caught.value)


def test_what_azure_cannot_honour_stops_the_startup() -> None:
    text = startup_problems(
        [
            queue("fifo", "orders.create", ordered=True),
            queue("hub", "orders.create", azure={"service": "eventhubs"}),
            queue("odd", "orders.create", azure={"service": "kafka"}),
            subscription("t", "orders.create", azure={"subscription": "no spaces allowed"}),
            schedule("weekly", "tick", "0 0 1 * 1"),
            schedule("drifting", "tick", "rate(7 minutes)"),
            event(
                "storage.object.deleted", "files.created", azure={"source": "blob", "path": "uploads/{name}"}
            ),
            queue("x", "orders.create", azure={"colour": "red"}),
        ],
        PORTSIDE_AZURE_AUTH_LEVEL="public",
        WEBSITE_TIME_ZONE="Pacific Standard Time",
    )
    for expected in (
        "a Storage queue cannot keep order",
        "Event Hubs advances its checkpoint",
        "azure service= is 'storage'",
        "azure subscription= is the Service Bus subscription's name",
        "NCRONTAB) only when both do",
        "rate(7 minutes) cannot be written as a cron",
        "a blob trigger fires on created or updated blobs only",
        "unknown azure option(s) colour",
        "PORTSIDE_AZURE_AUTH_LEVEL='public'",
        "WEBSITE_TIME_ZONE='Pacific Standard Time'",
    ):
        assert expected in text


def test_event_hubs_accepts_the_apps_dead_letter_target() -> None:
    bindings = [
        queue("hub", "orders.create", azure={"service": "eventhubs"}),
        destination("orders.created", "x"),
    ]
    app = App(make_service(), bindings, adapter="azure", dead_letter="parked")
    assert [f.get_function_name() for f in index(app.entry_point)] == ["eventhub_hub"]
