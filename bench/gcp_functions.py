"""portside on Google Cloud Functions vs hand-written Functions Framework functions.

    .venv/bin/python bench/gcp_functions.py [--rounds 40] [--calls 500]

Two receive paths, each timed from the request the framework hands over to the answer, contenders
interleaved round by round (ratios measured within a round hold on a noisy machine):

- http: POST /orders/{id} (the 51st route) with a pydantic body. Hand-written: an
  `@functions_framework.http` function routing by a dict and calling `model_validate_json`;
  portside: `app.entry_point` (the adapter's Functions Framework target).
- cloudevent: a Pub/Sub `messagePublished` CloudEvent in binary mode. Hand-written: what the
  framework does for a `@functions_framework.cloud_event` function (`cloudevents.http.from_http`)
  plus the function (base64-decode `message.data`, `model_validate_json`); portside: the same
  target, which recognises the event itself.

Both get a fresh `flask.Request` per call, built from the same WSGI environ.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interleaved
from platform_service import N_FILLERS, Order, filler_method, portside_app, price


# ---------------------------------------------------------------- hand-written
def handwritten_http() -> Callable[[Any], Any]:
    import flask

    def create(request: Any, order_id: str) -> Any:
        try:
            order = Order.model_validate_json(request.get_data())
        except Exception as exc:
            return flask.jsonify(error=str(exc)), 400
        return flask.jsonify(id=order_id, total=price(order)), 201

    def filler(i: int) -> Callable[[Any, str], Any]:
        return lambda request, item: (flask.jsonify(route=i, id=item), 200)

    routes: dict[tuple[str, str], Callable[[Any, str], Any]] = {
        (filler_method(i), f"r{i}"): filler(i) for i in range(N_FILLERS)
    }
    routes[("POST", "orders")] = create

    def handler(request: Any) -> Any:
        parts = request.path.split("/")
        view = routes.get((request.method, parts[1])) if len(parts) == 3 else None
        if view is None:
            return flask.jsonify(message="not found"), 404
        return view(request, parts[2])

    return handler


def handwritten_cloudevent() -> Callable[[Any], Any]:
    from cloudevents.http import from_http

    def on_event(event: Any) -> None:
        data = base64.b64decode(event.data["message"]["data"])
        price(Order.model_validate_json(data))

    def handler(request: Any) -> Any:  # what the framework runs for a cloud_event function
        on_event(from_http(request.headers, request.get_data()))
        return "OK", 200

    return handler


# ---------------------------------------------------------------- portside
def portside_target() -> Callable[[Any], Any]:
    return portside_app("gcp", "orders-push").entry_point  # type: ignore[no-any-return]


# ---------------------------------------------------------------- requests
def environs() -> dict[str, dict[str, Any]]:
    from werkzeug.test import EnvironBuilder

    order = json.dumps({"id": "ord-42", "qty": 3, "sku": "SKU-123"}).encode()
    http = EnvironBuilder(
        method="POST", path="/orders/ord-42", data=order, headers={"content-type": "application/json"}
    ).get_environ()
    pubsub = {
        "message": {"data": base64.b64encode(order).decode(), "messageId": "m-1", "attributes": {},
                    "publishTime": "2026-12-02T10:00:00Z"},
        "subscription": "projects/p/subscriptions/orders-push",
    }
    cloudevent = EnvironBuilder(
        method="POST", path="/", data=json.dumps(pubsub).encode(),
        headers={
            "content-type": "application/json", "ce-specversion": "1.0", "ce-id": "m-1",
            "ce-source": "//pubsub.googleapis.com/projects/p/topics/orders",
            "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
            "ce-subscription": "projects/p/subscriptions/orders-push",
        },
    ).get_environ()
    return {"http": http, "cloudevent": cloudevent}


def timed(fn: Callable[[Any], Any], environ: dict[str, Any], calls: int) -> float:
    import io

    import flask

    body = environ["wsgi.input"].read()
    start = time.perf_counter()
    for _ in range(calls):
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        fn(flask.Request(env))
    elapsed = time.perf_counter() - start
    environ["wsgi.input"] = io.BytesIO(body)
    return elapsed / calls * 1e6


def check(portside: Callable[[Any], Any], environ: dict[str, Any], expected: int) -> None:
    import io

    import flask

    body = environ["wsgi.input"].read()
    environ["wsgi.input"] = io.BytesIO(body)
    env = dict(environ)
    env["wsgi.input"] = io.BytesIO(body)
    with flask.Flask("bench").test_request_context():
        response = portside(flask.Request(env))
    status = response.status_code if hasattr(response, "status_code") else response[1]
    if status != expected:
        raise SystemExit(f"portside answered {status}, expected {expected}: the benchmark is invalid")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args(argv)
    import flask

    requests = environs()
    cases = {
        "http": (handwritten_http(), portside_target(), 201),
        "cloudevent": (handwritten_cloudevent(), portside_target(), 200),
    }
    print(interleaved.title("gcp", args.rounds, args.calls))
    print(interleaved.HEADER)
    with flask.Flask("bench").test_request_context():
        for name, (hand, ours, expected) in cases.items():
            environ = requests[name]
            check(ours, environ, expected)
            print(interleaved.row(name, hand, ours, environ, timed, args.rounds, args.calls))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
