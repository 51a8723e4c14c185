"""In-process testing: send messages and HTTP requests to an App, capture what it publishes.

    from portside.testing import TestClient

    def test_create(app):
        with TestClient(app) as client:
            response = client.post("/orders", json={"sku": "A1", "qty": 2})
            assert response.status == 201
            assert client.published_to("orders.created")

The pytest plugin (registered automatically) offers the `portside_client` fixture around a
`portside_app` fixture you define.
"""

from __future__ import annotations

import json as json_module
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from ..app import App
from ..codec import encode_json
from ..headers import Headers
from ..http_types import HttpRequest, HttpResponse
from ..inbound import UNSET, Inbound
from ..local.broker import Letter, LocalBroker
from ..message import Message
from ..publisher import Publisher
from ..result import Result
from ..settlement import Settlement, State


class TestResponse:
    """An HTTP response as the caller sees it."""

    __test__ = False  # not a pytest test class

    def __init__(self, response: HttpResponse) -> None:
        self.status = response.status
        self.headers = Headers(response.headers)
        self.cookies = list(response.cookies)
        self.body = response.body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json_module.loads(self.body)

    def __repr__(self) -> str:
        return f"TestResponse({self.status}, {self.text[:80]!r})"


class TestClient:
    """Drives an App in-process through the same core paths every adapter uses.

    While the client is open (use it as a context manager, or call `close()`), the app's
    publisher is a LocalBroker, as on the local runtime: published messages are recorded
    (`published`, `published_to`) and delivered, after the call that published them, to the
    app's own bindings listening on the destination's name (`settlements` shows what became of
    them). Poison that is dead-lettered or handed back is kept in `dead_letters`.

    `deadline_seconds` gives every message a deadline, so `ctx.remaining_seconds()` behaves as
    on a cloud (None: no deadline).
    """

    __test__ = False

    def __init__(self, app: App, *, deadline_seconds: float | None = None) -> None:
        self.app = app
        self.deadline_seconds = deadline_seconds
        self.broker = LocalBroker(app, sink=self._channel_delivery)
        self.settlements: list[Settlement] = []
        self._pending: deque[tuple[Message, Any]] = deque()
        self._previous: Publisher | None = app.publisher
        app.publisher = self.broker

    def __enter__(self) -> TestClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._previous is not None:
            self.app.publisher = self._previous
            self._previous = None

    # ---------------------------------------------------------------- messages
    def send(self, topic: str, body: Any = None, *, headers: Mapping[str, str] | None = None) -> Result[Any]:
        """Dispatch one message, as a direct invocation would; returns the handler's Result."""
        message = self.app.receive(
            Inbound(topic, body=body, headers=headers, transport="test", deadline=self._deadline())
        )
        result = self.app.dispatch(message)
        self._drain()
        return result

    def deliver(
        self,
        topic: str,
        data: bytes | str | Any,
        *,
        headers: Mapping[str, str] | None = None,
        dead_letter: str | None = None,
    ) -> Settlement:
        """Deliver like a queue: `data` as raw bytes/text is decoded (bad JSON is poison);
        anything else is taken as the parsed body. `dead_letter` is the binding's choice (a
        target, DROP or HAND_BACK). Returns the Settlement: its `state` is one of the four."""
        raw = isinstance(data, (bytes, str))
        message = self.app.receive(Inbound(
            topic, data if raw else None, body=UNSET if raw else data, headers=headers,
            transport="test-queue", deadline=self._deadline(),
        ))
        settlement = self._settle(message, dead_letter)
        self._drain()
        return settlement

    def replay(self, event: Any) -> list[Result[Any]]:
        """Translate a native event (a real cloud sample) with the app's adapter and dispatch
        every message it carries."""
        return [self.app.dispatch(message) for message in self.app.translate(event)]

    # ---------------------------------------------------------------- HTTP
    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> TestResponse:
        """Send an HTTP request; `url` is a path with an optional query string, percent-encoded
        as on the wire (`/files/a%2Fb` keeps `a/b` in one path segment)."""
        header_map = dict(headers or {})
        body = b""
        if json is not None:
            body = encode_json(json)
            header_map.setdefault("content-type", "application/json")
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
        request = HttpRequest.from_url(method, url, header_map, body, transport="test-http")
        request.deadline = self._deadline()
        response = TestResponse(self.app.handle_http(request))
        self._drain()
        return response

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", url, **kwargs)

    # ---------------------------------------------------------------- what came out
    @property
    def published(self) -> list[Message]:
        """Every message published while the client was open, oldest first."""
        return self.broker.published

    def published_to(self, topic: str) -> list[Message]:
        """Messages published on `topic`, oldest first."""
        return self.broker.to(topic)

    @property
    def dead_letters(self) -> list[Letter]:
        """Poison kept: dead-lettered into a target, or handed back (target None)."""
        return list(self.broker.dead_letters)

    # ---------------------------------------------------------------- internals
    def _deadline(self) -> float | None:
        if self.deadline_seconds is None:
            return None
        return time.monotonic() + self.deadline_seconds

    def _channel_delivery(self, message: Message, binding: Any) -> None:
        self._pending.append((message, binding))

    def _settle(self, message: Message, dead_letter: str | None) -> Settlement:
        settlement = self.app.deliver(message, dead_letter=dead_letter)
        if settlement.state is State.HANDED_BACK:
            self.broker.keep(message, None, settlement.state.value, settlement.reason)
        return settlement

    def _drain(self) -> None:
        """Deliver what was published to the app's own listening bindings, in order."""
        while self._pending:
            message, binding = self._pending.popleft()
            self.settlements.append(self._settle(message, getattr(binding, "dead_letter", None)))


__all__ = ["TestClient", "TestResponse"]
