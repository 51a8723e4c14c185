"""`portside` command line: run an app locally, list its bindings, replay a cloud event, package it.

Every failure is one line on stderr (`portside: ...`, saying what to do) and a non-zero exit:
2 for what the user can fix (a missing file, a taken port, a startup error), 1 for anything
else. PORTSIDE_LOG_LEVEL=DEBUG adds the traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PortsideError

if TYPE_CHECKING:
    from .app import App
    from .message import Message
    from .result import Result


PACKAGE_CLOUDS = ("aws", "azure", "gcp")


class UsageError(PortsideError):
    """A command line the user can correct (a missing or unreadable file)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="portside", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--version", action="version", version=f"portside {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="serve a startup file on the local adapter")
    run.add_argument("main", help="path of the startup file (main.py)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    run.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="each request's deadline, as a function timeout (ctx.remaining_seconds() "
                          "counts it down); default 30")
    run.add_argument("--cors", action="append", metavar="ORIGIN",
                     help="let browsers on ORIGIN (e.g. http://localhost:3000, or '*') call the service; "
                          "repeat for several")

    routes = commands.add_parser("bindings", help="list the bindings of a startup file")
    routes.add_argument("main")

    replay = commands.add_parser(
        "replay",
        help="run a native cloud event through the app's entry point: print each message's result, "
             "what was published, and the native answer the platform would get",
    )
    replay.add_argument("main")
    replay.add_argument("event", help="JSON file holding the native event")
    replay.add_argument("--adapter", required=True, help="the adapter whose events these are")

    commands.add_parser("adapters", help="list the installed adapters")

    package = commands.add_parser(
        "package",
        help="write what deploys the service unchanged on a cloud (a SAM template, a function app "
             "folder, a deploy script), print what each binding became and the command to run next",
    )
    package.add_argument("main")
    package.add_argument("--cloud", required=True, choices=PACKAGE_CLOUDS, help="the adapter to package for")
    package.add_argument("--out", required=True, metavar="DIR", help="the folder to write (created)")
    package.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                         help="a packaging option of the cloud, e.g. memory=512 or existing=orders-events; "
                              "repeat for several")

    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except PortsideError as exc:
        return _fail(2, str(exc))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a defect or the user's own code failing: one line, no traceback
        from .logs import debug_enabled

        if debug_enabled():
            import traceback

            traceback.print_exc()
        return _fail(1, f"{type(exc).__name__}: {exc} (PORTSIDE_LOG_LEVEL=DEBUG shows the traceback)")


def _fail(code: int, text: str) -> int:
    print(f"portside: {' '.join(text.split())}", file=sys.stderr)  # one line, whatever the message
    return code


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("portside")
    except PackageNotFoundError:
        return "(not installed)"


def _run(args: argparse.Namespace) -> int:
    from .local.runtime import DEFAULT_DEADLINE_SECONDS, LocalRuntime
    from .startup import load_app

    if args.timeout is not None and not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    app = load_app(args.main, adapter="local")
    deadline = DEFAULT_DEADLINE_SECONDS if args.timeout is None else args.timeout
    runtime = LocalRuntime(app, cors=args.cors, deadline_seconds=deadline)
    runtime.serve(args.host, args.port)
    return 0


