"""A service using every kind of binding the aws packager knows (written into a temporary
folder by the tests, beside RICH_MAIN, so it loads like any startup file)."""

from __future__ import annotations

from typing import Any

from portside import Context, Service

service = Service("shop")


def _consumer(topic: str) -> None:
    @service.handler(topic)
    def consume(body: Any) -> None:
        return None


for _topic in ("shop.home", "shop.click", "shop.cart", "shop.audit", "shop.notify", "shop.nightly",
               "shop.tick", "shop.upload", "shop.removed", "shop.bus_event", "shop.shipped"):
    _consumer(_topic)


@service.handler("shop.order", publishes=["shop.order_created", "order.placed", "shop.audited",
                                          "shop.partner", "shop.legacy"])
def order(body: Any, ctx: Context) -> None:
    for topic in ("shop.order_created", "order.placed", "shop.audited", "shop.partner", "shop.legacy"):
        ctx.publish(topic, body)


@service.handler("shop.pay")
def pay(body: Any) -> None:
    return None
