"""Concurrent invocations in one process never share per-invocation state (issue 8).

Twenty threads call the same `app.entry_point` at once (direct invocations and SQS batches),
each with its own correlation id and a fake Lambda context with its own deadline and function
ARN. A barrier holds every handler until all twenty run together, so any state kept in a global
would be seen by the wrong invocation. Each handler must see its own correlation id, deadline
(`ctx.remaining_seconds()`), `portside.kit.invocation.native_context()` and current Context, and
only what it published is sent, with its own correlation id.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from portside import App, Context, InMemoryPublisher, Service, destination, queue
from portside.kit import CORRELATION_HEADER, invocation

THREADS = 20


class Work:
    """An App whose handler records what it saw while all invocations run at once."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(THREADS, timeout=20)
        self.seen: dict[int, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.publisher = InMemoryPublisher()
        service = Service("work")

        @service.handler("work.do", publishes=["work.done"])
        def do(body: dict[str, int], ctx: Context) -> dict[str, int]:
            n = body["n"]
            self.barrier.wait()  # every invocation is inside its handler now
            ctx.publish("work.done", {"n": n})
            self.barrier.wait()  # every outbox holds its message before any is sent
            seen = {
                "correlation_id": ctx.correlation_id,
                "remaining": ctx.remaining_seconds(),
                "native": invocation.native_context(),
                "current": invocation.current(),
                "ctx": ctx,
                "outbox": [m.body for m in ctx.outbox],
            }
            with self.lock:
                self.seen[n] = seen
            return {"n": n}

        self.app = App(
            service,
            [queue("work-inbox", "work.do"), destination("work.done", "work-results")],
            adapter="aws",
            publisher=self.publisher,
        )


def lambda_context(n: int) -> Any:
    """A distinct Lambda context per invocation: its own request id, ARN and deadline."""
    return SimpleNamespace(
        aws_request_id=f"req-{n}",
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:work:v{n}",
        get_remaining_time_in_millis=lambda: (n + 1) * 10_000,
    )


def native_event(n: int) -> dict[str, Any]:
    """Even n: a direct invocation; odd n: an SQS batch of one record."""
    if n % 2 == 0:
        return {"topic": "work.do", "body": {"n": n}, "headers": {CORRELATION_HEADER: f"corr-{n}"}}
    return {
        "Records": [
            {
                "messageId": f"msg-{n}",
                "receiptHandle": "handle",
                "body": json.dumps({"n": n}),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {CORRELATION_HEADER: {"stringValue": f"corr-{n}", "dataType": "String"}},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:work-inbox",
                "awsRegion": "us-east-1",
            }
        ]
    }


def test_concurrent_invocations_keep_their_own_state() -> None:
    work = Work()
    contexts = [lambda_context(n) for n in range(THREADS)]

    def invoke(n: int) -> Any:
        return work.app.entry_point(native_event(n), contexts[n])

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        answers = list(pool.map(invoke, range(THREADS)))

    for n, answer in enumerate(answers):
        expected = {"status": "ok", "body": {"n": n}, "errors": []} if n % 2 == 0 else {"batchItemFailures": []}
        assert answer == expected
    assert sorted(work.seen) == list(range(THREADS))
    for n, seen in work.seen.items():
        assert seen["correlation_id"] == f"corr-{n}"
        assert seen["native"] is contexts[n]
        assert seen["current"] is seen["ctx"]
        assert seen["outbox"] == [{"n": n}]
        assert abs(seen["remaining"] - (n + 1) * 10) < 5  # this invocation's deadline, not another's
    sent = [(m.body, m.headers[CORRELATION_HEADER], target) for m, target in work.publisher.sent]
    assert sorted(sent, key=lambda s: s[0]["n"]) == [
        ({"n": n}, f"corr-{n}", "work-results") for n in range(THREADS)
    ]


def test_no_invocation_state_outlives_its_invocation() -> None:
    work = Work()
    work.barrier = threading.Barrier(1)
    assert work.app.entry_point(native_event(0), lambda_context(0))["status"] == "ok"
    assert invocation.native_context() is None and invocation.current() is None