def _bindings(args: argparse.Namespace) -> int:
    from .startup import load_app

    app = load_app(args.main, adapter="local")
    for binding in app.bindings:
        print(f"{binding.kind.value:<13} {binding.name:<40} -> {binding.topic}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    """Lines of JSON: one per dispatched message, one per published message, then
    `{"native": ...}`, what the platform gets back from the entry point (for AWS e.g. the API
    Gateway response or `{"batchItemFailures": [...]}`; `{"raised": ...}` when it raises)."""
    from pydantic_core import to_jsonable_python

    from .publisher import InMemoryPublisher
    from .startup import load_app

    event = _read_event(Path(args.event))
    app = load_app(args.main, adapter=args.adapter)
    app.publisher = published = InMemoryPublisher()
    # Replay shows every message, so it takes the general path, which builds them; a lane
    # (portside.lanes) answers alike but builds none. Adapters look lanes up as they serve.
    app.lanes.clear()
    results = _recording(app)
    native = _native_answer(app, event)
    for message, result in results:
        print(json.dumps({
            "topic": message.topic,
            "status": result.status.value,
            "payload": to_jsonable_python(result.payload, fallback=repr),
            "errors": [e.to_dict() for e in result.errors],
        }))
    for message in published.messages:
        print(json.dumps({"published": message.topic,
                          "body": to_jsonable_python(message.body, fallback=repr)}))
    print(json.dumps({"native": to_jsonable_python(native, fallback=repr)}))
    return 0


def _read_event(path: Path) -> Any:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UsageError(
            f"no event file at {path}; pass the path of a JSON file holding one native event"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read the event file {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"{path} is not JSON ({exc}); pass a file holding one native event, e.g. a saved Lambda event"
        ) from None


def _recording(app: App) -> list[tuple[Message, Result[Any]]]:
    """Record every (message, result) the app dispatches from now on."""
    seen: list[tuple[Message, Result[Any]]] = []
    dispatcher = app._dispatcher_now()  # what App.dispatch and kit.Batch both call
    dispatch = dispatcher.dispatch

    def recording(message: Message) -> Result[Any]:
        result = dispatch(message)
        seen.append((message, result))
        return result

    dispatcher.dispatch = recording  # type: ignore[method-assign]
    return seen


def _native_answer(app: App, event: Any) -> Any:
    """The entry point's answer to `event`, called as the platform calls it.

    An entry point that is not a function of the event (the local runtime, a server object)
    gets each message the adapter reads from the event delivered as a queue would, and the
    answer lists how each was settled."""
    entry = app.entry_point
    call = _event_call(entry)
    if call is None:
        return {"settled": [app.deliver(message).state.value for message in app.translate(event)]}
    try:
        return call(event)
    except PortsideError as exc:  # what the platform would see raised (and then retry or park)
        return {"raised": type(exc).__name__, "message": str(exc)}


def _event_call(entry: Any) -> Any:
    """`entry` as a function of the event alone: Lambda style `(event, context)` gets no context."""
    import inspect

    if not callable(entry) or isinstance(entry, type):
        return None
    try:
        parameters = inspect.signature(entry).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= 2:
        return lambda event: entry(event, None)
    if len(positional) == 1:
        return entry
    return None


def _package(args: argparse.Namespace) -> int:
    """Load the app on the chosen cloud's adapter (its startup checks run), let the adapter's
    `portside_package` hook write DIR, then print the files, one line per resource and the next
    command."""
    from .startup import load_app

    options = _package_options(args.option)
    app = load_app(args.main, adapter=args.cloud)
    report = app.adapter.hook.portside_package(app=app, out=Path(args.out), options=options)
    if report is None:
        raise UsageError(f"adapter {args.cloud!r} cannot package a service (it has no portside_package hook)")
    print(f"wrote {args.out}: {', '.join(str(path) for path in report.files)}")
    for line in report.lines:
        print(f"  {line}")
    print(f"next: {report.next_command}")
    return 0


def _package_options(pairs: Sequence[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise UsageError(f"--option {pair!r}: write it as KEY=VALUE, e.g. --option memory=512")
        if key.strip() in options:
            raise UsageError(f"--option {key.strip()} is given twice; give each option once")
        options[key.strip()] = value.strip()
    return options


def _adapters(args: argparse.Namespace) -> int:
    from .adapters import available

    for name, module in sorted(available().items()):
        print(f"{name:<8} {module}")
    return 0


_COMMANDS = {
    "run": _run, "bindings": _bindings, "replay": _replay, "adapters": _adapters, "package": _package,
}

if __name__ == "__main__":
    raise SystemExit(main())
