"""The deployable app folder: rendered files, and a generated function_app.py that the worker's
indexing (import the script, find its one FunctionApp, get_functions() once) accepts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from portside import App
from portside_azure.package import host_json, render, write
from portside_azure.plan import plan

ROOT = Path(__file__).resolve().parents[2]


def test_rendered_files(app: App) -> None:
    files = render(app)
    assert set(files) == {
        "function_app.py",
        "host.json",
        "local.settings.json",
        "requirements.txt",
        "README.md",
    }
    host = json.loads(files["host.json"])
    assert (
        host["version"] == "2.0"
        and host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    )
    assert host["extensions"]["http"]["routePrefix"] == "api"
    assert host["extensions"]["queues"]["maxDequeueCount"] == 5
    assert host["extensions"]["queues"]["visibilityTimeout"] == "00:00:30"
    values = json.loads(files["local.settings.json"])["Values"]
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python" and values["PORTSIDE_ADAPTER"] == "azure"
    for setting in (
        "AzureWebJobsStorage",
        "ServiceBusConnection",
        "EventHubConnection",
        "PORTSIDE_AZURE_AUTH_LEVEL",
    ):
        assert setting in values
    requirements = files["requirements.txt"].splitlines()
    assert "azure-functions>=1.25" in requirements and "azure-storage-queue>=12.9" in requirements
    assert "azure-servicebus>=7.11" in requirements  # orders-events is a Service Bus topic
    readme = files["README.md"]
    assert "MaxDeliveryCount" in readme and "dead-letter container" in readme and "inbox-poison" in readme
    for spec in plan(app):
        assert f"`{spec.name}`" in readme


def test_http_only_apps_need_no_extension_bundle(app: App) -> None:
    specs = [spec for spec in plan(app) if spec.kind in ("http", "timer")]
    assert "extensionBundle" not in host_json(specs, "", 5, "00:00:30")
    assert host_json(specs, "/", 5, "00:00:30")["extensions"]["http"]["routePrefix"] == ""


STARTUP = """
from portside import App, Service, http, queue

service = Service("folder")


@service.handler("ping")
def ping(body: dict) -> dict:
    return {"pong": body}


app = App(service, [http("POST /ping", "ping"), queue("jobs", "ping")], adapter="local")
handler = app.entry_point
"""

INDEX = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from tests.azure.worker_index import validate
import azure.functions as func
module = importlib.import_module("function_app")
found = [v for k, v in vars(module).items() if isinstance(v, func.FunctionRegister)]
assert len(found) == 1, found
functions = found[0].get_functions()
for function in functions:
    validate(function)
print(json.dumps(sorted(f.get_function_name() for f in functions)))
"""


def test_the_written_folder_indexes_in_a_fresh_worker(tmp_path: Path, app: App) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "main.py").write_text(textwrap.dedent(STARTUP))
    out = tmp_path / "out"
    written = write(app, source / "main.py", out)
    assert {p.name for p in written} >= {"function_app.py", "host.json"} and (out / "main.py").exists()
    env = {**os.environ, "PORTSIDE_ADAPTER": "azure"}
    result = subprocess.run(
        [sys.executable, "-c", INDEX, str(out), str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=out,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["http", "queue_jobs"]


def test_a_startup_built_for_another_adapter_says_what_to_set(tmp_path: Path, app: App) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "main.py").write_text(textwrap.dedent(STARTUP))
    write(app, source / "main.py", tmp_path / "out")
    env = {k: v for k, v in os.environ.items() if k != "PORTSIDE_ADAPTER"}
    result = subprocess.run(
        [sys.executable, "-c", INDEX, str(tmp_path / "out"), str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path / "out",
        timeout=120,
    )
    assert result.returncode != 0 and "PORTSIDE_ADAPTER=azure" in result.stderr
