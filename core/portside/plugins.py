"""The adapter plugin API: pluggy hook specifications an adapter package implements.

An adapter is a module (or object) with `@hookimpl` functions, advertised under the
`portside.adapters` entry-point group:

    [project.entry-points."portside.adapters"]
    mycloud = "portside_mycloud.plugin"

portside imports it only when an app selects it (`App(..., adapter="mycloud")`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .app import App
    from .message import Message
    from .publisher import Publisher

PROJECT = "portside"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class Capabilities:
    """What an adapter can honour, checked against the app's bindings at startup."""

    binding_kinds: frozenset[str]
    partial_batch_failure: bool = False
    ordering: bool = False
    dead_letter: bool = False
    max_payload_bytes: int | None = None
    notes: dict[str, str] = field(default_factory=dict)


class AdapterSpec:
    """Hooks of an adapter. `portside_capabilities` and `portside_entry_point` are required."""

    @hookspec(firstresult=True)
    def portside_capabilities(self) -> Capabilities:  # type: ignore[empty-body]
        """Declare supported binding kinds and delivery features."""

    @hookspec(firstresult=True)
    def portside_check(self, app: App) -> list[str] | None:
        """Extra startup checks; return problems (each says how to fix it)."""

    @hookspec(firstresult=True)
    def portside_entry_point(self, app: App) -> Any:
        """Build what the platform calls: a Lambda handler, an Azure FunctionApp, a GCP function."""

    @hookspec(firstresult=True)
    def portside_publisher(self, app: App) -> Publisher | None:
        """The outbound publisher for this platform (imported SDKs lazily, on first publish)."""

    @hookspec(firstresult=True)
    def portside_translate(self, app: App, event: Any) -> list[Message] | None:
        """Native event -> the Messages it carries, without dispatching (replay, inspection)."""
