"""What an adapter is, and how one is found and loaded.

An adapter is a module (or object) with `@hookimpl` functions implementing the hook
specifications below (`AdapterSpec`), advertised under the `portside.adapters` entry-point group:

    [project.entry-points."portside.adapters"]
    mycloud = "portside_mycloud.plugin"

portside imports it only when an app selects it (`App(..., adapter="mycloud")`).

The markers write pluggy's own option records (`pluggy.HookimplOpts` / `HookspecOpts`, public
types) under pluggy's attribute names, so a third-party adapter is loaded by a pluggy
PluginManager as usual. Built-in adapters skip the entry-point scan (it reads every installed
distribution's metadata, milliseconds of cold start in a large environment) and pluggy itself:
their hooks are called directly (`DirectHooks`), which is what pluggy does with one plugin whose
hooks all return their first result, minus the two milliseconds of importing it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import StartupError
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


# ------------------------------------------------------------------ loading
ENTRY_POINT_GROUP = "portside.adapters"
BUILTIN: Mapping[str, tuple[str, str]] = {
    "local": ("portside.local.plugin", "portside"),
    "aws": ("portside_aws.plugin", "portside[aws]"),
    "azure": ("portside_azure.plugin", "portside[azure]"),
    "gcp": ("portside_gcp.plugin", "portside[gcp]"),
}


class Adapter:
    """A loaded adapter: its name and its hooks (`adapter.hook.portside_...(app=...)`)."""

    def __init__(self, name: str, hook: Any) -> None:
        self.name = name
        self.hook = hook
        self.capabilities: Capabilities = hook.portside_capabilities()


class DirectHooks:
    """A built-in adapter's hooks, called without pluggy: with one plugin and every hook
    `firstresult`, pluggy's call is a call of the plugin's function with the arguments it
    declares; a hook the plugin does not implement answers None."""

    def __init__(self, plugin: Any) -> None:
        self._plugin = plugin

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if not hasattr(AdapterSpec, name):
            raise AttributeError(f"no adapter hook named {name!r}")
        function = getattr(self._plugin, name, None)
        call = _implementation(function) if isinstance(getattr(function, IMPL_ATTRIBUTE, None), dict) else _none
        setattr(self, name, call)  # found once per hook
        return call


def _implementation(function: Any) -> Callable[..., Any]:
    code = function.__code__
    declared = frozenset(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])

    def call(**arguments: Any) -> Any:
        return function(**{k: v for k, v in arguments.items() if k in declared})

    return call


def _none(**arguments: Any) -> None:
    return None


def available() -> dict[str, str]:
    """name -> module of every adapter that can be selected (scans entry points)."""
    from importlib.metadata import entry_points

    found = {name: module for name, (module, _) in BUILTIN.items()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def load(name: str) -> Adapter:
    """Import the adapter called `name` and check it implements the required hooks."""
    plugin = _import(name)
    for required in ("portside_capabilities", "portside_entry_point"):
        if not isinstance(getattr(getattr(plugin, required, None), IMPL_ATTRIBUTE, None), dict):
            raise StartupError(
                f"adapter {name!r} ({plugin!r}) does not implement {required}; "
                "an adapter must declare capabilities and build an entry point"
            )
    if name in BUILTIN:
        return Adapter(name, DirectHooks(plugin))
    return Adapter(name, _pluggy_hooks(name, plugin))


def _pluggy_hooks(name: str, plugin: Any) -> Any:
    """A third-party adapter's hooks, through a pluggy PluginManager."""
    import pluggy

    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(AdapterSpec)
    manager.register(plugin, name=f"portside-adapter-{name}")
    return manager.hook


def _import(name: str) -> Any:
    if name in BUILTIN:
        module_name, extra = BUILTIN[name]
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            raise StartupError(
                f"adapter {name!r} is not installed ({exc}); install it with: pip install '{extra}'"
            ) from exc
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            try:
                return ep.load()
            except ImportError as exc:
                raise StartupError(
                    f"adapter {name!r} is registered by {ep.value!r} but cannot be imported: {exc}. "
                    "Reinstall the package that provides it."
                ) from exc
    choices = ", ".join(sorted(available()))
    raise StartupError(
        f"unknown adapter {name!r}. Available adapters: {choices}. Set adapter= in your startup "
        "file or the PORTSIDE_ADAPTER environment variable to one of them, or install the "
        "package that provides it."
    )
