"""portside on AWS Lambda vs a hand-written handler vs AWS Lambda Powertools, side by side.

    .venv/bin/python bench/aws_lambda.py [--quick] [--only http,sqs,cold,size] [--profile]

Four measurements, all in one run, contenders interleaved round by round (the machine is shared
and noisy: absolute times drift, ratios measured within a round hold):

- http: a warm API Gateway HTTP API (v2) POST on the 51st of 51 routes, pydantic body.
- sqs:  a warm SQS batch of 10 records, pydantic validation per record, partial batch response.
- cold: a fresh interpreter importing the handler module and serving one HTTP event; both the
        subprocess's wall time and the in-process import + first call time.
- size: `pip install --target` of portside (no boto3) vs pydantic alone, bytes on disk.

Targets: http <= 1.5x hand-written, sqs <= 1.3x, cold <= 1.1x, size difference <= 1 MiB.
The three apps live in bench/aws_apps/. Results: a table on stdout and JSON in bench/results/.
When portside misses a warm target (or with --profile) a cProfile of its path is printed.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import json
import os
import platform
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
APPS = BENCH / "aws_apps"
RESULTS = BENCH / "results"
EVENTS = ROOT.parent / "shared" / "events" / "aws" / "powertools"
SOURCE_PATHS = [str(ROOT / "core"), str(ROOT / "adapters" / "aws"), str(APPS)]
for _path in reversed(SOURCE_PATHS):
    if _path not in sys.path:
        sys.path.insert(0, _path)

TARGETS = {"http": 1.5, "sqs": 1.3, "cold": 1.1}
SIZE_LIMIT = 1024 * 1024
ORDER = {
    "customer": "c-42",
    "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}, {"sku": "C-3", "qty": 5}],
    "note": "leave at the door",
}
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-inbox"


class LambdaContext:
    """The attributes Lambda's context object has, as far as the contenders read them."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2026/01/01/[$LATEST]abc"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


# ---------------------------------------------------------------------- events


def http_event() -> dict[str, Any]:
    """The real API Gateway HTTP API sample, turned into `POST /orders` with a JSON body."""
    event = json.loads((EVENTS / "apiGatewayProxyV2Event.json").read_text())
    event["rawPath"] = "/orders"
    event["rawQueryString"] = ""
    event.pop("queryStringParameters", None)
    event.pop("pathParameters", None)
    event["headers"] = {**event["headers"], "content-type": "application/json"}
    event["requestContext"]["http"]["method"] = "POST"
    event["requestContext"]["http"]["path"] = "/orders"
    event["body"] = json.dumps(ORDER)
    event["isBase64Encoded"] = False
    return event


def sqs_event(records: int = 10) -> dict[str, Any]:
    """Ten records built from the real SQS sample, each carrying a valid order."""
    template = json.loads((EVENTS / "sqsEvent.json").read_text())["Records"][1]
    batch = []
    for n in range(records):
        record = copy.deepcopy(template)
        record["messageId"] = f"059f36b4-87a3-44ab-83d2-{n:012d}"
        record["body"] = json.dumps({**ORDER, "customer": f"c-{n}"})
        record["eventSourceARN"] = QUEUE_ARN
        record["awsRegion"] = "us-east-1"
        batch.append(record)
    return {"Records": batch}


# ---------------------------------------------------------------------- contenders


def contenders(kind: str) -> dict[str, Callable[[dict[str, Any], Any], Any]]:
    import handwritten
    import portside_app
    import powertools_app

    if kind == "http":
        return {
            "hand-written": handwritten.http_handler,
            "powertools": powertools_app.http_handler,
            "powertools+validation": powertools_app.validating_handler,
            "portside": portside_app.handler,
        }
    return {
        "hand-written": handwritten.sqs_handler,
        "powertools": powertools_app.sqs_handler,
        "portside": portside_app.handler,
    }


def check_equivalent(kind: str, handlers: dict[str, Callable[..., Any]], event: dict[str, Any]) -> None:
    """Every contender must give the same answer before its speed means anything."""
    context = LambdaContext()
    for name, handler in handlers.items():
        out = handler(copy.deepcopy(event), context)
        if kind == "http":
            body = json.loads(out["body"])
            ok = out["statusCode"] == 201 and body == {"id": "ord-1", "customer": "c-42", "items": 3}
        else:
            ok = out == {"batchItemFailures": []}
        if not ok:
            raise SystemExit(f"{kind}: {name} answered {out!r}; the benchmark would compare apples to pears")


def per_call_ns(handler: Callable[..., Any], event: dict[str, Any], n: int) -> float:
    context = LambdaContext()
    start = time.perf_counter_ns()
    for _ in range(n):
        handler(event, context)
    return (time.perf_counter_ns() - start) / n


