"""Case-insensitive, read-only header mapping shared by every transport."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

HeaderSource = Mapping[str, str] | Iterable[tuple[str, str]] | None


class Headers(Mapping[str, str]):
    """Header names compare case-insensitively; repeated names are comma-joined (RFC 9110)."""

    __slots__ = ("_items",)

    def __init__(self, source: HeaderSource = None) -> None:
        items: dict[str, str] = {}
        if source:
            pairs = source.items() if isinstance(source, Mapping) else source
            for name, value in pairs:
                key = name.lower()
                if key in items:
                    items[key] = f"{items[key]},{value}"
                else:
                    items[key] = value
        self._items = items

    @classmethod
    def from_lowercase(cls, items: dict[str, str]) -> Headers:
        """Wrap, without copying, a dict whose names are lower-case and values strings.

        For adapters on their hot path, which build such a dict anyway; nothing is checked."""
        headers = _new(cls)
        headers._items = items
        return headers

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return self._items.get(name.lower(), default)

    def get_lowercase(self, name: str) -> str | None:
        """`get` for a name already in lower case (the core's own lookups, on hot paths)."""
        return self._items.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"

    def merged(self, extra: Mapping[str, str]) -> Headers:
        """A copy with `extra` set (replacing, not joining, existing values)."""
        copy = Headers()
        copy._items = {**self._items, **{k.lower(): v for k, v in extra.items()}}
        return copy


_new = object.__new__
EMPTY_HEADERS = Headers()
