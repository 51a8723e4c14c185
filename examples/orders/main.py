"""Startup file: the only place that knows about transports. Nothing here names a cloud.

Run locally:   portside run examples/orders/main.py      (or `make run`)
On Lambda:     handler `main.handler`, PORTSIDE_ADAPTER=aws       (portside package ... --cloud aws)
On Azure:      PORTSIDE_ADAPTER=azure; the startup file is the app script (... --cloud azure)
On Google:     functions-framework --source main.py --target handler, PORTSIDE_ADAPTER=gcp

`orders-events` is a logical name: on AWS the SNS topic of that name in the function's own
region and account, on Azure the Service Bus topic, on Google the Pub/Sub topic in the project;
locally an in-memory channel. The subscription below listens on it, so
`make run` shows each order event travelling from the handler that published it to the audit
handler. A queue message the service cannot process (no dead-letter target here) is handed back
to the platform: on AWS give the orders-inbox queue a redrive policy; locally it is listed by
GET /_portside/dead-letters.
"""

from __future__ import annotations

from service import service

from portside import App, destination, http, queue, subscription

app = App(
    service,
    [
        http("POST /orders", "orders.create"),
        http("GET /orders/{id}", "orders.get"),
        http("POST /orders/{id}/cancel", "orders.cancel"),
        queue("orders-inbox", "orders.create"),
        destination("orders.created", "orders-events"),
        destination("orders.cancelled", "orders-events"),
        subscription("orders-events", "orders.audit"),
    ],
    adapter="local",
)
handler = app.entry_point