def calibrate(handler: Callable[..., Any], event: dict[str, Any], budget_ns: float) -> int:
    """Iterations that take about `budget_ns` (after a warm-up)."""
    per_call_ns(handler, event, 50)
    once = per_call_ns(handler, event, 50)
    return max(20, int(budget_ns / max(once, 1.0)))


def warm(kind: str, rounds: int, budget_ms: float) -> dict[str, Any]:
    event = http_event() if kind == "http" else sqs_event()
    handlers = contenders(kind)
    check_equivalent(kind, handlers, event)
    counts = {name: calibrate(h, event, budget_ms * 1e6) for name, h in handlers.items()}
    samples: dict[str, list[float]] = {name: [] for name in handlers}
    ratios: dict[str, list[float]] = {name: [] for name in handlers}
    names = list(handlers)
    for _ in range(rounds):
        random.shuffle(names)
        this_round = {name: per_call_ns(handlers[name], event, counts[name]) for name in names}
        for name, ns in this_round.items():
            samples[name].append(ns)
            ratios[name].append(ns / this_round["hand-written"])
    return {
        "unit": "microseconds per invocation",
        "median_us": {n: statistics.median(s) / 1000 for n, s in samples.items()},
        "min_us": {n: min(s) / 1000 for n, s in samples.items()},
        "ratio_median": {n: statistics.median(r) for n, r in ratios.items()},
        "ratio_spread": {n: [min(r), max(r)] for n, r in ratios.items()},
        "iterations_per_round": counts,
        "rounds": rounds,
    }


def profile(kind: str, seconds: float = 2.0, top: int = 25) -> str:
    """cProfile of portside's warm path, sorted by own time."""
    import portside_app

    event = http_event() if kind == "http" else sqs_event()
    handler, context = portside_app.handler, LambdaContext()
    handler(event, context)
    n = calibrate(handler, event, seconds * 1e9)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        handler(event, context)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    return f"cProfile of portside ({kind}, {n} invocations), by own time:\n" + out.getvalue()


def _loop_ns(fn: Callable[[], Any], budget_ns: float = 3e8) -> float:
    """Median per-call time of `fn` over 5 timed batches."""
    for _ in range(20):
        fn()
    start = time.perf_counter_ns()
    for _ in range(20):
        fn()
    n = max(20, int(budget_ns / 5 / max((time.perf_counter_ns() - start) / 20, 1.0)))
    runs = []
    for _ in range(5):
        start = time.perf_counter_ns()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter_ns() - start) / n)
    return statistics.median(runs)


def breakdown(kind: str) -> dict[str, float]:
    """Microseconds per phase of portside's warm path: the whole invocation, the lane alone (for
    HTTP: route, validate, handler, render), and the general path the lane saves."""
    import portside_app

    from portside_aws.entry import entry_point
    from portside_aws.settings import AwsSettings

    app, context = portside_app.app, LambdaContext()
    entry = entry_point(app, AwsSettings.from_env())
    general = entry_point(app, AwsSettings.from_env())
    general.fast = None
    event = http_event() if kind == "http" else sqs_event()
    phases: dict[str, Callable[[], Any]] = {
        "whole invocation (fast path)": lambda: entry.call(event, context),
        "general path (no lanes), for comparison": lambda: general.call(event, context),
    }
    if kind == "http":
        body, lanes = event["body"], app.http_lanes
        phases["lane: route, validate, handler, render"] = lambda: lanes.answer(
            "POST", event["rawPath"], "", body, "application/json", None, None, "id"
        )
    return {name: _loop_ns(fn) / 1000 for name, fn in phases.items()}


# ---------------------------------------------------------------------- cold start

COLD_SCRIPT = """
import json, sys, time
raw = open(sys.argv[3]).read()
event = json.loads(raw)            # Lambda's runtime has json imported before the handler
t0 = time.perf_counter_ns()
module = __import__(sys.argv[1])
t1 = time.perf_counter_ns()
response = getattr(module, sys.argv[2])(event, None)
t2 = time.perf_counter_ns()
assert response["statusCode"] == 201, response
print(json.dumps({"import_ms": (t1 - t0) / 1e6, "first_call_ms": (t2 - t1) / 1e6,
                  "modules": sorted(sys.modules), "boto": "botocore" in sys.modules}))
"""
COLD_APPS = {
    "hand-written": ("handwritten", "http_handler"),
    "powertools": ("powertools_app", "http_handler"),
    "portside": ("portside_app", "handler"),
}


def _cold_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PORTSIDE_", "POWERTOOLS_"))}
    env["PYTHONPATH"] = os.pathsep.join(SOURCE_PATHS)  # plain directories, as in a Lambda package
    return env


