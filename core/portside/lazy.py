"""Names a package exports but imports on first use (PEP 562), so a cold start pays only for
the modules its first invocation touches."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def lazy_attribute(namespace: dict[str, Any], table: Mapping[str, str], name: str) -> Any:
    """The value of `name` for the package whose globals are `namespace`: imported from the
    module `table[name]` names (relative to the package), or that module itself when it is the
    name's own submodule (`".cloudevents"`), then kept in `namespace` for the next lookup."""
    package = namespace["__name__"]
    where = table.get(name)
    if where is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    module = importlib.import_module(where, package)
    value = module if where == f".{name}" else getattr(module, name)
    namespace[name] = value
    return value
