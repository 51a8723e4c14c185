"""Core dispatch vs a hand-written dict-dispatch + pydantic function, and portside's import cost.

Ratios are measured in one run with interleaved rounds (the machines are shared and noisy:
absolute times drift, ratios hold). Targets (issue #2): dispatch <= 1.5x the hand-written
function; `import portside` adds < 15 ms on top of pydantic.

    .venv/bin/python bench/core_dispatch.py [--quick]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from portside import App, Context, Message, Result, Service

BODY = {"sku": "A1", "qty": 2}


class NewOrder(BaseModel):
    sku: str = Field(min_length=1)
    qty: int = Field(gt=0)


def create(new: NewOrder) -> dict[str, Any]:
    """The same handler body for both sides."""
    return {"sku": new.sku, "qty": new.qty}


# --- hand-written baseline: dict dispatch + pydantic, returning a status + payload --------------
HANDLERS = {"orders.create": (NewOrder, create)}


def hand_dispatch(topic: str, body: Any) -> dict[str, Any]:
    entry = HANDLERS.get(topic)
    if entry is None:
        return {"status": 404}
    model, fn = entry
    try:
        value = model.model_validate(body)
    except ValidationError as exc:
        return {"status": 400, "errors": exc.errors()}
    try:
        return {"status": 201, "body": fn(value)}
    except Exception:
        return {"status": 500}


# --- portside ------------------------------------------------------------------------------------
service = Service("bench")
service.handler("orders.create")(create)


@service.handler("orders.create.ctx")
def create_with_context(new: NewOrder, ctx: Context) -> Result[dict[str, Any]]:
    return Result.created({"sku": new.sku, "qty": new.qty})


app = App(service, adapter="local")


def portside_dispatch(topic: str, body: Any) -> Result[Any]:
    return app.dispatch(Message(topic, body))


def per_call_ns(fn: Any, topic: str, n: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(n):
        fn(topic, BODY)
    return (time.perf_counter_ns() - start) / n


def dispatch_ratios(rounds: int, n: int) -> dict[str, Any]:
    cases = {
        "hand-written": (hand_dispatch, "orders.create"),
        "portside": (portside_dispatch, "orders.create"),
        "portside+context": (portside_dispatch, "orders.create.ctx"),
    }
    for fn, topic in cases.values():
        per_call_ns(fn, topic, 2000)  # warm up
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (fn, topic) in cases.items():
            samples[name].append(per_call_ns(fn, topic, n))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["hand-written"]
    return {name: {"ns_per_call": round(v), "ratio": round(v / base, 3)} for name, v in medians.items()}


def import_cost(rounds: int) -> dict[str, Any]:
    """ms added by `import portside` after pydantic, measured inside fresh interpreters."""
    code = (
        "import time, pydantic; from pydantic import BaseModel\n"
        "t = time.perf_counter(); import {mod}; d = time.perf_counter() - t\n"
        "print(d * 1000)"
    )
    added: list[float] = []
    walls: dict[str, list[float]] = {"pydantic": [], "pydantic+portside": []}
    for _ in range(rounds):
        out = subprocess.run([sys.executable, "-c", code.format(mod="portside")],
                             capture_output=True, text=True, check=True)
        added.append(float(out.stdout))
        for name, stmt in (
            ("pydantic", "import pydantic; from pydantic import BaseModel"),
            ("pydantic+portside", "import pydantic; from pydantic import BaseModel; import portside"),
        ):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", stmt], check=True)
            walls[name].append((time.perf_counter() - start) * 1000)
    wall = {k: statistics.median(v) for k, v in walls.items()}
    return {
        "added_ms_in_process": round(statistics.median(added), 2),
        "wall_ms_pydantic": round(wall["pydantic"], 1),
        "wall_ms_pydantic_portside": round(wall["pydantic+portside"], 1),
        "wall_added_ms": round(wall["pydantic+portside"] - wall["pydantic"], 1),
    }


def compile_bytecode() -> None:
    """Deployed packages ship compiled bytecode (pip compiles on install); an editable checkout
    under PYTHONDONTWRITEBYTECODE would otherwise recompile portside on every cold start."""
    import compileall

    root = Path(__file__).resolve().parents[1]
    for folder in ("core", "adapters"):
        compileall.compile_dir(root / folder, quiet=1)


def main() -> None:
    quick = "--quick" in sys.argv
    compile_bytecode()
    dispatch = dispatch_ratios(rounds=5 if quick else 15, n=5000 if quick else 20000)
    imports = import_cost(rounds=5 if quick else 15)
    print(f"{'case':<20}{'ns/call':>10}{'ratio':>8}")
    for name, row in dispatch.items():
        print(f"{name:<20}{row['ns_per_call']:>10}{row['ratio']:>8}")
    print(f"import portside after pydantic: +{imports['added_ms_in_process']} ms in-process, "
          f"+{imports['wall_added_ms']} ms wall ({imports['wall_ms_pydantic']} -> "
          f"{imports['wall_ms_pydantic_portside']} ms)")
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    (out / "core_dispatch.json").write_text(json.dumps({"dispatch": dispatch, "import": imports}, indent=2))


if __name__ == "__main__":
    main()
