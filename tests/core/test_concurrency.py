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


def concurrent_app(barrier: threading.Barrier) -> App:
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
        }

    return App(svc, [http("POST /work", "work"), destination("done", "done-events")], adapter="local",
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
