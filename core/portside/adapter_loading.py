"""Find and load adapters: built-ins by module name, others through entry points.

Built-in adapters skip the entry-point scan (it reads every installed distribution's metadata,
milliseconds of cold start in a large environment) and pluggy itself: their hooks are called
directly (`DirectHooks`), which is what pluggy does with one plugin whose hooks all return
their first result, minus the two milliseconds of importing it. Third-party adapters are
loaded by a pluggy PluginManager, as the hook specifications describe.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import StartupError

if TYPE_CHECKING:
    from .adapter_hooks import Capabilities

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
        from .adapter_hooks import IMPL_ATTRIBUTE, AdapterSpec

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
    from .adapter_hooks import IMPL_ATTRIBUTE

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

    from .adapter_hooks import PROJECT, AdapterSpec

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
