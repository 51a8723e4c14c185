"""Hook implementations of the `azure` adapter (registered under `portside.adapters`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Imported here so a missing library fails when the adapter loads, with portside's "install
# portside[azure]" message, not later inside a startup check.
import azure.functions  # noqa: F401

from portside import App, Message, Publisher, TransportKind
from portside.kit import Capabilities, hookimpl

if TYPE_CHECKING:  # packaging is a command-line concern: never imported on a cold start
    from collections.abc import Mapping
    from pathlib import Path

    from portside.kit import PackageReport

MAX_PAYLOAD = 64 * 1024  # a Storage queue message (the default queue); Service Bus standard: 256 KiB


@hookimpl
def portside_capabilities() -> Capabilities:
    return Capabilities(
        binding_kinds=frozenset({"http", "queue", "subscription", "schedule", "event", "destination"}),
        partial_batch_failure=False,
        ordering=True,
        dead_letter=True,
        max_payload_bytes=MAX_PAYLOAD,
        notes={
            "queue": "Storage queue name (azure={'service': 'servicebus'}: a Service Bus queue; "
                     "'eventhubs': an Event Hub)",
            "subscription": "Service Bus topic name (azure={'subscription': ...}; default: the service's name)",
            "schedule": "a Timer trigger (NCRONTAB, UTC)",
            "event": "Event Grid event type, or storage.object.created / storage.object.deleted "
                     "(azure={'source': 'blob', 'path': 'container/{name}'}: a Blob trigger)",
            "destination": "logical name: a Service Bus topic (channel 'topic'), a Storage queue "
                           "(channel 'queue'), an Event Grid topic (channel 'events')",
        },
    )


@hookimpl
def portside_check(app: App) -> list[str]:
    """Azure options, schedules, settings and targets that could never work stop the startup."""
    from . import options
    from .functionapp import auth_level
    from .ncrontab import ScheduleError, time_zone_problem, to_ncrontab

    found = options.problems(app)
    schedules = app.bindings.of_kind(TransportKind.SCHEDULE)
    for binding in schedules:
        try:
            to_ncrontab(binding.expression)  # type: ignore[union-attr]
        except ScheduleError as exc:
            found.append(f"schedule({binding.name!r}): {exc}")
    zone = time_zone_problem() if schedules else None
    if zone:
        found.append(zone)
    try:
        auth_level()
    except ValueError as exc:
        found.append(str(exc))
    return found


@hookimpl
def portside_entry_point(app: App) -> Any:
    from .functionapp import build

    return build(app)


@hookimpl
def portside_publisher(app: App) -> Publisher:
    from .publisher import AzurePublisher

    return AzurePublisher(app)


@hookimpl
def portside_accepts_target(app: App, target: str) -> bool:
    """Azure resolves logical names only (from connection app settings); native ids are refused."""
    return False


@hookimpl
def portside_translate(app: App, event: Any) -> list[Message]:
    from .translate import translate

    return translate(app, event)


@hookimpl
def portside_testing_kit(app: App) -> Any:
    from .testing_kit import AzureTestingKit

    return AzureTestingKit(app)


@hookimpl
def portside_package(app: App, out: Path, options: Mapping[str, str]) -> PackageReport:
    """`portside package --cloud azure`: the function app folder `package.render` describes
    (function_app.py, host.json, local.settings.json, README.md) beside the service's code, with
    portside and portside_azure vendored and one report line per generated function."""
    import shlex
    from pathlib import Path as FilePath

    from portside.kit import PackageReport, packaging

    from . import package as folder
    from .plan import plan

    settings = packaging.Options(options, {
        "route_prefix": f"the HTTP route prefix (default {folder.ROUTE_PREFIX}; empty for none)",
        "max_dequeue_count": f"Storage queue deliveries before the -poison queue, 1-100 (default "
                             f"{folder.MAX_DEQUEUE_COUNT})",
    })
    dequeues = settings.integer("max_dequeue_count", folder.MAX_DEQUEUE_COUNT, 1, 100)
    rendered = folder.render(app, startup=packaging.startup_file(app).name, max_dequeue_count=dequeues,
                             route_prefix=settings.values.get("route_prefix", folder.ROUTE_PREFIX))
    target = packaging.prepare_out(out, app)
    files = packaging.write_source(app, target, adapter_package="portside_azure", extras=("azure",))
    ours = (target / "requirements.txt").read_text().splitlines()
    theirs = [line for line in rendered.pop("requirements.txt").splitlines() if not line.startswith("portside")]
    (target / "requirements.txt").write_text("\n".join(dict.fromkeys(ours + theirs)) + "\n")
    for name, content in rendered.items():
        (target / name).write_text(content, encoding="utf-8")
    lines = []
    for spec in plan(app):
        source = "http" if spec.binding is None else f"{spec.binding.kind.value} {spec.binding.name}"
        lines.append(f"function {spec.name} ({source}) -> {folder._trigger(spec)}; "
                     f"{folder._platform_note(spec, dequeues)}")
    for where in folder.publish_targets(app):
        lines.append(f"publish -> {where.service} {where.name!r} (app setting {where.connection})")
    lines.append("app settings to set: see README.md (local.settings.json lists them for `func start`)")
    return PackageReport([FilePath(name) for name in rendered] + files, lines,
                         f"cd {shlex.quote(str(out))} && func azure functionapp publish <app-name>")