def cold_once(name: str, event_file: str, extra: tuple[str, ...] = ()) -> tuple[float, dict[str, Any], str]:
    module, function = COLD_APPS[name]
    command = [sys.executable, *extra, "-c", COLD_SCRIPT, module, function, event_file]
    start = time.perf_counter_ns()
    done = subprocess.run(command, capture_output=True, text=True, env=_cold_env(), check=False)
    wall_ms = (time.perf_counter_ns() - start) / 1e6
    if done.returncode != 0:
        raise SystemExit(f"cold start of {name} failed:\n{done.stderr[-3000:]}")
    return wall_ms, json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def top_imports(stderr: str, count: int = 8) -> list[tuple[str, float]]:
    """Where a `-X importtime` run spent its import time: self time summed per top-level package."""
    totals: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:") :].split("|")
        try:
            own = float(parts[0])
        except ValueError:
            continue  # the header line
        top = parts[2].strip().split(".")[0]
        totals[top] = totals.get(top, 0.0) + own / 1000
    return sorted(totals.items(), key=lambda kv: -kv[1])[:count]


def cold(repetitions: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(http_event(), handle)
        event_file = handle.name
    try:
        names = list(COLD_APPS)
        for name in names:  # warm the .pyc caches and the OS page cache
            cold_once(name, event_file)
            cold_once(name, event_file)
        walls: dict[str, list[float]] = {n: [] for n in names}
        inner: dict[str, list[float]] = {n: [] for n in names}
        modules: dict[str, list[str]] = {}
        botocore: dict[str, bool] = {}
        for _ in range(repetitions):
            random.shuffle(names)
            for name in names:
                wall, report, _ = cold_once(name, event_file)
                walls[name].append(wall)
                inner[name].append(report["import_ms"] + report["first_call_ms"])
                modules[name] = report["modules"]
                botocore[name] = report["boto"]
                if report["boto"] and name == "portside":
                    raise SystemExit("portside imported botocore on a cold start that did not publish")
        importtime = {
            name: top_imports(cold_once(name, event_file, ("-X", "importtime"))[2]) for name in COLD_APPS
        }
    finally:
        os.unlink(event_file)
    base_wall = statistics.median(walls["hand-written"])
    base_inner = statistics.median(inner["hand-written"])
    return {
        "unit": "milliseconds",
        "repetitions": repetitions,
        "wall_median_ms": {n: statistics.median(v) for n, v in walls.items()},
        "in_process_median_ms": {n: statistics.median(v) for n, v in inner.items()},
        "wall_ratio": {n: statistics.median(v) / base_wall for n, v in walls.items()},
        "in_process_ratio": {n: statistics.median(v) / base_inner for n, v in inner.items()},
        "in_process_extra_ms": {n: statistics.median(v) - base_inner for n, v in inner.items()},
        "modules_loaded": {n: len(m) for n, m in modules.items()},
        "modules_beyond_hand_written": {
            n: sorted(set(m) - set(modules["hand-written"])) for n, m in modules.items() if n != "hand-written"
        },
        "imports_botocore": botocore,
        "top_imports_ms": importtime,
    }


# ---------------------------------------------------------------------- package size


def tree_bytes(root: Path) -> dict[str, int]:
    """Bytes of regular files: all; without __pycache__; without __pycache__ and *.dist-info."""
    total = code = without_meta = 0
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        size = path.stat().st_size
        total += size
        parts = path.relative_to(root).parts
        if "__pycache__" in parts or path.suffix == ".pyc":
            continue
        code += size
        if not any(part.endswith(".dist-info") for part in parts):
            without_meta += size
    return {"all": total, "no_pycache": code, "no_pycache_no_dist_info": without_meta}


def pip_target(directory: Path, *requirements: str) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(directory),
        *requirements,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pip install {' '.join(requirements)} failed:\n{done.stderr[-3000:]}")


def size() -> dict[str, Any]:
    from importlib.metadata import version

    pydantic_pin = f"pydantic=={version('pydantic')}"
    with tempfile.TemporaryDirectory(prefix="portside-size-") as tmp:
        baseline, ours = Path(tmp) / "pydantic", Path(tmp) / "portside"
        pip_target(baseline, pydantic_pin)
        pip_target(ours, str(ROOT), pydantic_pin)
        sizes = {"pydantic": tree_bytes(baseline), "portside+pydantic": tree_bytes(ours)}
        extra = sorted(p.name for p in ours.iterdir() if not (baseline / p.name).exists())
        boto = any(p.name.startswith(("boto3", "botocore")) for p in ours.iterdir())
    difference = {k: sizes["portside+pydantic"][k] - sizes["pydantic"][k] for k in sizes["pydantic"]}
    return {
        "unit": "bytes",
        "measured": "no_pycache (pip --no-compile; *.dist-info counted: they ship in the zip)",
        "trees": sizes,
        "difference": difference,
        "added_entries": extra,
        "boto3_installed": boto,
        "within_limit": difference["no_pycache"] <= SIZE_LIMIT,
    }


# ---------------------------------------------------------------------- report


def table(results: dict[str, Any]) -> str:
    lines = []
    for kind in ("http", "sqs"):
        if kind in results:
            r = results[kind]
            lines.append(f"\nwarm {kind} ({r['unit']}, {r['rounds']} interleaved rounds)")
            lines.append(f"  {'contender':<24}{'median':>10}{'min':>10}{'x hand':>9}  spread")
            for name, us in r["median_us"].items():
                lo, hi = r["ratio_spread"][name]
                lines.append(
                    f"  {name:<24}{us:>10.1f}{r['min_us'][name]:>10.1f}"
                    f"{r['ratio_median'][name]:>8.2f}x  {lo:.2f}-{hi:.2f}"
                )
            for phase, us in r.get("portside_phases_us", {}).items():
                lines.append(f"    portside phase {phase:<40}{us:>8.1f} us")
            lines.append(
                f"  target: portside <= {TARGETS[kind]}x -> "
                f"{'met' if r['ratio_median']['portside'] <= TARGETS[kind] else 'MISSED'}"
            )
    if "cold" in results:
        r = results["cold"]
        lines.append(f"\ncold start (ms, median of {r['repetitions']} alternating fresh interpreters)")
        header = f"{'wall':>9}{'x hand':>8}{'import+call':>13}{'x hand':>8}{'modules':>9}"
        lines.append(f"  {'contender':<24}{header}")
        for name in r["wall_median_ms"]:
            lines.append(
                f"  {name:<24}{r['wall_median_ms'][name]:>9.1f}{r['wall_ratio'][name]:>7.2f}x"
                f"{r['in_process_median_ms'][name]:>13.1f}{r['in_process_ratio'][name]:>7.2f}x"
                f"{r['modules_loaded'][name]:>9}"
            )
        met = r["wall_ratio"]["portside"] <= TARGETS["cold"]
        lines.append(f"  target: portside wall <= {TARGETS['cold']}x -> {'met' if met else 'MISSED'}")
        lines.append("  -X importtime, self ms summed per top-level package (one run each):")
        for name, imports in r["top_imports_ms"].items():
            shown = ", ".join(f"{mod} {ms:.1f}" for mod, ms in imports)
            lines.append(f"    {name}: {shown}")
        extra = r["modules_beyond_hand_written"]["portside"]
        packages = sorted({m.split(".")[0] for m in extra})
        lines.append(f"  portside loads {len(extra)} modules the hand-written handler does not, from:")
        lines.append(f"    {', '.join(packages)}")
    if "size" in results:
        r = results["size"]
        lines.append("\nLambda package size (pip install --target, no __pycache__, dist-info counted)")
        for name, tree in r["trees"].items():
            lines.append(f"  {name:<24}{tree['no_pycache'] / 1024:>10.0f} KiB")
        diff = r["difference"]["no_pycache"]
        lines.append(f"  {'difference':<24}{diff / 1024:>10.0f} KiB  (added: {', '.join(r['added_entries'])})")
        lines.append(
            f"  target: <= 1024 KiB -> {'met' if r['within_limit'] else 'MISSED'}"
            f"{'; boto3 was installed!' if r['boto3_installed'] else ''}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--only", default="http,sqs,cold,size", help="comma-separated: http,sqs,cold,size")
    parser.add_argument("--profile", action="store_true", help="always print portside's profiles")
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    rounds, budget_ms, cold_reps = (5, 20.0, 5) if args.quick else (21, 60.0, 25)
    os.environ.setdefault("PORTSIDE_LOG_LEVEL", "WARNING")

    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "targets": {**TARGETS, "size_bytes": SIZE_LIMIT},
    }
    profiles: dict[str, str] = {}
    for kind in ("http", "sqs"):
        if kind in parts:
            results[kind] = warm(kind, rounds, budget_ms)
            if args.profile or results[kind]["ratio_median"]["portside"] > TARGETS[kind]:
                try:
                    results[kind]["portside_phases_us"] = breakdown(kind)
                except Exception as exc:  # adapter internals moved: the profile still tells
                    results[kind]["portside_phases_us"] = {f"unavailable ({exc!r})": 0.0}
                profiles[kind] = profile(kind)
    if "cold" in parts:
        results["cold"] = cold(cold_reps)
    if "size" in parts:
        results["size"] = size()
    results["profiles"] = profiles

    print(table(results))
    for text in profiles.values():
        print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "aws_lambda.json"
    out.write_text(json.dumps(results, indent=2))
    shutil.copyfile(out, RESULTS / f"aws_lambda-{time.strftime('%Y%m%d-%H%M%S')}.json")
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
