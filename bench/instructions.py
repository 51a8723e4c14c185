"""Instruction counts per invocation (valgrind callgrind): a noise-free companion to the timings.

Wall-clock ratios on a shared 2-core machine swing by tens of percent from run to run;
instructions executed do not. Each contender runs N and 2N warm invocations in two fresh
processes under callgrind; the difference divided by N is its cost per invocation, with every
start-up cost cancelled out.

    .venv/bin/python bench/instructions.py [--n 400]

Scenarios: the core's dispatch (bench/core_dispatch.py's contenders) and the AWS warm paths
(bench/aws_lambda.py's events and apps: HTTP API POST on the 51st route, SQS batch of 10).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SCENARIOS = {
    "core dispatch": ["hand-written", "portside", "portside+context"],
    "aws http": ["hand-written", "powertools", "portside"],
    "aws sqs": ["hand-written", "powertools", "portside"],
}


def _driver(scenario: str, contender: str, n: int) -> None:
    """Runs inside the measured process: set up, warm up, then n invocations."""
    sys.path[:0] = [str(ROOT / "core"), str(ROOT / "adapters" / "aws"), str(BENCH), str(BENCH / "aws_apps")]
    if scenario == "core dispatch":
        import core_dispatch as core

        fn = core.hand_dispatch if contender == "hand-written" else core.portside_dispatch
        topic = "orders.create.ctx" if contender == "portside+context" else "orders.create"

        def call() -> Any:
            return fn(topic, core.BODY)
    else:
        import aws_lambda as aws

        module = {"hand-written": "handwritten", "powertools": "powertools_app", "portside": "portside_app"}
        app = __import__(module[contender])
        kind = scenario.split()[1]
        handler = getattr(app, f"{kind}_handler")
        event = aws.http_event() if kind == "http" else aws.sqs_event()
        context = aws.LambdaContext()

        def call() -> Any:
            return handler(event, context)

    for _ in range(50):
        call()
    for _ in range(n):
        call()


def _instructions(scenario: str, contender: str, n: int) -> int:
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--drive", scenario, contender, str(n),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # string hashing is randomised per process otherwise
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    match = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in callgrind's output:\n{done.stderr[-2000:]}")
    return int(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--only", help="comma-separated scenarios: core,http,sqs")
    parser.add_argument("--drive", nargs=3, metavar=("SCENARIO", "CONTENDER", "N"))
    args = parser.parse_args()
    if args.drive:
        _driver(args.drive[0], args.drive[1], int(args.drive[2]))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind); skipping instruction counts")
        return 0
    results: dict[str, dict[str, Any]] = {}
    wanted = set(args.only.split(",")) if args.only else None
    for scenario, contenders in SCENARIOS.items():
        if wanted is not None and scenario.split()[-1].replace("dispatch", "core") not in wanted:
            continue
        per_call = {}
        for contender in contenders:
            low = _instructions(scenario, contender, args.n)
            high = _instructions(scenario, contender, 2 * args.n)
            per_call[contender] = (high - low) / args.n
        base = per_call["hand-written"]
        results[scenario] = {
            c: {"instructions": round(v), "ratio": round(v / base, 2)} for c, v in per_call.items()
        }
        print(f"\n{scenario} (instructions per invocation, callgrind)")
        for contender, row in results[scenario].items():
            print(f"  {contender:<14}{row['instructions']:>12,}{row['ratio']:>8.2f}x")
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    suffix = "-" + args.only.replace(",", "-") if args.only else ""
    (out / f"instructions{suffix}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
