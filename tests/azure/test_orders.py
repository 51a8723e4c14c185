"""examples/orders, unchanged, on the azure adapter: the scenario of examples/orders/test_orders.py
through the generated functions (the harness there can add AzureHarness beside local and aws)."""

from __future__ import annotations

from tests.azure.orders_harness import AzureHarness, audit_entries

JSON = {"content-type": "application/json"}


def test_orders_scenario_on_azure() -> None:
    harness = AzureHarness()
    created = harness.http("POST", "/orders", b'{"sku": "A1", "qty": 2}', JSON)
    assert created.status == 201, created.body
    order = created.json()
    assert order["status"] == "open" and order["sku"] == "A1" and order["qty"] == 2
    assert created.headers["location"] == f"/orders/{order['id']}"
    got = harness.http("GET", f"/orders/{order['id']}/")
    assert got.status == 200 and got.json() == order
    first = harness.http("POST", f"/orders/{order['id']}/cancel")
    again = harness.http("POST", f"/orders/{order['id']}/cancel")
    assert first.status == again.status == 200
    assert first.json() == again.json() == {**order, "status": "cancelled"}
    before = len(harness.events())
    bad = harness.http("POST", "/orders", b'{"sku": "", "qty": 5000}', JSON)
    assert bad.status == 400 and {e["field"] for e in bad.json()["error"]["errors"]} == {"sku", "qty"}
    assert bad.json()["error"]["correlation_id"] == bad.headers["x-correlation-id"]
    assert (
        harness.http("POST", "/orders", b"{not json", JSON).json()["error"]["errors"][0]["code"]
        == "malformed_json"
    )
    assert harness.http("GET", "/nope").status == 404
    assert harness.http("GET", "/orders/missing").status == 404
    wrong = harness.http("PUT", "/orders")
    assert wrong.status == 405 and wrong.headers["allow"] == "POST"
    assert harness.queue(b"not json") is True
    assert harness.queue(b'{"sku": "B2"}') is True
    assert len(harness.events()) == before
    assert harness.queue(b'{"sku": "B2", "qty": 1}') is False
    events = harness.events()
    assert [e.topic for e in events] == [
        "orders.created",
        "orders.cancelled",
        "orders.cancelled",
        "orders.created",
    ]
    assert events[0].body == order and events[0].correlation_id == created.headers["x-correlation-id"]
    assert events[3].body["sku"] == "B2"
    harness.settle_events()
    assert audit_entries(harness.app) == [
        ("orders.created", order["id"], "open"),
        ("orders.cancelled", order["id"], "cancelled"),
        ("orders.cancelled", order["id"], "cancelled"),
        ("orders.created", events[3].body["id"], "open"),
    ]
