from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from portside import App, Context, HandlerDefinitionError, InMemoryPublisher, Message, Result, Service, Status
from tests.core.conftest import ITEMS_EVENTS, Item


def make_app(service: Service, **kwargs: Any) -> App:
    return App(service, [ITEMS_EVENTS], adapter="local", **kwargs)


def test_model_parameter_receives_validated_body(service: Service) -> None:
    result = make_app(service).dispatch(Message("items.get", {"name": "a", "qty": "2"}))
    assert result.status is Status.OK
    assert result.payload == Item(name="a", qty=2)


def test_validation_failure_gives_one_error_per_field_and_skips_handler() -> None:
    called = []
    svc = Service("v")

    @svc.handler("t")
    def handler(item: Item) -> None:
        called.append(item)

    result = make_app(svc).dispatch(Message("t", {"qty": "many"}))
    assert result.status is Status.INVALID
    assert {(e.field, e.code) for e in result.errors} == {("name", "missing"), ("qty", "int_parsing")}
    assert called == []


def test_context_publishes_with_correlation_id(service: Service) -> None:
    app = make_app(service, publisher=InMemoryPublisher())
    published = app.publisher
    assert isinstance(published, InMemoryPublisher)
    app.dispatch(Message("items.create", {"name": "a", "qty": 1}, correlation_id="corr-1"))
    [(message, target)] = published.sent
    assert (message.topic, target) == ("items.created", "items-events")
    assert message.correlation_id == "corr-1"
    assert message.headers["X-Correlation-Id"] == "corr-1"


def test_exception_becomes_error_without_internals(service: Service) -> None:
    result = make_app(service).dispatch(Message("boom", None, correlation_id="c-9"))
    assert result.status is Status.ERROR
    assert "secret internals" not in repr(result)
    assert "c-9" in result.errors[0].message


def test_none_is_no_content_and_bad_return_is_error(service: Service) -> None:
    app = make_app(service)
    assert app.dispatch(Message("nothing")).status is Status.NO_CONTENT
    bad = app.dispatch(Message("bad.return"))
    assert bad.status is Status.ERROR
    assert bad.errors[0].code == "invalid_response"


def test_unknown_topic_is_not_found(service: Service) -> None:
    result = make_app(service).dispatch(Message("nope"))
    assert result.status is Status.NOT_FOUND
    assert "items.create" in result.errors[0].message


def test_async_handlers_run_from_sync_and_async_callers() -> None:
    svc = Service("a")

    @svc.handler("t")
    async def handler(item: Item, ctx: Context) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"name": item.name, "corr": ctx.correlation_id}

    app = make_app(svc)
    assert app.dispatch(Message("t", {"name": "x", "qty": 1}, correlation_id="k")).payload == {
        "name": "x",
        "corr": "k",
    }

    async def inside_a_loop() -> Any:
        return app.dispatch(Message("t", {"name": "y", "qty": 1})).payload["name"]

    assert asyncio.run(inside_a_loop()) == "y"


def test_generic_body_annotations_use_type_adapters() -> None:
    svc = Service("g")

    @svc.handler("sum")
    def total(values: list[int]) -> int:
        return sum(values)

    app = make_app(svc)
    assert app.dispatch(Message("sum", [1, "2", 3])).payload == 6
    assert app.dispatch(Message("sum", ["x"])).errors[0].field == "0"


def test_signature_errors_are_raised_at_registration() -> None:
    svc = Service("s")
    with pytest.raises(HandlerDefinitionError, match="no annotation"):

        @svc.handler("a")
        def unannotated(body):  # type: ignore[no-untyped-def]
            return body

    with pytest.raises(HandlerDefinitionError, match="at most one body"):

        @svc.handler("b")
        def two_bodies(a: Item, b: Item) -> None:
            return None

    @svc.handler("c")
    def fine(message: Message) -> None:
        return None

    with pytest.raises(HandlerDefinitionError, match="already has handler"):
        svc.handler("c")(fine)


