"""What the fast lanes (fast.py, pubsub_lane.py) use of the Target that builds them (entry.py).

A structural type, read by type checkers only: the lanes are built by the Target, so they name
what they need of it here instead of importing entry.py back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from portside import App, HttpResponse
    from portside.kit import EntryPoint

    from .deployment import Deployment
    from .native import Request
    from .security import TokenVerifier
    from .settings import GcpSettings


class LaneTarget(Protocol):
    app: App
    settings: GcpSettings
    deployment: Deployment
    entry: EntryPoint
    max_request_bytes: int

    def general_request(self, flask_request: Any) -> Request: ...

    def routes_http(self, method: str, path: str) -> bool: ...

    def authenticate(
        self, verifier: TokenVerifier, authorization: str | None, path: str
    ) -> Mapping[str, Any] | HttpResponse: ...

    def failed(self, exc: Exception) -> HttpResponse: ...
