"""Interleaved rounds: the hand-written function brackets portside's slot in every round, so a
ratio is taken between neighbours in time (the machine's speed drifts; neighbours' ratios hold)."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from typing import Any

Timed = Callable[[Callable[[Any], Any], Any, int], float]  # (function, its input, calls) -> µs per call

HEADER = (
    "| path | hand-written us | portside us | portside / hand-written (median of rounds) |\n"
    "|---|---:|---:|---:|"
)


def title(platform: str, rounds: int, calls: int) -> str:
    return f"{platform} receive paths, Python {sys.version.split()[0]}, {rounds} rounds x {calls} calls"


def row(name: str, hand: Callable[[Any], Any], ours: Callable[[Any], Any], native: Any,
        timed: Timed, rounds: int, calls: int) -> str:
    """One Markdown row: medians of µs per call and of the per-round ratio."""
    for fn in (hand, ours):  # warm up
        timed(fn, native, calls)
    ratios, hand_us, ours_us = [], [], []
    for _ in range(rounds):
        before = timed(hand, native, calls)
        middle = timed(ours, native, calls)
        after = timed(hand, native, calls)
        ratios.append(middle / ((before + after) / 2))
        hand_us.append((before + after) / 2)
        ours_us.append(middle)
    return (f"| {name} | {statistics.median(hand_us):.1f} | {statistics.median(ours_us):.1f} | "
            f"**{statistics.median(ratios):.2f}x** |")
