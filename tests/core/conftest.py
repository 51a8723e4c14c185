from __future__ import annotations

import pytest
from pydantic import BaseModel

from portside import Context, Message, Result, Service, destination

# Where the fixture service's `items.created` goes: every App built from it needs this binding.
ITEMS_EVENTS = destination("items.created", "items-events")


class Item(BaseModel):
    name: str
    qty: int


@pytest.fixture
def service() -> Service:
    """A small service exercising every handler shape."""
    svc = Service("demo")

    @svc.handler("items.create", publishes=["items.created"])
    def create(item: Item, ctx: Context) -> Result[Item]:
        ctx.publish("items.created", item)
        return Result.created(item)

    @svc.handler("items.get")
    def get(item: Item) -> Item:
        return item

    @svc.handler("raw.echo")
    def echo(message: Message) -> dict[str, object]:
        return {"topic": message.topic, "body": message.body, "params": dict(message.params)}

    @svc.handler("boom")
    def boom(message: Message) -> None:
        raise RuntimeError("secret internals")

    @svc.handler("nothing")
    def nothing(message: Message) -> None:
        return None

    @svc.handler("bad.return")
    def bad_return(message: Message) -> object:
        return object()

    @svc.handler("flaky")
    def flaky(message: Message) -> Result[None]:
        return Result.retry("database busy", after=3)

    return svc
