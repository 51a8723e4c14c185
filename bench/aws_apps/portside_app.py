"""(c) portside with adapter="aws": the same routes as `http(...)` bindings, an SQS queue binding."""

from __future__ import annotations

from aws_bench_common import ROUTES, TARGET_ROUTE, Order, created

from portside import App, Result, Service, http, queue

service = Service("bench")
bindings = []
for _n, (_method, _path) in enumerate(ROUTES):
    service.handler(f"res.{_n}")(lambda: None)
    bindings.append(http(f"{_method} {_path}", f"res.{_n}"))


@service.handler("orders.create")
def create(order: Order) -> Result[dict[str, object]]:
    return Result.created(created(order))


@service.handler("orders.ingest")
def ingest(order: Order) -> None:
    created(order)


app = App(
    service,
    [
        *bindings,
        http(f"{TARGET_ROUTE[0]} {TARGET_ROUTE[1]}", "orders.create"),
        queue("orders-inbox", "orders.ingest"),
    ],
    adapter="aws",
)
handler = app.entry_point
http_handler = sqs_handler = handler
