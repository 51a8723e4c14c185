"""What every cloud's packager shares (`portside package main.py --cloud NAME --out DIR`).

An adapter implements the `portside_package(app, out, options)` hook and returns a
`PackageReport`; what its cloud cannot express it refuses with `PackageError`, naming the binding
and the fix. The shared steps live here, never once per adapter:

- `prepare_out`: a fresh output folder (an earlier package there is replaced; anything else refused);
- `write_source`: the startup file's folder, portside and the adapter vendored beside it, and a
  requirements.txt from portside's own metadata plus the service's requirements.txt, so the
  folder deploys as it is (portside itself is not fetched from a package index);
- `Options`: `--option key=value` checked against what the packager knows;
- `possible_states` / `gives_back`: which of the four states a binding's messages can end in,
  read from the outcome table (`portside.OUTCOMES`), so each template configures the platform
  setting that keeps what is given back;
- `publish_targets`: every target the service publishes to (destinations and dead-letter
  targets), the only ones that get publish permissions;
- `to_yaml`: a small YAML writer for templates (no PyYAML at run time).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..bindings import DROP, HAND_BACK, DestinationBinding, DestinationChannel
from ..errors import StartupError
from ..result import OUTCOMES, Delivery
from ..settlement import State
from ..values import Value

if TYPE_CHECKING:
    from ..app import App

MARKER = ".portside-package"  # marks a folder this command wrote, so a rerun may replace it
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "venv", "tests", "build", "dist"})
_SKIP_FILES = ("conftest.py",)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class PackageError(StartupError):
    """The service cannot be packaged for this cloud as declared; the message names the binding
    (or option) and what to write instead."""


class PackageReport(Value):
    """What a packager wrote: the files, one line per resource or function (what each binding
    became), and the command to run next."""

    __slots__ = ("files", "lines", "next_command")
    files: list[Path]
    lines: list[str]
    next_command: str

    def __init__(self, files: Iterable[Path], lines: Iterable[str], next_command: str) -> None:
        self._init(files=list(files), lines=list(lines), next_command=next_command)


# ---------------------------------------------------------------------------- options
class Options:
    """`--option key=value` pairs, checked against the keys a packager documents.

    >>> options = Options({"memory": "256"}, {"memory": "MB of memory", "existing": "names"})
    >>> options.integer("memory", 512, 128, 10240), options.names("existing")
    (256, [])
    >>> Options({"memroy": "1"}, {"memory": "MB"})
    Traceback (most recent call last):
    ...
    portside.kit.packaging.PackageError: unknown package option 'memroy'; known: memory (MB)
    """

    def __init__(self, values: Mapping[str, str], known: Mapping[str, str]) -> None:
        unknown = sorted(set(values) - set(known))
        if unknown:
            described = ", ".join(f"{key} ({meaning})" for key, meaning in sorted(known.items()))
            raise PackageError(
                f"unknown package option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                f"known: {described or 'none'}"
            )
        self.values = dict(values)

    def text(self, key: str, default: str) -> str:
        value = self.values.get(key, "").strip()
        return value or default

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        raw = self.values.get(key)
        if raw is None or not raw.strip():
            return default
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise PackageError(f"--option {key}={raw}: use a whole number from {low} to {high}")
        return value

    def names(self, key: str) -> list[str]:
        """A comma-separated list (`existing=orders-events,orders-inbox`)."""
        return [part.strip() for part in self.values.get(key, "").split(",") if part.strip()]


# ---------------------------------------------------------------------------- what bindings need
def possible_states(app: App, binding: Any) -> frozenset[State]:
    """The states a message of `binding` can end in, from the outcome table and its dead-letter
    choice (the binding's, else the App's), exactly as `portside.settlement.settle` decides."""
    deliveries = {row.delivery for row in OUTCOMES.values()}
    states: set[State] = set()
    if Delivery.ACK in deliveries:
        states.add(State.ACKNOWLEDGED)
    if Delivery.RETRY in deliveries:
        states.add(State.RETRIED)
    if Delivery.DEAD_LETTER in deliveries:
        target = getattr(binding, "dead_letter", None) or app.dead_letter_target
        if target == DROP:
            states.add(State.ACKNOWLEDGED)
        elif target is None or target == HAND_BACK:
            states.add(State.HANDED_BACK)
        else:  # parked; a message too large for the target is handed back, a failed publish retried
            states.update((State.DEAD_LETTERED, State.HANDED_BACK, State.RETRIED))
    return frozenset(states)


def gives_back(app: App, binding: Any) -> bool:
    """True when the platform must keep some of `binding`'s messages (retried or handed back):
    then its redrive, retry or on-failure setting is what keeps them."""
    return bool(possible_states(app, binding) & {State.RETRIED, State.HANDED_BACK})


def dead_letter_target(app: App, binding: Any) -> str | None:
    """The target `binding`'s poison is published to (its own, else the App's), or None."""
    target = getattr(binding, "dead_letter", None) or app.dead_letter_target
    return None if target in (None, DROP, HAND_BACK) else target


class PublishTarget(Value):
    """A target the service publishes to: its name (logical or native), channel and why."""

    __slots__ = ("channel", "name", "reasons")
    name: str
    channel: DestinationChannel
    reasons: tuple[str, ...]

    def __init__(self, name: str, channel: DestinationChannel, reasons: tuple[str, ...]) -> None:
        self._init(name=name, channel=channel, reasons=reasons)


def publish_targets(app: App) -> list[PublishTarget]:
    """Every target the service publishes to, once each, in declaration order: destinations, then
    dead-letter targets (a queue unless a destination of that name says otherwise)."""
    channels: dict[str, DestinationChannel] = {}
    reasons: dict[str, list[str]] = {}
    for binding in app.bindings:
        if isinstance(binding, DestinationBinding):
            channels.setdefault(binding.target, binding.channel)
            reasons.setdefault(binding.target, []).append(f"destination {binding.topic}")
    for binding in app.bindings.inbound():
        target = dead_letter_target(app, binding)
        if target is not None:
            channels.setdefault(target, "queue")
            reasons.setdefault(target, []).append(f"dead letters of {binding.kind.value} {binding.name}")
    return [PublishTarget(name, channels[name], tuple(why)) for name, why in reasons.items()]


# ---------------------------------------------------------------------------- the startup file
def startup_module(app: App) -> ModuleType:
    """The module that built `app` (the startup file `load_app` imported, or any imported module
    holding it), to find its file and its entry-point name."""
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) and any(value is app for value in vars(module).values()):
            return module
    raise PackageError("cannot find the startup file that built this App; pass the path of your main.py")


def startup_file(app: App) -> Path:
    return Path(str(startup_module(app).__file__)).resolve()


def entry_name(app: App) -> str:
    """The startup file's name for `app.entry_point` (`handler = app.entry_point`)."""
    module = startup_module(app)
    entry = app.entry_point
    names = [name for name, value in vars(module).items() if value is entry and not name.startswith("_")]
    if not names:
        raise PackageError(
            f"{startup_file(app).name} does not expose the entry point the platform calls; add "
            "`handler = app.entry_point` to it"
        )
    return "handler" if "handler" in names else names[0]


