"""Run async handlers from synchronous entry points on a per-thread event loop.

Creating a loop per call (asyncio.run) costs tens of microseconds; a loop kept per thread
costs nothing after the first call. asyncio is imported only when an async handler exists.
"""

from __future__ import annotations

import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
_local = threading.local()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_local, "loop", None)
        if loop is None or loop.is_closed():
            loop = _local.loop = asyncio.new_event_loop()
        return loop.run_until_complete(coro)
    # Called from inside a running loop (e.g. an async test): finish on a helper thread.
    box: list[Any] = []

    def runner() -> None:
        try:
            box.append((True, run_sync(coro)))
        except BaseException as exc:  # re-raised in the caller's thread
            box.append((False, exc))

    thread = threading.Thread(target=runner, name="portside-async")
    thread.start()
    thread.join()
    ok, value = box[0]
    if ok:
        return value  # type: ignore[no-any-return]
    raise value
