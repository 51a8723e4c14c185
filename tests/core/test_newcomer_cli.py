"""The `portside` command as a newcomer meets it: `--version`; one line on stderr and a non-zero
exit for a missing or non-JSON event file, a taken port or a failing startup file; `replay`
prints the native answer the platform would get next to the results."""

from __future__ import annotations

import copy
import json
import socket
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from portside.startup import load_app
from tests import samples

SERVICE = """
    from pydantic import BaseModel, Field

    from portside import App, Result, Service, http, queue

    class Order(BaseModel):
        sku: str = Field(min_length=1)
        qty: int = Field(gt=0)

    service = Service("shop")

    @service.handler("orders.create")
    def create(order: Order) -> Result[Order]:
        if order.sku == "busy":
            return Result.retry("warehouse busy", after=5)
        return Result.created(order)

    app = App(service, [http("POST /orders", "orders.create"), queue("orders-inbox", "orders.create")],
              adapter="local")
    handler = app.entry_point
"""


def portside(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portside.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def one_line_failure(out: subprocess.CompletedProcess[str], code: int, starts: str) -> str:
    assert out.returncode == code, (out.returncode, out.stderr)
    assert out.stdout == "" and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and out.stderr.startswith(f"portside: {starts}"), out.stderr
    return out.stderr


@pytest.fixture
def main(tmp_path: Path) -> Path:
    path = tmp_path / "shop" / "main.py"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(SERVICE))
    return path


def test_version() -> None:
    out = portside("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"portside {version('portside')}"


def test_a_missing_event_file_is_one_line(main: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    line = one_line_failure(portside("replay", str(main), str(missing), "--adapter", "aws"), 2, "no event file")
    assert str(missing) in line


def test_an_event_file_that_is_not_json_is_one_line(main: Path, tmp_path: Path) -> None:
    broken = tmp_path / "event.json"
    broken.write_text("{'Records': [\n")
    line = one_line_failure(portside("replay", str(main), str(broken), "--adapter", "aws"), 2, str(broken))
    assert "is not JSON (" in line


def test_a_port_in_use_is_one_line(main: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = portside("run", str(main), "--port", str(port))
    line = one_line_failure(out, 2, f"cannot serve on 127.0.0.1:{port}")
    assert "--port" in line


def test_a_startup_file_that_fails_to_import_is_one_line(tmp_path: Path) -> None:
    main = tmp_path / "main.py"
    main.write_text("import no_such_module_here\n")
    line = one_line_failure(portside("bindings", str(main)), 1, "ModuleNotFoundError")
    assert "no_such_module_here" in line and "PORTSIDE_LOG_LEVEL=DEBUG" in line


def replay(main: Path, event: Any, tmp_path: Path, adapter: str = "aws") -> list[dict[str, Any]]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    out = portside("replay", str(main), str(path), "--adapter", adapter)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def sqs_event(bodies: list[Any]) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(samples.load("aws/powertools/sqsEvent.json"))
    template = event["Records"][0]
    event["Records"] = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record.update(messageId=f"m-{index}", body=json.dumps(body),
                      eventSourceARN="arn:aws:sqs:us-east-2:123456789012:orders-inbox")
        event["Records"].append(record)
    return event


def test_replay_prints_the_batch_answer_lambda_gets(main: Path, tmp_path: Path) -> None:
    event = sqs_event([{"sku": "A1", "qty": 2}, {"sku": "busy", "qty": 1}])
    lines = replay(main, event, tmp_path)
    assert [line.get("status") for line in lines[:2]] == ["created", "retry_later"]
    assert lines[0]["payload"] == {"sku": "A1", "qty": 2}
    assert lines[-1] == {"native": {"batchItemFailures": [{"itemIdentifier": "m-1"}]}}
    # ... exactly what the entry point answers when Lambda calls it with this event
    assert lines[-1]["native"] == load_app(main, adapter="aws").entry_point(event, None)


def test_replay_prints_the_http_response_lambda_returns(main: Path, tmp_path: Path) -> None:
    event: dict[str, Any] = copy.deepcopy(samples.load("aws/powertools/apiGatewayProxyV2Event.json"))
    event.update(rawPath="/orders", rawQueryString="", queryStringParameters=None, pathParameters=None,
                 body=json.dumps({"sku": "", "qty": 0}), isBase64Encoded=False)
    event["requestContext"]["http"].update(method="POST", path="/orders")
    event["headers"]["content-type"] = "application/json"
    [result, native] = replay(main, event, tmp_path)
    assert result["status"] == "invalid" and {e["field"] for e in result["errors"]} == {"sku", "qty"}
    answer = native["native"]
    assert answer["statusCode"] == 400 and json.loads(answer["body"])["error"]["status"] == "invalid"


def test_replay_prints_a_raised_portside_error_as_the_answer(main: Path, tmp_path: Path) -> None:
    [native] = replay(main, {"detail": "not an event any shape serves"}, tmp_path)
    assert native["native"]["raised"] == "UnsupportedEvent"
    assert "Lambda event" in native["native"]["message"]  # the adapter says what it serves


def test_replay_on_the_local_adapter_lists_the_settlements(main: Path, tmp_path: Path) -> None:
    lines = replay(main, {"topic": "orders.create", "body": {"sku": "B", "qty": 1}}, tmp_path, "local")
    assert lines[0]["status"] == "created"
    assert lines[-1] == {"native": {"settled": ["acknowledged"]}}
