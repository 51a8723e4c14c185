"""What a native shape module provides, for type checkers: `HttpShape` and `MessageShape`.

An EntryPoint (entry.py) takes these modules in the order their events should be detected. Only
type checkers and adapter authors read the protocols, so a cold start never creates them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..app import App
    from ..http_types import HttpRequest, HttpResponse
    from .batch import Batch


class HttpShape(Protocol):
    KIND: str

    def matches(self, event: Any) -> bool: ...
    def to_request(self, event: Any, context: Any, options: Any) -> HttpRequest: ...
    def to_response(self, response: HttpResponse, event: Any) -> Any: ...


class MessageShape(Protocol):
    KIND: str

    def matches(self, event: Any) -> bool: ...
    def to_batch(self, app: App, event: Any, context: Any, options: Any) -> Batch: ...
    def to_answer(self, batch: Batch) -> Any: ...
