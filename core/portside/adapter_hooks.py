"""The adapter hook specifications (pluggy) an adapter package implements.

An adapter is a module (or object) with `@hookimpl` functions, advertised under the
`portside.adapters` entry-point group:

    [project.entry-points."portside.adapters"]
    mycloud = "portside_mycloud.plugin"

portside imports it only when an app selects it (`App(..., adapter="mycloud")`).

The markers write pluggy's own option records (`pluggy.HookimplOpts` / `HookspecOpts`, public
types) under pluggy's attribute names, so a third-party adapter is loaded by a pluggy
PluginManager as usual, while the built-in adapters are called directly (adapter_loading.py)
and a cold start never imports pluggy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .values import Value

if TYPE_CHECKING:
    import pathlib

    from .message import Message
    from .publisher import Publisher

PROJECT = "portside"
IMPL_ATTRIBUTE, SPEC_ATTRIBUTE = PROJECT + "_impl", PROJECT + "_spec"
F = TypeVar("F", bound=Callable[..., Any])


def hookimpl(function: F | None = None, **options: Any) -> Any:
    """Mark an adapter's hook implementation: `@hookimpl` (or `@hookimpl(tryfirst=True)`, any
    option pluggy's HookimplMarker takes)."""
    opts = {
        "wrapper": False, "hookwrapper": False, "optionalhook": False, "tryfirst": False,
        "trylast": False, "specname": None, **options,
    }

    def mark(func: F) -> F:
        setattr(func, IMPL_ATTRIBUTE, dict(opts))
        return func

    return mark(function) if function is not None else mark


def hookspec(*, firstresult: bool = False) -> Callable[[F], F]:
    """Mark a hook specification (pluggy's HookspecMarker options)."""

    def mark(func: F) -> F:
        setattr(func, SPEC_ATTRIBUTE, {
            "firstresult": firstresult, "historic": False, "warn_on_impl": None, "warn_on_impl_args": None,
        })
        return func

    return mark


class Capabilities(Value):
    """What an adapter can honour, checked against the app's bindings at startup.

    `notes` say, per binding kind, what a binding's name means on this platform.
    """

    __slots__ = (
        "binding_kinds", "dead_letter", "max_payload_bytes", "notes", "ordering", "partial_batch_failure"
    )
    binding_kinds: frozenset[str]
    partial_batch_failure: bool
    ordering: bool
    dead_letter: bool
    max_payload_bytes: int | None
    notes: Mapping[str, str]

    def __init__(
        self,
        binding_kinds: frozenset[str],
        *,
        partial_batch_failure: bool = False,
        ordering: bool = False,
        dead_letter: bool = False,
        max_payload_bytes: int | None = None,
        notes: Mapping[str, str] | None = None,
    ) -> None:
        self._init(
            binding_kinds=binding_kinds,
            partial_batch_failure=partial_batch_failure,
            ordering=ordering,
            dead_letter=dead_letter,
            max_payload_bytes=max_payload_bytes,
            notes=dict(notes or {}),
        )


class AdapterSpec:
    """Hooks of an adapter. `portside_capabilities` and `portside_entry_point` are required.

    `app` is the `portside.App` being built (typed Any here so this module stays below it)."""

    @hookspec(firstresult=True)
    def portside_capabilities(self) -> Capabilities:  # type: ignore[empty-body]
        """Declare supported binding kinds and delivery features."""

    @hookspec(firstresult=True)
    def portside_check(self, app: Any) -> list[str] | None:
        """Extra startup checks; return problems (each says how to fix it)."""

    @hookspec(firstresult=True)
    def portside_entry_point(self, app: Any) -> Any:
        """Build what the platform calls: a Lambda handler, an Azure FunctionApp, a GCP function."""

    @hookspec(firstresult=True)
    def portside_publisher(self, app: Any) -> Publisher | None:
        """The outbound publisher for this platform (imported SDKs lazily, on first publish)."""

    @hookspec(firstresult=True)
    def portside_translate(self, app: Any, event: Any) -> list[Message] | None:
        """Native event -> the Messages it carries, without dispatching (replay, inspection)."""

    @hookspec(firstresult=True)
    def portside_accepts_target(self, app: Any, target: str) -> bool | None:
        """True when `target`, a native identifier (an ARN, a URL), is this platform's own.
        Logical names are always accepted; an adapter resolves them in its publisher."""

    @hookspec(firstresult=True)
    def portside_testing_kit(self, app: Any) -> Any:
        """A `portside.kit.TestingKit` that drives this adapter's real entry point with native
        input built exactly as the platform sends it (the contract suite and users' tests)."""

    @hookspec(firstresult=True)
    def portside_package(
        self, app: Any, out: pathlib.Path, options: Mapping[str, str]
    ) -> Any:
        """Write into `out` what deploys `app` unchanged on this platform (`portside package`):
        the code, and the infrastructure with the settings that keep what is handed back. Raise
        `portside.kit.PackageError` for what the platform cannot express. `options` are the
        command's `--option key=value` pairs, which the adapter checks. Returns a
        `portside.kit.PackageReport` (typed Any here so this module stays below the kit)."""
