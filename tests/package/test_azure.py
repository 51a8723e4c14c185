"""`portside package --cloud azure` through the command line: the function app folder's
function_app.py, imported from the folder alone as the worker imports it, indexes with the real
azure.functions library (`FunctionApp.get_functions()`, each function checked by the worker's
rules in tests/azure/worker_index.py), one function per binding the adapter plans."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from portside.startup import load_app
from portside_azure.plan import plan
from tests.package.conftest import ORDERS, PIPELINE, ROOT, Run, write_service

Portside = Callable[..., Run]
INDEX = """
import json, sys
root = sys.argv[1]
import function_app, portside                        # as the worker does, from the folder
sys.path.append(root)
from tests.azure.worker_index import index
functions = index(function_app.app)
print(json.dumps({
    "from": portside.__file__,
    "functions": {f.get_function_name(): sorted(b.type for b in f.get_bindings() if b.name != "$return")
                  for f in functions},
}))
"""


@pytest.mark.parametrize("main", [ORDERS, PIPELINE], ids=["orders", "pipeline"])
def test_the_folder_indexes_with_azure_functions(portside: Portside, tmp_path: Path, main: Path) -> None:
    out = tmp_path / "out"
    run = portside("package", main, "--cloud", "azure", "--out", out)
    assert run.code == 0, run.err

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PORTSIDE_"))}
    settings = json.loads((out / "local.settings.json").read_text())["Values"]
    done = subprocess.run([sys.executable, "-c", INDEX, str(ROOT)], cwd=out, capture_output=True, text=True,
                          env={**environment, **settings}, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    indexed = json.loads(done.stdout.splitlines()[-1])

    assert Path(indexed["from"]).resolve().is_relative_to(out.resolve())  # portside vendored in the folder
    specs = plan(load_app(main, adapter="azure"))
    assert sorted(indexed["functions"]) == sorted(spec.name for spec in specs)
    assert len(run.lines) >= len(specs)
    for spec in specs:
        assert len([line for line in run.lines if line.startswith(f"function {spec.name} ")]) == 1
        assert indexed["functions"][spec.name], spec  # every function has its trigger binding
    if main == ORDERS:
        assert indexed["functions"]["http"] == ["httpTrigger"]
        assert sorted(t for types in indexed["functions"].values() for t in types) == [
            "httpTrigger", "queueTrigger", "serviceBusTrigger"]
        host = json.loads((out / "host.json").read_text())
        assert host["extensions"]["queues"]["maxDequeueCount"] == 5  # handed back -> orders-inbox-poison
    requirements = (out / "requirements.txt").read_text().splitlines()
    assert "azure-functions>=1.25" in requirements
    assert not any(line.startswith("portside") for line in requirements)
    assert run.out.splitlines()[-1] == f"next: cd {out} && func azure functionapp publish <app-name>"


def test_options_reach_host_json(portside: Portside, tmp_path: Path) -> None:
    run = portside("package", ORDERS, "--cloud", "azure", "--out", tmp_path / "out",
                   "--option", "max_dequeue_count=3", "--option", "route_prefix=")

    assert run.code == 0, run.err
    host = json.loads((tmp_path / "out" / "host.json").read_text())
    assert host["extensions"]["queues"]["maxDequeueCount"] == 3
    assert host["extensions"]["http"]["routePrefix"] == ""
    assert any("after 3 failed tries" in line for line in run.lines)


def test_unknown_options_are_refused_in_one_line(portside: Portside, tmp_path: Path) -> None:
    main = write_service(tmp_path / "svc", "queue('jobs', 't.run')")
    run = portside("package", main, "--cloud", "azure", "--out", tmp_path / "out", "--option", "memory=1")

    assert run.code == 2
    last = run.err.splitlines()[-1]
    assert last.startswith("portside: unknown package option 'memory'; known: max_dequeue_count")
    assert not (tmp_path / "out").exists()
