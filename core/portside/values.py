"""A minimal immutable value-class base.

Why not dataclasses: each `@dataclass` compiles generated code at import, ~1 ms apiece, and
cold start is a feature. Subclasses list their fields in `__slots__` and call `_init(...)`.
"""

from __future__ import annotations

from typing import Any

_set = object.__setattr__


class Value:
    __slots__ = ()

    def _init(self, **fields: Any) -> None:
        for name, value in fields.items():
            _set(self, name, value)

    def _names(self) -> tuple[str, ...]:
        return tuple(self.__slots__)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._names())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Value) and type(self) is type(other) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((type(self), self._fields()))

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._names())
        return f"{type(self).__name__}({body})"
