"""A cold start through a lane loads only what the lane needs.

The first request of a Lambda container pays for every module it imports; the general path's
modules (the dispatcher, the HTTP reader and renderer, logging, settlement, publishing) and
pluggy must wait for the first message that needs them. Run in a fresh interpreter, so what
other tests imported does not hide an import.
"""

from __future__ import annotations

import json
import subprocess
import sys

GENERAL_PATH = (
    "portside.context",
    "portside.dispatch",
    "portside.invoke",
    "portside.kit.shapes",
    "portside.http_flow",
    "portside.http_types",
    "portside.logs",
    "portside.inbound",
    "portside.settlement",
    "portside.publisher",
    "portside_aws.apigw_v2",
    "portside_aws.http_common",
    "portside_aws.targets",
    "pluggy",
    "logging",
)

# Everything a lane's cold start loads of portside. Each module costs the import system some
# 50 µs plus unmarshalling its bytecode, at every cold start: one more here is a decision.
LANE_COLD_PATH = frozenset({
    "portside", "portside.adapters", "portside.app", "portside.bindings", "portside.codec",
    "portside.errors", "portside.handlers", "portside.headers", "portside.kit", "portside.kit.entry",
    "portside.kit.invocation", "portside.lanes", "portside.lazy", "portside.message",
    "portside.result", "portside.routing", "portside.startup_checks",
    "portside.values",
    "portside_aws", "portside_aws.checks", "portside_aws.detect", "portside_aws.entry",
    "portside_aws.errors", "portside_aws.http_api_lane", "portside_aws.plugin", "portside_aws.settings",
})

PROGRAM = """
import json, sys
from pydantic import BaseModel
from portside import App, Result, Service, http

class Order(BaseModel):
    id: str
    qty: int

service = Service("orders")

@service.handler("orders.create")
def create(order: Order) -> Result:
    return Result.created({"id": order.id, "qty": order.qty})

app = App(service, [http("POST /orders/{id}", "orders.create")], adapter="aws")
event = {
    "version": "2.0", "routeKey": "POST /orders/{id}", "rawPath": "/orders/o-1", "rawQueryString": "",
    "headers": {"content-type": "application/json"},
    "requestContext": {"requestId": "r-1", "stage": "$default",
                       "http": {"method": "POST", "path": "/orders/o-1"}},
    "body": '{"qty": 2}', "isBase64Encoded": False,
}
answer = app.entry_point(event, None)
print(json.dumps({"answer": answer, "loaded": sorted(sys.modules)}))
"""


def run_fresh(program: str) -> dict:
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_first_lane_request_loads_no_general_path_module() -> None:
    found = run_fresh(PROGRAM)
    assert found["answer"]["statusCode"] == 201
    assert json.loads(found["answer"]["body"]) == {"id": "o-1", "qty": 2}
    assert "portside.lanes" in found["loaded"]
    assert [name for name in GENERAL_PATH if name in found["loaded"]] == []


def test_first_lane_request_loads_the_lane_cold_path_and_nothing_else() -> None:
    found = run_fresh(PROGRAM)
    loaded = {name for name in found["loaded"] if name.split(".")[0] in ("portside", "portside_aws")}
    assert loaded - LANE_COLD_PATH == set(), "new on the cold path: keep it lazy or add it deliberately"
    assert LANE_COLD_PATH - loaded == set(), "no longer on the cold path: take it off the list"


def test_the_general_path_loads_them_when_needed() -> None:
    # The same first request with a body the lane hands back (invalid): the general path runs.
    found = run_fresh(PROGRAM.replace("'{\"qty\": 2}'", "'{\"qty\": \"many\"}'"))
    assert found["answer"]["statusCode"] == 400
    assert {"portside.dispatch", "portside.http_flow", "portside_aws.apigw_v2"} <= set(found["loaded"])
