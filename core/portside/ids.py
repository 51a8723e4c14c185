"""Cheap unique ids: a random per-process prefix plus a counter (uuid4 costs ~1.5 us per call)."""

from __future__ import annotations

import itertools
import os

_PREFIX = os.urandom(6).hex()
_COUNTER = itertools.count(1)


def new_id() -> str:
    return f"{_PREFIX}-{next(_COUNTER):x}"
