"""Startup file of the rich service (see rich_service.py): every binding kind, option and target."""

from __future__ import annotations

from service import service

from portside import (
    DROP,
    HAND_BACK,
    OBJECT_CREATED,
    App,
    destination,
    event,
    http,
    queue,
    schedule,
    subscription,
)

app = App(
    service,
    [
        http("GET /", "shop.home"),
        http("POST /orders", "shop.order"),
        queue("orders-inbox", "shop.order"),
        queue("payments.fifo", "shop.pay", ordered=True, dead_letter="payments-poison.fifo"),
        queue("clicks", "shop.click", dead_letter="clicks-dlq", aws={"source": "kinesis"}),
        queue("carts", "shop.cart", dead_letter=HAND_BACK, aws={"source": "dynamodb"}),
        queue("audit-log", "shop.audit", dead_letter=DROP, aws={"source": "kafka"}),
        subscription("orders-events", "shop.notify"),
        schedule("nightly", "shop.nightly", "0 2 * * *"),
        schedule("every-5", "shop.tick", "rate(5 minutes)"),
        event(OBJECT_CREATED, "shop.upload"),
        event("ObjectRemoved:Delete", "shop.removed"),
        event("order.*", "shop.bus_event"),
        event("Order Shipped", "shop.shipped", dead_letter="shipping-dlq"),
        destination("shop.order_created", "orders-events"),
        destination("order.placed", "shop-bus", channel="events"),
        destination("shop.audited", "audit-queue", channel="queue"),
        destination("shop.partner", "arn:aws:sns:eu-west-1:111122223333:partner-events"),
        destination("shop.legacy", "https://sqs.eu-west-1.amazonaws.com/111122223333/legacy"),
    ],
    adapter="local",
)
handler = app.entry_point
