from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import samples

pytest_plugins = ["pytester"]


def portside(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "portside.cli", *args], capture_output=True, text=True)


def test_pytest_plugin_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from portside import App, Service, http, Context, destination

        @pytest.fixture
        def portside_app():
            svc = Service("p")

            @svc.handler("ping", publishes=["pinged"])
            def ping(body: dict, ctx: Context) -> dict:
                ctx.publish("pinged", body)
                return {"pong": body["text"]}

            return App(svc, [http("POST /ping", "ping"), destination("pinged", "pings")], adapter="local")
        """
    )
    pytester.makepyfile(
        """
        def test_ping(portside_client, portside_published):
            assert portside_client.post("/ping", json={"text": "hi"}).json() == {"pong": "hi"}
            assert [m.topic for m in portside_published.published] == ["pinged"]
            assert portside_published.to_target("pings") == portside_client.published_to("pinged")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_plugin_explains_missing_app_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(portside_client):\n    pass\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*needs a `portside_app` fixture*"])


def test_cli_bindings_and_adapters() -> None:
    out = portside("bindings", str(samples.ORDERS_MAIN))
    assert out.returncode == 0
    lines = [line.split() for line in out.stdout.splitlines()]
    assert ["queue", "orders-inbox", "->", "orders.create"] in lines
    assert ["destination", "orders-events", "->", "orders.cancelled"] in lines
    assert ["subscription", "orders-events", "->", "orders.audit"] in lines
    adapters = portside("adapters").stdout
    assert "local" in adapters and "aws" in adapters


def test_cli_replay_local_event(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"topic": "orders.create", "body": {"sku": "R", "qty": 1}}))
    out = portside("replay", str(samples.ORDERS_MAIN), str(event), "--adapter", "local")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert lines[0]["status"] == "created" and lines[0]["payload"]["sku"] == "R"
    assert lines[1]["published"] == "orders.created"


def test_cli_reports_startup_errors_cleanly(tmp_path: Path) -> None:
    out = portside("run", str(tmp_path / "missing.py"))
    assert out.returncode == 2
    assert out.stderr.startswith("portside: no startup file") and "Traceback" not in out.stderr


def test_cli_replays_a_real_aws_sample(tmp_path: Path) -> None:
    """A real SQS event, pointed at the example's queue, replayed on this machine."""
    event = samples.load("aws/powertools/sqsEvent.json")
    for record in event["Records"]:
        record["eventSourceARN"] = "arn:aws:sqs:us-east-2:123456789012:orders-inbox"
    event["Records"][0]["body"] = json.dumps({"sku": "S1", "qty": 4})
    path = tmp_path / "sqs.json"
    path.write_text(json.dumps(event))
    out = portside("replay", str(samples.ORDERS_MAIN), str(path), "--adapter", "aws")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line.get("status") for line in lines[:2]] == ["created", "invalid"]
    assert lines[0]["payload"]["sku"] == "S1"
    assert {e["field"] for e in lines[1]["errors"]} == {"sku", "qty"}  # {"message": "foo1"}
    assert lines[2] == {"published": "orders.created", "body": lines[0]["payload"]}