# ---------------------------------------------------------------------------- the output folder
def prepare_out(out: Path, app: App) -> Path:
    """Create `out` empty. A folder an earlier run wrote is replaced; any other non-empty folder,
    and the service's own folder or one holding it, are refused (nothing of yours is deleted)."""
    out = out.resolve()
    source = startup_file(app).parent
    if out == source or out in source.parents:
        raise PackageError(
            f"--out {out} holds the service's own files; pick a new folder, e.g. {source / 'build'}"
        )
    if out.exists():
        if not out.is_dir():
            raise PackageError(f"--out {out} is a file; pick a folder")
        if any(out.iterdir()):
            if not (out / MARKER).is_file():
                raise PackageError(
                    f"--out {out} is not empty and was not written by `portside package`; pick a new folder"
                )
            shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by `portside package`; rerunning it replaces this folder\n")
    return out


# What only a developer's machine runs (the local runtime, the testing client and kits, this
# command and the CLI), relative to a vendored package: a deployed function never imports it,
# so the vendored copies leave it out.
TOOLING = ("local", "testing", "cli.py", "kit/packaging.py", "testing_kit.py", "package.py")


def write_source(
    app: App, out: Path, *, adapter_package: str, extras: Iterable[str], into: str = ""
) -> list[Path]:
    """Copy the startup file's folder into `out/into`, vendor portside and `adapter_package`
    beside it (without their TOOLING), and write requirements.txt: portside's dependencies and
    `extras` (read from the installed portside's metadata), then the service's own lines.

    Tests, caches, hidden files and the output folder itself are left out. Returns the files
    written, relative to `out`."""
    source = startup_file(app).parent
    target = (out / into) if into else out
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    vendored = {"portside": _package_dir("portside"), adapter_package: _package_dir(adapter_package)}
    for path in _source_files(source, skip=(out.resolve(),)):
        relative = path.relative_to(source)
        if relative.parts[0] in vendored:
            raise PackageError(
                f"{source / relative.parts[0]} has the name of a package portside vendors; rename it"
            )
        if relative == Path("requirements.txt"):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        written.append(destination.relative_to(out))
    for name, folder in vendored.items():
        for path in _source_files(folder, skip=tuple((folder / part).resolve() for part in TOOLING)):
            destination = target / name / path.relative_to(folder)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        written.append((target / name).relative_to(out))
    lines = requirements(extras, source / "requirements.txt")
    (target / "requirements.txt").write_text("\n".join(lines) + "\n")
    written.append((target / "requirements.txt").relative_to(out))
    return written


