"""`portside` command line: run an app locally, list its bindings, replay a cloud event."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import PortsideError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="portside", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="serve a startup file on the local adapter")
    run.add_argument("main", help="path of the startup file (main.py)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--cors", action="append", metavar="ORIGIN",
                     help="let browsers on ORIGIN (e.g. http://localhost:3000, or '*') call the service; "
                          "repeat for several")

    routes = commands.add_parser("bindings", help="list the bindings of a startup file")
    routes.add_argument("main")

    replay = commands.add_parser(
        "replay", help="translate a native cloud event with an adapter and dispatch it locally"
    )
    replay.add_argument("main")
    replay.add_argument("event", help="JSON file holding the native event")
    replay.add_argument("--adapter", required=True, help="the adapter whose events these are")

    commands.add_parser("adapters", help="list the installed adapters")

    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except PortsideError as exc:
        print(f"portside: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from .local.runtime import LocalRuntime
    from .startup import load_app

    app = load_app(args.main, adapter="local")
    runtime = LocalRuntime(app, cors=args.cors)
    runtime.serve(args.host, args.port)
    return 0


def _bindings(args: argparse.Namespace) -> int:
    from .startup import load_app

    app = load_app(args.main, adapter="local")
    for binding in app.bindings:
        print(f"{binding.kind.value:<13} {binding.name:<40} -> {binding.topic}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from pydantic_core import to_jsonable_python

    from .publisher import InMemoryPublisher
    from .startup import load_app

    app = load_app(args.main, adapter=args.adapter)
    app.publisher = published = InMemoryPublisher()
    event = json.loads(Path(args.event).read_text())
    for message in app.translate(event):
        result = app.dispatch(message)
        print(json.dumps({
            "topic": message.topic,
            "status": result.status.value,
            "payload": to_jsonable_python(result.payload, fallback=repr),
            "errors": [e.to_dict() for e in result.errors],
        }))
    for message in published.messages:
        print(json.dumps({"published": message.topic,
                          "body": to_jsonable_python(message.body, fallback=repr)}))
    return 0


def _adapters(args: argparse.Namespace) -> int:
    from .adapter_loading import available

    for name, module in sorted(available().items()):
        print(f"{name:<8} {module}")
    return 0


_COMMANDS = {"run": _run, "bindings": _bindings, "replay": _replay, "adapters": _adapters}

if __name__ == "__main__":
    raise SystemExit(main())
