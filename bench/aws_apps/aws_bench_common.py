"""What the three Lambda apps of the AWS benchmark share: the body model and the route table.

Imports only pydantic, which every contender needs anyway.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Item(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(gt=0, le=1000)


class Order(BaseModel):
    customer: str = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    note: str | None = None


# 50 routes registered before the one the benchmark calls: half templated, half static.
ROUTES: list[tuple[str, str]] = []
for _n in range(25):
    ROUTES.append(("GET", f"/res{_n:02d}/{{id}}"))
    ROUTES.append(("POST", f"/res{_n:02d}"))
TARGET_ROUTE = ("POST", "/orders")  # the 51st


def created(order: Order) -> dict[str, object]:
    """The work every contender's handler does with a valid order."""
    return {"id": "ord-1", "customer": order.customer, "items": len(order.items)}
