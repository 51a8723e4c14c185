"""What building an App on the aws adapter checks: binding options, streams, sizes, targets.

Each problem names the binding and the fix; `plugin.portside_check` returns them all at once.
"""

from __future__ import annotations

from typing import Any

from portside import DROP, HAND_BACK, App

SOURCES = ("sqs", "kinesis", "dynamodb", "kafka")
STREAMS = frozenset({"kinesis", "dynamodb", "kafka"})
_OPTIONS = {
    "queue": {"source", "max_body_bytes"},
    "subscription": {"max_body_bytes"},
    "event": {"max_body_bytes"},
}
# The largest body each source can deliver (bytes); `aws={"max_body_bytes": N}` on a binding
# declares a smaller one when the producers guarantee it.
SOURCE_MAX_BYTES = {
    "sqs": 1024 * 1024,
    "kinesis": 1024 * 1024,
    "dynamodb": 400 * 1024,
    "kafka": 1024 * 1024,
    "subscription": 256 * 1024,
    "event": 256 * 1024,
}


def problems(app: App) -> list[str]:
    found = _target_problems(app)
    for binding in app.bindings:
        kind = binding.kind.value
        options = binding.options_for("aws")
        unknown = set(options) - _OPTIONS.get(kind, set())
        if unknown:
            allowed = ", ".join(sorted(_OPTIONS.get(kind, set()))) or "none"
            found.append(f"{kind} binding {binding.name!r}: unknown aws option(s) "
                         f"{', '.join(sorted(unknown))}; allowed: {allowed}")
            continue
        if "max_body_bytes" in options and _positive(options["max_body_bytes"]) is None:
            found.append(f"{kind} binding {binding.name!r}: aws max_body_bytes must be a positive number of "
                         f"bytes, not {options['max_body_bytes']!r}")
            continue
        source = options.get("source", "sqs") if kind == "queue" else kind
        if kind == "queue" and source not in SOURCES:
            found.append(
                f"queue binding {binding.name!r}: aws source {source!r} is not one of {', '.join(SOURCES)}"
            )
            continue
        dead_letter = getattr(binding, "dead_letter", None)
        if source in STREAMS and dead_letter is None and app.dead_letter_target is None:
            found.append(
                f"queue binding {binding.name!r} reads a {source} stream, where a record handed back blocks "
                f"its shard until it expires; say what to do with poison: dead_letter=\"<queue name>\", "
                f"dead_letter={DROP!r} or, knowingly, dead_letter={HAND_BACK!r}"
            )
        target = dead_letter or app.dead_letter_target
        if target is None or target in (DROP, HAND_BACK) or source not in SOURCE_MAX_BYTES:
            continue
        from .targets import TARGET_MAX_BYTES

        service = _target_service(app, target)
        largest = _positive(options.get("max_body_bytes")) or SOURCE_MAX_BYTES[source]
        if service is not None and largest > TARGET_MAX_BYTES[service]:
            found.append(
                f"{kind} binding {binding.name!r}: a {source} message can be {largest} bytes, more than its "
                f"dead-letter target {target!r} ({service.upper()}, {TARGET_MAX_BYTES[service]} bytes) holds; "
                "dead-letter into an SQS queue, or declare the largest body your producers send with "
                "aws={'max_body_bytes': N}"
            )
    found += _schedule_problems(app)
    return found


def _target_problems(app: App) -> list[str]:
    """targets.target_problems, for an App that names a target at all (else targets.py, which
    parses them, stays out of the cold start)."""
    if app.dead_letter_target is None and not any(
        binding.kind == "destination" or getattr(binding, "dead_letter", None) for binding in app.bindings
    ):
        return []
    from .targets import target_problems

    return target_problems(app)


def _target_service(app: App, target: str) -> str | None:
    from .targets import parse_target

    try:  # a native identifier names its own service, whatever a destination's channel says
        return parse_target(target).service
    except ValueError:
        pass
    for binding in app.bindings:
        if binding.kind == "destination" and getattr(binding, "target", None) == target:
            return {"topic": "sns", "queue": "sqs", "events": "events"}[getattr(binding, "channel", "topic")]
    return "sqs"  # a logical dead-letter name is an SQS queue unless a destination says otherwise


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _schedule_problems(app: App) -> list[str]:
    """Schedules EventBridge cannot express."""
    if not app.bindings.of_kind("schedule"):
        return []
    from .schedules import schedule_problems

    return schedule_problems(app)