def requirements(extras: Iterable[str], service_requirements: Path | None = None) -> list[str]:
    """portside's dependencies plus those of `extras`, then the service's own lines for other
    packages (a package both name keeps the service's line)."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        declared = requires("portside") or []
    except PackageNotFoundError:
        raise PackageError("portside is not installed; install it (pip install -e .) and rerun") from None
    wanted = set(extras)
    ours: list[str] = []
    for entry in declared:
        requirement, _, marker = entry.partition(";")
        requirement, marker = requirement.strip(), marker.strip()
        if requirement.lower().startswith("portside"):
            continue  # an extra naming other extras (all, dev)
        if not marker:
            ours.append(requirement)
            continue
        extra = re.fullmatch(r"""extra\s*==\s*["']([^"']+)["']""", marker)
        if extra and extra.group(1) in wanted:
            ours.append(requirement)
    theirs: list[str] = []
    if service_requirements is not None and service_requirements.is_file():
        theirs = [line.strip() for line in service_requirements.read_text().splitlines()
                  if line.strip() and not line.strip().startswith("#")]
    named = {_requirement_name(line) for line in theirs}
    return [line for line in ours if _requirement_name(line) not in named] + theirs


def minimum_python() -> str:
    """The lowest Python the installed portside supports ("3.10"), for the function runtime."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        declared = " ".join(metadata("portside").get_all("Requires-Python") or [])
    except PackageNotFoundError:
        declared = ""
    found = re.search(r">=\s*(\d+)\.(\d+)", declared)
    return f"{found.group(1)}.{found.group(2)}" if found else f"{sys.version_info[0]}.{sys.version_info[1]}"


def _requirement_name(line: str) -> str:
    found = _REQUIREMENT_NAME.match(line)
    return re.sub(r"[-_.]+", "-", found.group(1)).lower() if found else line


def _package_dir(name: str) -> Path:
    import importlib

    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise PackageError(f"{name} is not installed ({exc}); install it and rerun") from None
    return Path(str(module.__file__)).resolve().parent


def _source_files(folder: Path, *, skip: tuple[Path, ...]) -> list[Path]:
    found: list[Path] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.resolve() in skip:
            continue
        if path.is_dir():
            if path.name not in _SKIP_DIRS and not path.name.endswith(".egg-info"):
                found.extend(_source_files(path, skip=skip))
        elif not (
            path.suffix in (".pyc", ".pyo")
            or path.name in _SKIP_FILES
            or (path.suffix == ".py" and (path.name.startswith("test_") or path.stem.endswith("_test")))
        ):
            found.append(path)
    return found


# ---------------------------------------------------------------------------- YAML
_PLAIN = re.compile(r"^[A-Za-z_/$][A-Za-z0-9_./+\-${}*:]*$")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
# What YAML may not hold raw in a double-quoted scalar (JSON already escapes the C0 controls)
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def to_yaml(document: Mapping[str, Any]) -> str:
    """Block-style YAML for a template: mappings, lists, strings, numbers and booleans. Strings
    that could read as anything else are written as JSON strings (valid YAML).

    >>> print(to_yaml({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Tags": ["a b", "yes", 5]}}}), end="")
    Resources:
      Q:
        Type: AWS::SQS::Queue
        Tags: ["a b", "yes", 5]
    """
    return "".join(_mapping(document, 0))


def _scalar(value: Any, *, flow: bool = False) -> str:
    """`value` as a YAML scalar; `flow`: inside `[...]`, where `{}[],` end a plain scalar."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    plain = _PLAIN.fullmatch(text) and not text.endswith(":") and text.lower() not in _RESERVED
    if plain and not (flow and any(ch in text for ch in "{}[],")):
        return text
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (Mapping, list, tuple))


def _mapping(document: Mapping[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in document.items():
        lines.extend(_entry(f"{pad}{_scalar(key)}:", value, indent))
    return lines


def _entry(head: str, value: Any, indent: int) -> list[str]:
    if _is_scalar(value):
        return [f"{head} {_scalar(value)}\n"]
    if isinstance(value, Mapping):
        return [f"{head} {{}}\n"] if not value else [f"{head}\n", *_mapping(value, indent + 2)]
    items = list(value)
    flow = ", ".join(_scalar(item, flow=True) for item in items)
    if all(_is_scalar(item) for item in items) and len(head) + len(flow) < 100:
        return [f"{head} [{flow}]\n"]
    return [f"{head}\n", *_sequence(items, indent + 2)]


def _sequence(items: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in items:
        if isinstance(item, Mapping) and item:
            inner = _mapping(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines.extend(inner[1:])
        elif _is_scalar(item):
            lines.append(f"{pad}- {_scalar(item)}\n")
        elif not item:
            lines.append(f"{pad}- {'{}' if isinstance(item, Mapping) else '[]'}\n")
        else:
            lines.append(f"{pad}-\n")
            lines.extend(_sequence(list(item), indent + 2))
    return lines


__all__ = [
    "MARKER",
    "TOOLING",
    "Options",
    "PackageError",
    "PackageReport",
    "PublishTarget",
    "dead_letter_target",
    "entry_name",
    "gives_back",
    "minimum_python",
    "possible_states",
    "prepare_out",
    "publish_targets",
    "requirements",
    "startup_file",
    "startup_module",
    "to_yaml",
    "write_source",
]