def test_middleware_order_and_short_circuit() -> None:
    svc = Service("m")
    seen: list[str] = []

    def outer(message: Message, call_next: Any) -> Result[Any]:
        seen.append("app-in")
        result: Result[Any] = call_next(message)
        seen.append(f"app-out:{result.status.value}")
        return result

    @svc.use
    def service_layer(message: Message, call_next: Any) -> Result[Any]:
        seen.append("service")
        if message.headers.get("x-deny"):
            return Result.forbidden("denied")
        return call_next(message)  # type: ignore[no-any-return]

    def per_handler(message: Message, call_next: Any) -> Result[Any]:
        seen.append("handler-mw")
        return call_next(message.replace(body={"name": "rewritten", "qty": 1}))  # type: ignore[no-any-return]

    @svc.handler("t", middleware=[per_handler])
    def handler(item: Item) -> Item:
        seen.append("handler")
        return item

    app = App(svc, adapter="local", middleware=[outer])
    result = app.dispatch(Message("t", {"name": "orig", "qty": 1}))
    assert result.payload == Item(name="rewritten", qty=1)
    assert seen == ["app-in", "service", "handler-mw", "handler", "app-out:ok"]
    seen.clear()
    denied = app.dispatch(Message("t", {}, headers={"X-Deny": "1"}))
    assert denied.status is Status.FORBIDDEN
    assert seen == ["app-in", "service", "app-out:forbidden"]


def test_middleware_sees_handler_failures_as_results(service: Service) -> None:
    statuses: list[str] = []

    def record(message: Message, call_next: Any) -> Result[Any]:
        result: Result[Any] = call_next(message)
        statuses.append(result.status.value)
        return result

    app = make_app(service, middleware=[record])
    app.dispatch(Message("boom"))
    app.dispatch(Message("unknown"))
    assert statuses == ["error", "not_found"]


def test_crashing_middleware_is_contained() -> None:
    svc = Service("c")

    @svc.handler("t")
    def handler(message: Message) -> None:
        return None

    def broken(message: Message, call_next: Any) -> Result[Any]:
        raise ValueError("middleware bug")

    assert App(svc, adapter="local", middleware=[broken]).dispatch(Message("t")).status is Status.ERROR


class Model(BaseModel):
    x: int


class StrictItem(BaseModel):
    model_config = {"strict": True}
    name: str
    qty: int


def test_json_bodies_validate_alike_with_or_without_deferred_parsing() -> None:
    """Deferred JSON is validated from the text only where that cannot change the outcome."""
    from portside import http
    from portside.testing import TestClient

    svc = Service("lazy")

    @svc.handler("lax")
    def lax(item: Item) -> Item:
        return item

    @svc.handler("strict")
    def strict(item: StrictItem) -> StrictItem:
        return item

    app = App(svc, [http("POST /lax/{tag}", "lax"), http("POST /lax", "lax"),
                    http("POST /strict", "strict"), http("POST /strict/{tag}", "strict")], adapter="local")
    assert app.deferrable == frozenset({"lax"})
    client = TestClient(app)
    for body in (b'{"name": "a", "qty": "2"}', b'{"name": "a"}', b"{bad"):
        deferred = client.post("/lax", data=body)  # no params: parsed lazily
        merged = client.post("/lax/t", data=body)  # path params to merge: parsed eagerly
        assert deferred.status == merged.status
        assert deferred.json().get("error", {}).get("errors") == merged.json().get("error", {}).get("errors")
    assert client.post("/strict", data=b'{"name": "a", "qty": "2"}').status == 400  # strict: no coercion
    assert client.post("/strict/t", data=b'{"name": "a", "qty": "2"}').status == 400



class Opaque:  # not a model, and pydantic has no schema for it
    pass


def test_a_body_type_pydantic_cannot_validate_stops_the_app() -> None:
    service = Service("s")

    @service.handler("t.opaque")
    def opaque(body: Opaque) -> None:
        return None

    with pytest.raises(HandlerDefinitionError, match=r"'t\.opaque': pydantic cannot validate its body type"):
        App(service, adapter="local")


FORWARD_REFERENCE = """
from pydantic import BaseModel
from portside import App, Message, Service

class Order(BaseModel):
    lines: "list[Line]"  # Line is defined after the handler is registered

service = Service("s")

@service.handler("t.orders")
def orders(body: list[Order]) -> dict:
    return {"lines": sum(len(order.lines) for order in body)}

class Line(BaseModel):
    sku: str

Order.model_rebuild()
app = App(service, adapter="local")
result = app.dispatch(Message("t.orders", [{"lines": [{"sku": "a"}, {"sku": "b"}]}]))
"""


def test_a_body_type_with_a_forward_reference_resolved_before_the_app_is_built() -> None:
    namespace: dict[str, Any] = {"__name__": "forward_reference"}
    exec(compile(FORWARD_REFERENCE, "<forward reference>", "exec", dont_inherit=True), namespace)
    assert namespace["result"].payload == {"lines": 2}
