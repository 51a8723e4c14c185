"""Mutated native input (hypothesis) never makes a function raise anything but the deliberate
redelivery signal: malformed records become poison messages, never crashes."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from azure.functions import meta
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.queue import QueueMessageInConverter
from azure.functions.servicebus import ServiceBusMessageInConverter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portside import App
from portside_azure.errors import RedeliveryRequested
from portside_azure.functionapp import generated
from portside_azure.testing_kit import Context
from tests.azure.conftest import every_trigger, make_service

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
ENVELOPE = st.fixed_dictionaries(
    {},
    optional={
        "specversion": st.sampled_from(["1.0", "0.3", 1]),
        "id": JSON,
        "source": JSON,
        "type": JSON,
        "data": JSON,
        "data_base64": st.text(max_size=12) | JSON,
        "datacontenttype": st.sampled_from(
            ["application/json", "text/plain", "application/octet-stream", "nonsense"]
        )
        | JSON,
        "correlationid": JSON,
    },
)
BODY = (
    st.binary(max_size=64)
    | JSON.map(lambda v: json.dumps(v).encode())
    | ENVELOPE.map(lambda v: json.dumps(v).encode())
)
APP = App(make_service(), every_trigger(), adapter="azure")
FUNCTIONS = {
    spec.kind + (":" + spec.binding.name if spec.binding is not None else ""): fn
    for spec, fn in generated(APP.entry_point).values()
}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def survives(key: str, native: Any) -> None:
    """Returns, or raises the deliberate redelivery signal; anything else fails the test."""
    with contextlib.suppress(RedeliveryRequested):
        FUNCTIONS[key](native, Context(key))


@SETTINGS
@given(body=BODY, dequeue=st.integers(-5, 10**6) | st.none())
def test_storage_queue(body: bytes, dequeue: int | None) -> None:
    metadata = {"Id": meta.Datum("m-1", "string")}
    if dequeue is not None:
        metadata["DequeueCount"] = meta.Datum(dequeue, "int")
    payload = meta.Datum(body, "bytes")
    survives("storage_queue:inbox", QueueMessageInConverter.decode(payload, trigger_metadata=metadata))
    survives("storage_queue:parked-inbox", QueueMessageInConverter.decode(payload, trigger_metadata=metadata))


@SETTINGS
@given(
    body=BODY,
    properties=st.dictionaries(st.text(max_size=12), JSON, max_size=5),
    content_type=st.none() | st.text(max_size=30),
    count=st.integers(-3, 99),
)
def test_service_bus(body: bytes, properties: dict[str, Any], content_type: str | None, count: int) -> None:
    metadata = {
        "ApplicationProperties": meta.Datum(json.dumps(properties), "json"),
        "UserProperties": meta.Datum(json.dumps(properties), "json"),
        "DeliveryCount": meta.Datum(count, "int"),
        "MessageId": meta.Datum("sb-1", "string"),
    }
    if content_type is not None:
        metadata["ContentType"] = meta.Datum(content_type, "string")
    native = ServiceBusMessageInConverter.decode(meta.Datum(body, "bytes"), trigger_metadata=metadata)
    survives("servicebus_queue:sb-inbox", native)
    survives("servicebus_topic:orders-events", native)


@SETTINGS
@given(
    document=st.fixed_dictionaries(
        {},
        optional={
            "id": JSON,
            "topic": JSON,
            "subject": JSON,
            "eventType": st.sampled_from(["Microsoft.Storage.BlobCreated", "Custom.Thing", ""]) | JSON,
            "data": JSON,
            "dataVersion": JSON,
            "specversion": st.just("1.0"),
            "type": JSON,
            "source": JSON,
            "data_base64": JSON,
            "datacontenttype": JSON,
        },
    )
)
def test_event_grid(document: dict[str, Any]) -> None:
    try:
        native = EventGridEventInConverter.decode(meta.Datum(json.dumps(document), "json"), trigger_metadata={})
    except (ValueError, TypeError):
        return  # the worker's converter refused it: the function is never called
    survives("eventgrid:Custom.*", native)
    survives("eventgrid:storage.object.created", native)
