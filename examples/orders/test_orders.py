"""The orders service through portside's TestClient (the `portside_client` pytest fixture)."""

from __future__ import annotations

from portside import Delivery, Status
from portside.testing import TestClient


def test_create_get_cancel(portside_client: TestClient) -> None:
    created = portside_client.post("/orders", json={"sku": "A1", "qty": 2})
    assert created.status == 201
    order = created.json()
    assert created.headers["location"] == f"/orders/{order['id']}"
    [event] = portside_client.published_to("orders.created")
    assert event.body.id == order["id"]
    assert event.correlation_id == created.headers["x-correlation-id"]

    assert portside_client.get(f"/orders/{order['id']}").json() == order
    cancelled = portside_client.post(f"/orders/{order['id']}/cancel")
    assert cancelled.status == 200 and cancelled.json()["status"] == "cancelled"
    again = portside_client.post(f"/orders/{order['id']}/cancel")
    assert again.status == 409 and "already cancelled" in again.json()["error"]["message"]


def test_bad_input(portside_client: TestClient) -> None:
    invalid = portside_client.post("/orders", json={"sku": "", "qty": 5000})
    assert invalid.status == 400
    assert {e["field"] for e in invalid.json()["error"]["errors"]} == {"sku", "qty"}
    assert portside_client.get("/orders/missing").status == 404
    assert portside_client.get("/nope").status == 404
    assert portside_client.put("/orders").headers["allow"] == "POST"
    assert portside_client.published == []


def test_queue_delivery(portside_client: TestClient) -> None:
    assert portside_client.deliver("orders.create", b'{"sku": "B2", "qty": 1}').delivery is Delivery.ACK
    poison = portside_client.deliver("orders.create", b"not json")
    assert poison.delivery is Delivery.DEAD_LETTER and poison.result.status is Status.INVALID


def test_direct_send(portside_client: TestClient) -> None:
    result = portside_client.send("orders.create", {"sku": "C3", "qty": 3})
    assert result.status is Status.CREATED and result.payload.sku == "C3"
