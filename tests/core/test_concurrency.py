"""Concurrent invocations in one process (a thread pool, Cloud Run with concurrency > 1) never
share a correlation id, a deadline or an outbox: per-invocation state lives in context variables."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel

from portside import (
    App,
    Context,
    HttpRequest,
    InMemoryPublisher,
    Message,
    Service,
    Status,
    destination,
    http,
    kit,
)

THREADS = 20


class Job(BaseModel):
    n: int


def concurrent_app(barrier: threading.Barrier, adapter: str = "local") -> App:
    svc = Service("concurrent")

    @svc.handler("work", publishes=["done"])
    def work(job: Job, ctx: Context) -> dict[str, Any]:
        barrier.wait(timeout=10)  # every invocation is inside its handler at the same time
        ctx.publish("done", {"n": job.n})
        seen_current = kit.invocation.current()
        time.sleep(0.01 * (job.n % 3))  # interleave the rest
        return {
            "n": job.n,
            "correlation_id": ctx.correlation_id,
            "remaining": ctx.remaining_seconds(),
            "current_is_mine": seen_current is ctx and kit.invocation.current() is ctx,
            "outbox": [m.body["n"] for m in ctx.outbox],
            "native": getattr(kit.invocation.native_context(), "aws_request_id", None),
        }

    return App(svc, [http("POST /work", "work"), destination("done", "done-events")], adapter=adapter,
               publisher=InMemoryPublisher())


def test_concurrent_http_invocations_keep_their_own_state() -> None:
    barrier = threading.Barrier(THREADS)
    app = concurrent_app(barrier)

    def invoke(n: int) -> dict[str, Any]:
        request = HttpRequest.from_url(
            "POST", "/work", {"x-correlation-id": f"corr-{n}", "content-type": "application/json"},
            json.dumps({"n": n}).encode(),
        )
        request.deadline = time.monotonic() + 100 + n  # each invocation has its own deadline
        response = app.handle_http(request)
        assert response.status == 200, response.body
        answer: dict[str, Any] = json.loads(response.body)
        return answer

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(invoke, range(THREADS)))

    for n, answer in enumerate(answers):
        assert answer["n"] == n and answer["correlation_id"] == f"corr-{n}"
        assert 100 + n - 30 < answer["remaining"] <= 100 + n
        assert answer["outbox"] == [n]
        assert answer["current_is_mine"] is True
    publisher = app.publisher
    assert isinstance(publisher, InMemoryPublisher)
    assert sorted((m.body["n"], m.correlation_id) for m in publisher.messages) == [
        (n, f"corr-{n}") for n in range(THREADS)
    ]
    assert kit.invocation.current() is None  # nothing leaks out of an invocation


def test_the_native_context_is_per_invocation() -> None:
    """What an EntryPoint sets for one invocation is invisible to the others."""
    barrier = threading.Barrier(THREADS)
    seen: dict[int, Any] = {}

    def invocation(n: int) -> None:
        token = kit.invocation.enter({"request": n})
        try:
            barrier.wait(timeout=10)
            seen[n] = kit.invocation.native_context()
        finally:
            kit.invocation.leave(token)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(invocation, range(THREADS)))
    assert seen == {n: {"request": n} for n in range(THREADS)}
    assert kit.invocation.native_context() is None


def test_current_context_in_async_handlers_and_after_failures() -> None:
    svc = Service("async")
    seen: list[bool] = []

    @svc.handler("a")
    async def handler(job: Job, ctx: Context) -> None:
        seen.append(kit.invocation.current() is ctx)
        if job.n < 0:
            raise RuntimeError("failed")

    app = App(svc, adapter="local")
    assert app.dispatch(Message("a", {"n": 1})).status is Status.NO_CONTENT
    assert app.dispatch(Message("a", {"n": -1})).status is Status.ERROR
    assert seen == [True, True]
    assert kit.invocation.current() is None


class LambdaContext:
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:concurrent"
    function_name = "concurrent"

    def __init__(self, n: int) -> None:
        self.aws_request_id = f"request-{n}"
        self.deadline = time.monotonic() + 100 + n

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def apigw_v2_post(path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json", **headers},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1",
                     "userAgent": "pytest"},
            "requestId": f"req-{headers.get('x-correlation-id')}", "routeKey": "$default", "stage": "$default",
            "time": "02/Dec/2026:11:30:46 +0000", "timeEpoch": 1796211046000,
        },
        "body": json.dumps(body), "isBase64Encoded": False,
    }


def test_concurrent_lambda_invocations_keep_their_own_state() -> None:
    """The same through the AWS adapter's real entry point, each with its own Lambda context."""
    barrier = threading.Barrier(THREADS)
    app = concurrent_app(barrier, adapter="aws")

    def invoke(n: int) -> dict[str, Any]:
        event = apigw_v2_post("/work", {"n": n}, {"x-correlation-id": f"corr-{n}"})
        answer = app.entry_point(event, LambdaContext(n))
        assert answer["statusCode"] == 200, answer
        body: dict[str, Any] = json.loads(answer["body"])
        return body

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(invoke, range(THREADS)))

    for n, answer in enumerate(answers):
        assert answer["n"] == n and answer["correlation_id"] == f"corr-{n}"
        assert 100 + n - 30 < answer["remaining"] <= 100 + n
        assert answer["outbox"] == [n] and answer["current_is_mine"] is True
        assert answer["native"] == f"request-{n}"
    publisher = app.publisher
    assert isinstance(publisher, InMemoryPublisher)
    assert sorted((m.body["n"], m.correlation_id) for m in publisher.messages) == [
        (n, f"corr-{n}") for n in range(THREADS)
    ]
    assert kit.invocation.native_context() is None and kit.invocation.current() is None
