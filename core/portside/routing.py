"""HTTP routing over a segment tree: cost grows with path depth, never with the route count.

Templates: `/orders`, `/orders/{id}`, `/files/{path+}` (greedy: one or more trailing segments).
Static segments beat parameters, parameters beat greedy tails. `/x` and `/x/` are the same path.
"""

from __future__ import annotations

from .errors import BindingError
from .values import Value


class Route(Value):
    __slots__ = ("method", "template", "topic")
    method: str
    template: str
    topic: str

    def __init__(self, method: str, template: str, topic: str) -> None:
        self._init(method=method, template=template, topic=topic)


class _Node:
    __slots__ = ("greedy", "greedy_name", "param", "param_name", "routes", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.param_name: str | None = None
        self.greedy: dict[str, Route] = {}
        self.greedy_name: str | None = None
        self.routes: dict[str, Route] = {}


def strip_prefix(path: str, prefix: str) -> str | None:
    """`path` without the whole-segment `prefix` (`/api` strips `/api/x`, not `/apix`), or None."""
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix):] or "/"
    return None


def split_path(path: str) -> list[str]:
    """The path's segments, each percent-decoded once (so `%2F` stays inside its segment)."""
    if "%" not in path:
        return [segment for segment in path.split("/") if segment]
    from urllib.parse import unquote

    return [unquote(segment) for segment in path.split("/") if segment]


class Router:
    """Maps (method, path) to a Route plus path parameters."""

    def __init__(self) -> None:
        self._root = _Node()
        # Templates without parameters, by normalised path: one dict lookup serves most requests.
        self._static: dict[str, dict[str, Route]] = {}
        # The nodes reached through static segments only, by their path ("" is the root): a path
        # whose last segment is a parameter is then found with two lookups (see `find`).
        self._prefixes: dict[str, _Node] = {"": self._root}

    def add(self, method: str, template: str, topic: str) -> Route:
        method = method.upper()
        route = Route(method, template, topic)
        node = self._root
        segments = split_path(template)
        static_only = True
        for index, segment in enumerate(segments):
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                if name.endswith("+"):
                    if index != len(segments) - 1:
                        raise BindingError(f"{template}: a greedy {{{name}}} must be the last segment")
                    return self._put(node.greedy, route, node, "greedy_name", name[:-1])
                if not name.isidentifier():
                    raise BindingError(f"{template}: {segment} is not a valid parameter name")
                if node.param is None:
                    node.param, node.param_name = _Node(), name
                elif node.param_name != name:
                    raise BindingError(
                        f"{template}: parameter {{{name}}} clashes with {{{node.param_name}}} "
                        "at the same position of another route; use one name"
                    )
                node = node.param
            elif "{" in segment or "}" in segment:
                raise BindingError(f"{template}: a parameter must be a whole segment, like /{{id}}")
            else:
                node = node.static.setdefault(segment, _Node())
                if static_only and "/" not in segment:  # (a decoded %2F would mislead `find`)
                    self._prefixes["/" + "/".join(segments[: index + 1])] = node
                    continue
            static_only = False
        self._static["/" + "/".join(segments)] = node.routes
        return self._put(node.routes, route, node, None, None)

    @staticmethod
    def _put(
        table: dict[str, Route], route: Route, node: _Node, name_attr: str | None, name: str | None
    ) -> Route:
        if route.method in table:
            raise BindingError(
                f"{route.method} {route.template} is bound twice "
                f"(to {table[route.method].topic!r} and {route.topic!r})"
            )
        if name_attr is not None:
            current = getattr(node, name_attr)
            if current is not None and current != name:
                raise BindingError(f"{route.template}: greedy parameter name clashes with {current}")
            setattr(node, name_attr, name)
        table[route.method] = route
        return route

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """`match`'s answer for the common request, cheaply, or None: ask `match`.

        The tree is walked without backtracking (a static segment first, else the parameter),
        so what is found is `match`'s first candidate; a dead end, a HEAD request, an encoded or
        doubled slash, or a greedy tail are left to `match`. A path whose parent is static
        (`/orders/ord-42`) takes two lookups: its parent's node, then the last segment."""
        if "%" in path or "//" in path:
            return None
        table = self._static.get(path)
        if table is None:
            parent, _, last = path.rpartition("/")
            node: _Node | None = self._prefixes.get(parent)
            if node is not None and last:
                child = node.static.get(last)
                if child is not None:
                    table = child.routes
                elif node.param is not None:
                    route = node.param.routes.get(method)
                    return (route, {node.param_name: last}) if route is not None else None  # type: ignore[dict-item]
                else:
                    return None
            else:
                return self._walk(method, path)
        route = table.get(method)
        return (route, {}) if route is not None else None

    def _walk(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """`find` for a deeper path: a static segment first, else the parameter."""
        static = self._static.get(path.rstrip("/") or "/")
        if static is not None:
            route = static.get(method)
            return (route, {}) if route is not None else None
        node = self._root
        params: dict[str, str] = {}
        for segment in path.split("/"):
            if not segment:
                continue
            child = node.static.get(segment)
            if child is None:
                child = node.param
                if child is None:
                    return None
                params[node.param_name] = segment  # type: ignore[index]  # set with param
            node = child
        route = node.routes.get(method)
        return (route, params) if route is not None else None

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], tuple[str, ...]]:
        """(route, params, allowed). No route and empty `allowed`: 404; non-empty: 405.

        `path` is as received, percent-encoded; each segment is decoded once here."""
        if "//" not in path and "%" not in path:
            table = self._static.get(path.rstrip("/") or "/")
            route = table.get(method) if table else None
            if route is not None:
                return route, {}, ()
        segments = split_path(path)
        candidates: list[tuple[dict[str, Route], dict[str, str]]] = []
        self._collect(self._root, segments, 0, {}, candidates)
        method = method.upper()
        for table, params in candidates:
            route = table.get(method) or (table.get("GET") if method == "HEAD" else None)
            if route is not None:
                return route, params, ()
        allowed: set[str] = set()
        for table, _ in candidates:
            allowed.update(table)
        if "GET" in allowed:
            allowed.add("HEAD")
        return None, {}, tuple(sorted(allowed))

    def _collect(
        self,
        node: _Node,
        segments: list[str],
        index: int,
        params: dict[str, str],
        out: list[tuple[dict[str, Route], dict[str, str]]],
    ) -> None:
        """Every route table the path reaches, most specific first (usually exactly one)."""
        if index == len(segments):
            if node.routes:
                out.append((node.routes, params))
            return
        segment = segments[index]
        child = node.static.get(segment)
        if child is not None:
            self._collect(child, segments, index + 1, params, out)
        if node.param is not None and node.param_name is not None:
            self._collect(
                node.param, segments, index + 1, {**params, node.param_name: segment}, out
            )
        if node.greedy and node.greedy_name is not None:
            out.append((node.greedy, {**params, node.greedy_name: "/".join(segments[index:])}))

    def routes(self) -> list[Route]:
        found: list[Route] = []
        stack = [self._root]
        while stack:
            node = stack.pop()
            found.extend(node.routes.values())
            found.extend(node.greedy.values())
            stack.extend(node.static.values())
            if node.param is not None:
                stack.append(node.param)
        return found
