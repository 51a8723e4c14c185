"""Access to the real event samples in ../shared/events (never edited, see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT.parent / "shared" / "events"
ORDERS_MAIN = ROOT / "examples" / "orders" / "main.py"


def path(relative: str) -> Path:
    return EVENTS / relative


def load(relative: str) -> Any:
    """Parse the sample at `relative` (e.g. 'aws/powertools/sqsEvent.json')."""
    return json.loads(path(relative).read_text())


def files(folder: str, pattern: str = "*.json") -> list[Path]:
    return sorted((EVENTS / folder).glob(pattern))
