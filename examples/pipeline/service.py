"""The pipeline service: files arrive, clicks stream in, a nightly report goes out. Cloud-neutral.

Four handlers, each fed by a different kind of binding in main.py: a storage event, a stream, a
schedule and a subscription. State is in memory, enough to show what reached each handler.
"""

from __future__ import annotations

import threading
from collections import Counter

from pydantic import BaseModel, Field

from portside import Context, Service

service = Service("pipeline")


class StoredObject(BaseModel):
    """The neutral body of OBJECT_CREATED, the same on every cloud."""

    bucket: str
    key: str
    size: int | None = None


class Click(BaseModel):
    page: str = Field(min_length=1)
    user: str = Field(min_length=1)


class Tick(BaseModel):
    """What every schedule delivers: when it fired and which schedule it was."""

    time: str
    rule: str


class Report(BaseModel):
    files: int
    clicks: dict[str, int]


class Tally:
    """What the pipeline has seen so far; thread-safe for the local server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.files: list[str] = []
        self.clicks: Counter[str] = Counter()
        self.reports: list[Report] = []

    def clear(self) -> None:
        with self._lock:
            self.files.clear()
            self.clicks.clear()
            self.reports.clear()

    def add_file(self, path: str) -> None:
        with self._lock:
            self.files.append(path)

    def add_click(self, page: str) -> None:
        with self._lock:
            self.clicks[page] += 1

    def report(self) -> Report:
        with self._lock:
            return Report(files=len(self.files), clicks=dict(self.clicks))

    def add_report(self, report: Report) -> None:
        with self._lock:
            self.reports.append(report)


tally = Tally()


@service.handler("files.uploaded")
def file_uploaded(stored: StoredObject, ctx: Context) -> None:
    tally.add_file(f"{stored.bucket}/{stored.key}")
    ctx.logger.info("file %s/%s arrived", stored.bucket, stored.key)


@service.handler("clicks.record")
def record_click(click: Click) -> None:
    tally.add_click(click.page)


@service.handler("reports.build", publishes=["reports.built"])
def build_report(tick: Tick, ctx: Context) -> Report:
    report = tally.report()
    ctx.publish("reports.built", report)
    return report


@service.handler("reports.notify")
def notify(report: Report, ctx: Context) -> None:
    tally.add_report(report)
    ctx.logger.info("report: %d files, %d clicks", report.files, sum(report.clicks.values()))
