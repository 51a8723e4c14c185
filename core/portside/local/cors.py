"""CORS for the local server (`LocalRuntime(app, cors=...)`, `portside run --cors ORIGIN`), so a
front end served from another port can call the service during development.

On a cloud the gateway answers preflights (API Gateway CORS settings, Azure Functions CORS,
...); the local server has no gateway, so this plays its part. Without it, OPTIONS is routed like
any other method.
"""

from __future__ import annotations

from collections.abc import Iterable

ANY = "*"
# Answer headers a browser script may read besides the safelisted ones.
EXPOSED = "x-correlation-id, location, retry-after, allow"
MAX_AGE_SECONDS = 600


class CorsPolicy:
    """The origins allowed to call the service from a browser: `*`, or exact origins such as
    `http://localhost:3000` (a comma-separated string or a list)."""

    __slots__ = ("origins",)

    def __init__(self, origins: str | Iterable[str]) -> None:
        items = origins.split(",") if isinstance(origins, str) else list(origins)
        self.origins = frozenset(item.strip().rstrip("/") for item in items if item.strip())
        if not self.origins:
            raise ValueError("cors: name the allowed origins, e.g. 'http://localhost:3000', or '*'")

    def __repr__(self) -> str:
        return f"CorsPolicy({sorted(self.origins)!r})"

    def allows(self, origin: str) -> bool:
        return ANY in self.origins or origin.rstrip("/") in self.origins

    def preflight_headers(self, origin: str, method: str, request_headers: str | None) -> dict[str, str]:
        """The 204 answer's headers for an allowed origin's preflight: the requested method and
        headers are granted (the actual request then gets the route's own 404/405, readable)."""
        headers = {
            "access-control-allow-origin": origin,
            "access-control-allow-methods": method.upper(),
            "access-control-allow-credentials": "true",
            "access-control-max-age": str(MAX_AGE_SECONDS),
            "vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        }
        if request_headers:
            headers["access-control-allow-headers"] = request_headers
        return headers

    def response_headers(self, origin: str) -> dict[str, str]:
        """Headers added to an allowed origin's actual request so its script can read the answer."""
        return {
            "access-control-allow-origin": origin,
            "access-control-allow-credentials": "true",
            "access-control-expose-headers": EXPOSED,
            "vary": "Origin",
        }
