"""Startup file: the only place that knows about transports and the cloud.

Run locally:   portside run examples/orders/main.py      (or `make run`)
On Lambda:     set the handler to `main.handler` and PORTSIDE_ADAPTER=aws (or adapter="aws").
"""

from __future__ import annotations

import os

from service import service

from portside import App, destination, http, queue

EXAMPLE_TOPIC = "arn:aws:sns:us-east-1:123456789012:orders-events"

app = App(
    service,
    [
        http("POST /orders", "orders.create"),
        http("GET /orders/{id}", "orders.get"),
        http("POST /orders/{id}/cancel", "orders.cancel"),
        queue("orders-inbox", "orders.create", dead_letter=os.environ.get("ORDERS_DLQ")),
        # Where orders.created goes: on AWS set ORDERS_EVENTS_TARGET to your SNS topic / SQS queue /
        # EventBridge bus ARN; locally it is only a label on the published message.
        destination("orders.created", os.environ.get("ORDERS_EVENTS_TARGET", EXAMPLE_TOPIC)),
    ],
    adapter="local",
)
handler = app.entry_point
