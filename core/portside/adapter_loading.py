"""Find and load adapters: built-ins by module name, others through entry points.

Built-in adapters skip the entry-point scan: it reads every installed distribution's metadata,
which costs milliseconds of cold start in a large environment.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import StartupError

if TYPE_CHECKING:
    import pluggy

    from .adapter_hooks import Capabilities

ENTRY_POINT_GROUP = "portside.adapters"
BUILTIN: Mapping[str, tuple[str, str]] = {
    "local": ("portside.local.plugin", "portside"),
    "aws": ("portside_aws.plugin", "portside[aws]"),
    "azure": ("portside_azure.plugin", "portside[azure]"),
    "gcp": ("portside_gcp.plugin", "portside[gcp]"),
}


class Adapter:
    """A loaded adapter: its name, its pluggy manager, and typed access to its hooks."""

    def __init__(self, name: str, manager: pluggy.PluginManager) -> None:
        self.name = name
        self.manager = manager
        self.capabilities: Capabilities = manager.hook.portside_capabilities()

    @property
    def hook(self) -> Any:
        return self.manager.hook


def available() -> dict[str, str]:
    """name -> module of every adapter that can be selected (scans entry points)."""
    from importlib.metadata import entry_points

    found = {name: module for name, (module, _) in BUILTIN.items()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def load(name: str) -> Adapter:
    """Import the adapter called `name` and check it implements the required hooks."""
    import pluggy

    from .adapter_hooks import PROJECT, AdapterSpec

    plugin = _import(name)
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(AdapterSpec)
    manager.register(plugin, name=f"portside-adapter-{name}")
    for required in ("portside_capabilities", "portside_entry_point"):
        if not getattr(manager.hook, required).get_hookimpls():
            raise StartupError(
                f"adapter {name!r} ({plugin!r}) does not implement {required}; "
                "an adapter must declare capabilities and build an entry point"
            )
    return Adapter(name, manager)


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
