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
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..app import App, Settlement
from ..codec import encode_json
from ..headers import Headers
from ..http import HttpRequest, HttpResponse
from ..message import Message
from ..publisher import InMemoryPublisher, Publisher
from ..result import Result


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

    Publishing is captured: the app's publisher is swapped for an InMemoryPublisher while the
    client is open (use it as a context manager, or call `close()`), so tests never reach a cloud.
    """

    __test__ = False

    def __init__(self, app: App) -> None:
        self.app = app
        self.publisher = InMemoryPublisher()
        self._previous: Publisher | None = app.publisher
        app.publisher = self.publisher

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
        return self.app.dispatch(self.app.inbound(topic, body=body, headers=headers, transport="test"))

    def deliver(
        self, topic: str, data: bytes | str | Any, *, headers: Mapping[str, str] | None = None
    ) -> Settlement:
        """Deliver like a queue: `data` as raw bytes/text is decoded (bad JSON is poison);
        anything else is taken as the parsed body. Returns ACK / RETRY / DEAD_LETTER."""
        if isinstance(data, (bytes, str)):
            message = self.app.inbound(topic, data, headers=headers, transport="test-queue")
        else:
            message = self.app.inbound(topic, body=data, headers=headers, transport="test-queue")
        return self.app.deliver(message)

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
        split = urlsplit(url)
        header_map = dict(headers or {})
        body = b""
        if json is not None:
            body = encode_json(json)
            header_map.setdefault("content-type", "application/json")
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
        request = HttpRequest(
            method=method.upper(),
            path=split.path or "/",
            headers=Headers(header_map),
            query=parse_qs(split.query, keep_blank_values=True),
            body=body,
            transport="test-http",
        )
        return TestResponse(self.app.handle_http(request))

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

    # ---------------------------------------------------------------- published
    @property
    def published(self) -> list[Message]:
        return self.publisher.messages

    def published_to(self, topic: str) -> list[Message]:
        return self.publisher.to(topic)


__all__ = ["TestClient", "TestResponse"]
