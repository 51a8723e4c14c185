"""What building an App checks, so a service that cannot work on its adapter never starts.

Each problem names the binding or handler and says how to fix it; all are reported at once.
"""

from __future__ import annotations

from typing import Any

from .adapters import Adapter
from .bindings import (
    DROP,
    HAND_BACK,
    MESSAGE_TOPIC,
    Binding,
    BindingTable,
    DestinationBinding,
    QueueBinding,
    SubscriptionBinding,
    is_logical_name,
)
from .errors import StartupError
from .handlers import Service


class Plan:
    """What is checked: the service, its bindings, the adapter and the App's default target."""

    __slots__ = ("adapter", "bindings", "default_target", "service")

    def __init__(
        self, service: Service, bindings: BindingTable, adapter: Adapter, default_target: str | None
    ) -> None:
        self.service = service
        self.bindings = bindings
        self.adapter = adapter
        self.default_target = default_target


def check_app(plan: Plan, app: Any) -> None:
    """Raise StartupError listing every problem; `app` is handed to the adapter's own checks."""
    problems = [
        *_unhandled_topics(plan),
        *_undeclared_destinations(plan),
        *_capabilities(plan),
        *_native_targets(plan, app),
    ]
    problems += plan.adapter.hook.portside_check(app=app) or []
    if problems:
        raise StartupError("\n".join(problems))


def _unhandled_topics(plan: Plan) -> list[str]:
    service = plan.service
    problems = []
    for binding in plan.bindings:
        if isinstance(binding, DestinationBinding) or binding.topic in service.handlers:
            continue
        if binding.topic == MESSAGE_TOPIC and isinstance(binding, (QueueBinding, SubscriptionBinding)):
            continue
        import difflib  # only when there is a problem to explain

        hint = difflib.get_close_matches(binding.topic, service.topics, n=1)
        suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
        problems.append(
            f"{binding.kind.value} binding {binding.name!r} targets topic {binding.topic!r}, which no "
            f"handler in service {service.name!r} handles.{suggestion} Handled topics: "
            f"{', '.join(service.topics) or '(none)'}."
        )
    return problems


def _undeclared_destinations(plan: Plan) -> list[str]:
    return [
        f"handler {handler.topic!r} declares publishes=[{topic!r}], but no destination receives "
        f"{topic!r}; add destination({topic!r}, \"<name>\") to the startup file's bindings"
        for handler in plan.service.handlers.values()
        for topic in sorted(handler.publishes)
        if plan.bindings.destination(topic) is None
    ]


def _capabilities(plan: Plan) -> list[str]:
    capabilities = plan.adapter.capabilities
    name = plan.adapter.name
    problems = []
    for binding in plan.bindings:
        if binding.kind not in capabilities.binding_kinds:
            problems.append(
                f"adapter {name!r} cannot honour {binding.kind.value} binding {binding.name!r}; it "
                f"supports: {', '.join(sorted(capabilities.binding_kinds))}. Remove the binding or "
                "choose another adapter."
            )
        if getattr(binding, "ordered", False) and not capabilities.ordering:
            problems.append(
                f"{binding.kind.value} binding {binding.name!r} asks for ordered=True, which adapter "
                f"{name!r} cannot keep; remove ordered=True or choose another adapter."
            )
        target = getattr(binding, "dead_letter", None)
        if target not in (None, DROP, HAND_BACK) and not capabilities.dead_letter:
            problems.append(
                f"{binding.kind.value} binding {binding.name!r} has dead_letter={target!r}, but adapter "
                f"{name!r} cannot publish to dead-letter targets; use dead_letter={HAND_BACK!r} (the "
                "platform's own redrive keeps the message)."
            )
    return problems


def _native_targets(plan: Plan, real_app: Any) -> list[str]:
    """A native identifier (an ARN, a queue URL) is accepted only by the adapter it belongs to."""
    problems = []
    targets: list[tuple[Binding | None, str]] = [
        (b, b.target) for b in plan.bindings if isinstance(b, DestinationBinding)
    ]
    targets += [
        (b, t) for b in plan.bindings
        if isinstance(t := getattr(b, "dead_letter", None), str) and t not in (DROP, HAND_BACK)
    ]
    if plan.default_target is not None and plan.default_target not in (DROP, HAND_BACK):
        targets.append((None, plan.default_target))
    for binding, target in targets:
        if is_logical_name(target):
            continue
        if plan.adapter.hook.portside_accepts_target(app=real_app, target=target):
            continue
        if isinstance(binding, DestinationBinding):
            where = f"destination({binding.topic!r}, {target!r})"
        elif binding is not None:
            where = f"{binding.kind.value} binding {binding.name!r} (dead_letter=)"
        else:
            where = "App(dead_letter=...)"
        problems.append(
            f"{where} names {target!r}, a native identifier that adapter {plan.adapter.name!r} cannot "
            "use; give it a logical name (letters, digits, '.', '_', '-') that every adapter resolves "
            "on its own platform, e.g. 'orders-events'."
        )
    return problems
