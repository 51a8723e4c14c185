"""Every message trigger, with `func.*` objects built by azure-functions' own converters from
the payload and trigger metadata the host sends; outcomes read from what the function does
(return, or raise so the host redelivers)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from portside import App, State
from portside.kit import ERROR_HEADER, Outgoing
from portside_azure.errors import RedeliveryRequested, ScheduleFailed
from portside_azure.testing_kit import AzureTestingKit, build, storage_queue_message

JSON = {"content-type": "application/json"}


@pytest.fixture
def kit(app: App) -> AzureTestingKit:
    return AzureTestingKit(app)


def seen(app: App) -> list[tuple[str, Any]]:
    return app.service.seen  # type: ignore[attr-defined, no-any-return]


def test_storage_queue_outcomes(app: App, kit: AzureTestingKit) -> None:
    inbox = app.bindings.queue("inbox")
    delivered = kit.deliver(
        "storage_queue",
        inbox,
        [
            Outgoing(b'{"sku": "A1", "qty": 2}'),
            Outgoing(b'{"sku": 5}'),  # invalid, no dead-letter target: handed back
            Outgoing(b'{"sku": "retry"}'),  # transient: retried
            Outgoing(b'{"sku": "boom"}'),  # the handler raised: retried
        ],
    )
    assert delivered.states == [State.ACKNOWLEDGED, State.HANDED_BACK, State.RETRIED, State.RETRIED]
    assert delivered.native[0] is None
    assert all(isinstance(n, RedeliveryRequested) for n in delivered.native[1:])
    assert "handed_back" in str(delivered.native[1]) and "sku" not in str(delivered.native[1]).split("(")[0]
    assert [m.topic for m, _ in delivered.published] == ["orders.created"]
    assert seen(app) == [("orders.create", {"sku": "A1", "qty": 2})]


def test_storage_queue_dead_letters_to_the_bindings_target(app: App, kit: AzureTestingKit) -> None:
    delivered = kit.deliver("storage_queue", app.bindings.queue("parked-inbox"), [Outgoing(b"not json at all")])
    assert delivered.states == [State.DEAD_LETTERED] and delivered.native is None
    [(parked, target)] = delivered.dead_lettered
    assert target == "orders-poison" and parked.data == b"not json at all"
    assert parked.headers[ERROR_HEADER].startswith("invalid: malformed_json")


def test_storage_queue_metadata_and_envelope(app: App) -> None:
    outgoing = Outgoing(b'{"sku": "A1"}', {"x-correlation-id": "corr-7", "x-tenant": "t1"}, attempt=3)
    native = storage_queue_message(outgoing)
    assert native.dequeue_count == 3 and native.pop_receipt and native.insertion_time is not None
    [message] = app.translate(("queue_inbox", native))
    assert message.correlation_id == "corr-7" and message.attempt == 3 and message.id == outgoing.id
    assert message.body == {"sku": "A1"} and message.headers["xtenant"] == "t1"
    plain = storage_queue_message(Outgoing(b'{"sku": "B"}', id="m-1", attempt=1))
    [message] = app.translate(("queue_inbox", plain))
    assert message.correlation_id == "m-1" and message.transport == "azure.storage_queue"


def test_service_bus_properties_correlation_and_sessions(app: App, kit: AzureTestingKit) -> None:
    outgoing = Outgoing(
        b'{"sku": "S1"}',
        {"content-type": "application/json", "x-correlation-id": "c-9", "tenant": "t2"},
        attempt=4,
        group="session-1",
    )
    native = build("servicebus_queue", None, outgoing)
    assert native.session_id == "session-1" and native.delivery_count == 4
    [message] = (
        app.translate(("sbqueue_sb_inbox_3e2f0e9c", native))
        if False
        else app.translate((next(n for n in _names(app) if n.startswith("sbqueue")), native))
    )
    assert message.correlation_id == "c-9" and message.attempt == 4 and message.headers["tenant"] == "t2"
    delivered = kit.deliver("servicebus_queue", app.bindings.queue("sb-inbox"), [outgoing])
    assert delivered.states == [State.ACKNOWLEDGED]


def test_service_bus_topic_dispatches_by_the_messages_own_topic(app: App, kit: AzureTestingKit) -> None:
    binding = app.bindings.subscription("orders-events")
    delivered = kit.deliver(
        "servicebus_topic",
        binding,
        [
            Outgoing(b'{"sku": "T1"}', {"portside-topic": "orders.create"}),
            Outgoing(b'{"sku": "T2"}'),  # names no topic: handed back, never guessed
        ],
    )
    assert delivered.states == [State.ACKNOWLEDGED, State.HANDED_BACK]
    assert "portside-topic" in str(delivered.native[1]) or "handed_back" in str(delivered.native[1])


def test_event_hubs_retries_then_parks_what_still_fails(app: App, kit: AzureTestingKit) -> None:
    delivered = kit.deliver(
        "eventhub",
        app.bindings.queue("hub"),
        [
            Outgoing(b'{"sku": "H1"}', group="p1"),
            Outgoing(b'{"sku": "retry"}', group="p2"),
        ],
    )
    # the host ran the batch 3 times (max_retries=2); the last try parked the transient failure
    assert delivered.states == [State.ACKNOWLEDGED, State.DEAD_LETTERED]
    [(parked, target)] = delivered.dead_lettered
    assert target == "orders-poison" and parked.headers[ERROR_HEADER].startswith("invalid: retries_exhausted")
    assert "after 3 tries" in parked.headers[ERROR_HEADER]
    assert [m.topic for m, _ in delivered.published].count(
        "orders.created"
    ) == 3  # at least once, as documented


def test_event_grid_both_schemas_and_the_neutral_blob_body(app: App, kit: AzureTestingKit) -> None:
    blob = {
        "url": "https://acct.blob.core.windows.net/uploads/a%20b.txt",
        "contentLength": 12,
        "eTag": "0x1",
        "contentType": "text/plain",
        "sequencer": "0001",
    }
    for shape in ("eventgrid", "cloudevent"):
        delivered = kit.deliver(
            shape, app.bindings.event("storage.object.created"), [Outgoing(json.dumps(blob))]
        )
        assert delivered.states == [State.ACKNOWLEDGED], shape
    bodies = [body for topic, body in seen(app) if topic == "files.created"]
    assert bodies[0]["bucket"] == "uploads" and bodies[0]["key"] == "a b.txt" and bodies[0]["size"] == 12
    assert bodies[0]["eventName"] == "Microsoft.Storage.BlobCreated" and bodies[0] == {
        **bodies[1],
        "eventTime": bodies[0]["eventTime"],
    }
    custom = kit.deliver(
        "cloudevent",
        app.bindings.event("Custom.*"),
        [
            Outgoing(b'{"n": 1}', {"x-correlation-id": "ce-corr"}),
            Outgoing(b"\xff\xfebinary"),  # data_base64, application/octet-stream: no handler body type for it
        ],
    )
    assert custom.states == [State.ACKNOWLEDGED, State.HANDED_BACK]
    assert seen(app)[-1] == ("custom.event", {"n": 1})
    assert "unsupported_media_type" in str(custom.native[1])


def test_event_grid_unbound_type_is_handed_back(app: App) -> None:
    from azure.functions import meta
    from azure.functions.eventgrid import EventGridEventInConverter

    native = EventGridEventInConverter.decode(
        meta.Datum(
            json.dumps(
                {
                    "id": "e-1",
                    "topic": "/t",
                    "subject": "s",
                    "eventType": "Other.Thing",
                    "eventTime": "2026-01-02T03:04:05Z",
                    "data": {},
                    "dataVersion": "1",
                }
            ),
            "json",
        ),
        trigger_metadata={},
    )
    function = AzureTestingKit(app)._function("eventgrid", app.bindings.event("Custom.*"))
    with pytest.raises(RedeliveryRequested) as caught:
        function(native, None)
    assert caught.value.states == [State.HANDED_BACK]


def test_timer_ticks_and_failures(app: App, kit: AzureTestingKit, capsys: pytest.CaptureFixture[str]) -> None:
    assert kit.deliver("timer", app.bindings.schedule("nightly"), [Outgoing(b"")]).states == [
        State.ACKNOWLEDGED
    ]
    assert seen(app)[-1][1]["rule"] == "nightly" and seen(app)[-1][1]["time"].endswith("Z")
    function = kit._function("timer", app.bindings.schedule("failing"))
    with pytest.raises(ScheduleFailed, match="'failing'"):
        function(build("timer", None, None), None)
    assert "schedule 'failing' failed" in capsys.readouterr().err


def test_blob_trigger_body(service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from portside import OBJECT_CREATED, destination, event

    bindings = [
        event(OBJECT_CREATED, "files.created", azure={"source": "blob", "path": "uploads/{name}"}),
        destination("orders.created", "orders-events"),
    ]
    app = App(service, bindings, adapter="azure")
    delivered = AzureTestingKit(app).deliver(
        "blob",
        app.bindings.event(OBJECT_CREATED),
        [Outgoing(b"hello world!", {"blob-name": "uploads/report.txt", "content-type": "text/plain"})],
    )
    assert delivered.states == [State.ACKNOWLEDGED]
    body = seen(app)[-1][1]
    assert body["bucket"] == "uploads" and body["key"] == "report.txt" and body["size"] == 12
    assert body["contentType"] == "text/plain" and body["url"].endswith("/uploads/report.txt")


def _names(app: App) -> list[str]:
    from portside_azure.functionapp import generated

    return list(generated(app.entry_point))


def test_translate_replays_native_input(app: App) -> None:
    from portside import HttpRequest, StartupError
    from portside_azure.testing_kit import http_request

    [message] = app.translate(http_request(HttpRequest("POST", "/orders", body=b'{"sku": "R"}')))
    assert message.topic == "orders.create" and message.body == {"sku": "R"}
    document = {"id": "e-9", "source": "/s", "specversion": "1.0", "type": "Custom.Replay", "data": {"n": 2}}
    grid = {
        "id": "e-8",
        "topic": "/t",
        "subject": "x",
        "eventType": "Custom.Grid",
        "data": {"n": 3},
        "eventTime": "2026-01-02T03:04:05Z",
        "dataVersion": "1",
    }
    assert [m.body for m in app.translate([document, grid])] == [{"n": 2}, {"n": 3}]
    assert app.translate(document)[0].headers["portside-topic"] == "Custom.Replay"
    with pytest.raises(StartupError, match="no Azure function named 'nope'"):
        app.translate(("nope", None))
    with pytest.raises(StartupError, match="replays"):
        app.translate(42)
