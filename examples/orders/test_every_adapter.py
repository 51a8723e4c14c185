"""The orders example through every installed adapter's real entry point and native shapes,
with portside's pytest plugin: `portside_kit` runs each test once per adapter (narrow it with
`pytest --portside-adapter=aws`)."""

from __future__ import annotations

import json

import pytest
from conftest import fresh_app

from portside import App, HttpRequest, State
from portside import kit as portside_kits
from portside.kit import Outgoing

JSON = {"content-type": "application/json"}


@pytest.fixture
def portside_app(portside_adapter: str) -> App:
    """main.py's app, built on the adapter this run is for."""
    return fresh_app(portside_adapter)


def test_bad_input_answers_alike_on_every_http_shape(portside_kit: portside_kits.TestingKit) -> None:
    kit = portside_kit
    for shape in kit.http_shapes():
        bad = kit.http(shape, HttpRequest.from_url("POST", "/orders", JSON, b'{"sku": "", "qty": 0}'))
        assert bad.status == 400, shape
        fields = {e["field"] for e in json.loads(bad.body)["error"]["errors"]}
        assert fields == {"sku", "qty"}, shape
        missing = kit.http(shape, HttpRequest.from_url("GET", "/orders/nope"))
        assert missing.status == 404 and json.loads(missing.body)["error"]["status"] == "not_found", shape
        assert missing.headers.get("x-correlation-id"), shape


def test_a_poison_inbox_message_is_handed_back_on_every_queue_shape(
    portside_kit: portside_kits.TestingKit, portside_app: App
) -> None:
    """orders-inbox has no dead-letter target: poison goes back to the platform, never lost. (A
    native answer cannot tell handed back from retried where both mean "deliver it again", as in
    SQS's batchItemFailures: either is the platform redelivering it; neither is an ack.)"""
    inbox = portside_app.bindings.queue("orders-inbox")
    delivered_by = []
    for shape in portside_kit.message_shapes().get("queue", []):
        sent = Outgoing(b"{not json")
        try:
            delivered = portside_kit.deliver(shape, inbox, [sent])
        except ValueError:  # this binding cannot arrive by that shape (e.g. a legacy event names a topic)
            continue
        delivered_by.append(shape)
        assert delivered.states[0] in (State.HANDED_BACK, State.RETRIED), shape
        assert delivered.redelivered == [sent.id] and delivered.dead_lettered == [], shape
    assert delivered_by, "every adapter delivers queue bindings"
