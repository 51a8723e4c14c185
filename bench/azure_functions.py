"""portside on Azure Functions vs hand-written azure.functions functions.

    .venv/bin/python bench/azure_functions.py [--rounds 40] [--calls 500]

Two receive paths, each timed from the object the worker hands the function to the answer,
contenders interleaved round by round (ratios measured within a round hold on a noisy machine):

- http: POST /orders/{id} (the 51st route) with a pydantic body. Hand-written: one HTTP function
  (`route="{*path}"`) routing by a dict and calling `model_validate_json`; portside: the catch-all
  function the adapter generates.
- queue: one Storage queue message. Hand-written: `model_validate_json(msg.get_body())`;
  portside: the generated Storage queue function.

Both get the same `func.HttpRequest` / `func.QueueMessage`, built once (they are immutable).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interleaved
from platform_service import N_FILLERS, Order, filler_method, portside_app, price


def handwritten_http() -> Callable[[Any], Any]:
    import azure.functions as func

    headers = {"content-type": "application/json"}

    def create(request: Any, order_id: str) -> Any:
        try:
            order = Order.model_validate_json(request.get_body())
        except Exception as exc:
            return func.HttpResponse(json.dumps({"error": str(exc)}), status_code=400, headers=headers)
        return func.HttpResponse(json.dumps({"id": order_id, "total": price(order)}), status_code=201,
                                 headers=headers)

    def filler(i: int) -> Callable[[Any, str], Any]:
        return lambda request, item: func.HttpResponse(json.dumps({"route": i, "id": item}), headers=headers)

    routes: dict[tuple[str, str], Callable[[Any, str], Any]] = {
        (filler_method(i), f"r{i}"): filler(i) for i in range(N_FILLERS)
    }
    routes[("POST", "orders")] = create

    def handler(request: Any) -> Any:
        parts = request.route_params.get("path", "").split("/")
        view = routes.get((request.method, parts[0])) if len(parts) == 2 else None
        if view is None:
            return func.HttpResponse('{"message": "not found"}', status_code=404, headers=headers)
        return view(request, parts[1])

    return handler


def handwritten_queue() -> Callable[[Any], None]:
    def handler(message: Any) -> None:
        price(Order.model_validate_json(message.get_body()))

    return handler


def portside_functions() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    from portside_azure.functionapp import generated
    from portside_azure.testing_kit import Context

    app = portside_app("azure", "orders")
    functions = {spec.kind: (spec.name, fn) for spec, fn in generated(app.entry_point).values()}
    http_name, http_fn = functions["http"]
    queue_name, queue_fn = functions["storage_queue"]
    http_context, queue_context = Context(http_name), Context(queue_name)
    return (lambda request: http_fn(request, http_context)), (lambda message: queue_fn(message, queue_context))


def natives(app_bindings: Any = None) -> tuple[Any, Any]:
    import azure.functions as func

    body = json.dumps({"id": "ord-42", "qty": 3, "sku": "SKU-123"}).encode()
    request = func.HttpRequest(
        "POST", "https://bench.azurewebsites.net/api/orders/ord-42",
        headers={"content-type": "application/json"}, params={},
        route_params={"path": "orders/ord-42"}, body=body,
    )
    message = func.QueueMessage(id="m-1", body=body, pop_receipt="r")
    return request, message


def timed(fn: Callable[[Any], Any], native: Any, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn(native)
    return (time.perf_counter() - start) / calls * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args(argv)
    request, message = natives()
    ours_http, ours_queue = portside_functions()
    answer = ours_http(request)
    if answer.status_code != 201 or ours_queue(message) is not None:
        raise SystemExit(f"portside answered {answer.status_code}: the benchmark is invalid")
    cases = {
        "http": (handwritten_http(), ours_http, request),
        "queue": (handwritten_queue(), ours_queue, message),
    }
    print(interleaved.title("azure", args.rounds, args.calls))
    print(interleaved.HEADER)
    for name, (hand, ours, native) in cases.items():
        print(interleaved.row(name, hand, ours, native, timed, args.rounds, args.calls))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
