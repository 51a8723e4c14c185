"""The Azure samples in ../shared/events/azure (payloads and trigger metadata the host hands the
worker), decoded by azure-functions' converters and read by the adapter."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.functions import meta
from azure.functions.blob import BlobConverter
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.eventhub import EventHubTriggerConverter
from azure.functions.servicebus import ServiceBusMessageInConverter
from azure.functions.timer import TimerRequestConverter

from portside import OBJECT_CREATED, App, Service, State, destination, event, queue, schedule, subscription
from portside_azure.functionapp import generated
from portside_azure.testing_kit import Context
from tests import samples

LIB = "azure/azure-functions-python-library"
SDK = "azure/azure-sdk-for-python"
SEEN: list[tuple[str, Any]] = []


def recorder(topic: str) -> Any:
    def handler(body: Any) -> None:
        SEEN.append((topic, body))

    return handler


def make_app() -> App:
    SEEN.clear()
    service = Service("samples")
    for topic in ("bus", "hub", "tick", "blob", "grid", "capture"):
        service.handler(topic)(recorder(topic))
    return App(
        service,
        [
            queue("bus", "bus", azure={"service": "servicebus"}),
            subscription("topic", "bus"),
            queue("hub", "hub", dead_letter="parked", azure={"service": "eventhubs", "max_retries": 0}),
            schedule("every5", "tick", "rate(5 minutes)"),
            event(OBJECT_CREATED, "blob"),
            event("Azure.Sdk.*", "grid"),
            event("Microsoft.EventHub.CaptureFileCreated", "capture"),
            destination("x", "y"),
        ],
        adapter="azure",
    )


@pytest.fixture
def app() -> App:
    SEEN.clear()
    return make_app()


def call(app: App, kind: str, native: Any, context: Any = None) -> Any:
    function = next(f for spec, f in generated(app.entry_point).values() if spec.kind == kind)
    return function(native, context or Context(kind))


def datum(relative: str) -> meta.Datum:
    return meta.Datum(json.dumps(samples.load(relative)), "json")


def test_service_bus_trigger_metadata() -> None:
    app = make_app()
    metadata = {
        "ApplicationProperties": datum(f"{LIB}/servicebus_trigger_metadata_applicationproperties.json"),
        "UserProperties": datum(f"{LIB}/servicebus_trigger_metadata_userproperties.json"),
        "MessageReceiver": datum(f"{LIB}/servicebus_trigger_metadata_messagereceiver.json"),
        "sys": datum(f"{LIB}/servicebus_trigger_metadata_sys.json"),
        "MessageId": meta.Datum("87c66eaf88e84119b66a26278a7b4149", "string"),
        "DeliveryCount": meta.Datum(3, "int"),
        "CorrelationId": meta.Datum("sample-correlation", "string"),
        "ContentType": meta.Datum("application/json", "string"),
    }
    native = ServiceBusMessageInConverter.decode(
        meta.Datum('{"order": 1}', "string"), trigger_metadata=metadata
    )
    [message] = app.translate((next(n for n in generated(app.entry_point) if n.startswith("sbqueue")), native))
    assert message.headers["application"] == "value"  # application properties become headers
    assert message.correlation_id == "sample-correlation" and message.attempt == 3
    assert message.id == "87c66eaf88e84119b66a26278a7b4149"
    call(app, "servicebus_queue", native)
    assert SEEN == [("bus", {"order": 1})]


def test_service_bus_user_properties_only() -> None:
    app = make_app()
    native = ServiceBusMessageInConverter.decode(
        meta.Datum("plain text", "string"),
        trigger_metadata={
            "UserProperties": datum(f"{LIB}/servicebus_trigger_metadata_userproperties.json"),
            "MessageId": meta.Datum("m-2", "string"),
            "ContentType": meta.Datum("text/plain", "string"),
        },
    )
    [message] = app.translate((next(n for n in generated(app.entry_point) if n.startswith("sbtopic")), native))
    assert message.headers["$AzureWebJobsParentId"] == "6ceef68b-0794-45dd-bb2e-630748515552"
    assert message.headers["x-opt-enqueue-sequence-number"] == "0" and message.body == "plain text"


def test_event_hubs_iothub_batch() -> None:
    app = make_app()
    bodies = samples.load(f"{LIB}/eventhub_iothub_batch_body.json")
    system = samples.load(f"{LIB}/eventhub_trigger_metadata_systemproperties.json")
    metadata = {
        "SystemPropertiesArray": meta.Datum(json.dumps([system, {**system, "SequenceNumber": 48}]), "json"),
        "PartitionContext": datum(f"{LIB}/eventhub_trigger_metadata_partitioncontext.json"),
        "sys": datum(f"{LIB}/eventhub_trigger_metadata_sys.json"),
    }
    native = EventHubTriggerConverter.decode(meta.Datum(json.dumps(bodies), "json"), trigger_metadata=metadata)
    assert call(app, "eventhub", native, Context("eventhub", 0, 0)) is None
    assert SEEN == [("hub", {"device-status": "good1"}), ("hub", {"device-status": "good2"})]


def test_timer_body() -> None:
    app = make_app()
    native = TimerRequestConverter.decode(datum(f"{LIB}/timer_trigger_body.json"), trigger_metadata={})
    assert native.past_due is False
    call(app, "timer", native)
    assert SEEN[0][0] == "tick" and SEEN[0][1]["rule"] == "every5"


@pytest.mark.parametrize(
    "relative",
    samples.each(
        [f"{SDK}/eventgrid_schema_storage_blobcreated.json", f"{SDK}/cloudevent_storage_blobcreated.json"]
    ),
)
def test_blob_created_in_both_schemas(relative: str) -> None:
    app = make_app()
    native = EventGridEventInConverter.decode(datum(relative), trigger_metadata={})
    call(app, "eventgrid", native)
    [(topic, body)] = SEEN
    assert topic == "blob" and body["eventName"] == "Microsoft.Storage.BlobCreated"
    assert body["bucket"] and body["key"] and body["url"].endswith(body["key"])


def test_cloudevent_data_base64_and_extensions() -> None:
    app = make_app()
    encoded = EventGridEventInConverter.decode(
        datum(f"{SDK}/cloudevent_custom_data_base64.json"), trigger_metadata={}
    )
    [message] = app.translate(encoded)
    assert message.data == b"cloudevent" and message.topic == "grid"
    extended = EventGridEventInConverter.decode(
        datum(f"{SDK}/cloudevent_custom_with_extensions.json"), trigger_metadata={}
    )
    [message] = app.translate(extended)
    document = samples.load(f"{SDK}/cloudevent_custom_with_extensions.json")
    for name in ("ext1", "ext2"):
        if name in document:
            assert message.headers[name] == str(document[name])


@pytest.mark.parametrize(
    "relative",
    samples.each(
        [f"{LIB}/eventgrid_event_capturefilecreated.json", f"{LIB}/eventgrid_event_without_data.json"]
    ),
)
def test_event_grid_schema_samples(relative: str) -> None:
    app = make_app()
    document = samples.load(relative)
    native = EventGridEventInConverter.decode(datum(relative), trigger_metadata={})
    if document["eventType"] == "Microsoft.EventHub.CaptureFileCreated":
        call(app, "eventgrid", native)
        assert SEEN[0] == ("capture", document["data"])
    else:  # no binding for its type: handed back for Event Grid's retry / dead-letter container
        with pytest.raises(Exception, match="handed_back") as caught:
            call(app, "eventgrid", native)
        assert caught.value.states == [State.HANDED_BACK]  # type: ignore[attr-defined]


def test_blob_trigger_metadata() -> None:
    service = Service("blobs")
    service.handler("blob")(recorder("blob"))
    blob_app = App(
        service,
        [event(OBJECT_CREATED, "blob", azure={"source": "blob", "path": "samples/{name}"})],
        adapter="azure",
    )
    SEEN.clear()
    native = BlobConverter.decode(
        meta.Datum(b"0123456789AB", "bytes"),
        trigger_metadata={
            "BlobTrigger": meta.Datum("samples/file.bin", "string"),
            "Uri": meta.Datum("https://acct.blob.core.windows.net/samples/file.bin", "string"),
            "Properties": datum(f"{LIB}/blob_trigger_metadata_properties.json"),
        },
    )
    call(blob_app, "blob", native)
    [(_, body)] = SEEN
    assert body["size"] == 12 and body["etag"] == "0x8D8989BC453467D"
    assert body["eventTime"] == "2020-12-04T21:30:05+00:00" and body["key"] == "file.bin"
