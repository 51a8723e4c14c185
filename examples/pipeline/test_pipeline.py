"""The pipeline example on the local adapter, through portside's TestClient.

A file arrives (OBJECT_CREATED, the neutral storage body), clicks stream in (one of them
poison, which the stream binding dead-letters into `clicks-dlq`), the nightly schedule fires
and publishes a report to `pipeline-reports`, and the app's own subscription receives it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portside import App, State
from portside.startup import load_app
from portside.testing import TestClient

MAIN = Path(__file__).with_name("main.py")


def tally_of(app: App) -> Any:
    return app.service.handlers["clicks.record"].fn.__globals__["tally"]


@pytest.fixture
def app() -> App:
    app = load_app(MAIN, adapter="local")
    tally_of(app).clear()
    return app


def test_a_day_of_the_pipeline(app: App) -> None:
    with TestClient(app) as client:
        stored = client.deliver("files.uploaded", {"bucket": "uploads", "key": "a/b.csv", "size": 12})
        clicks = [client.deliver("clicks.record", f'{{"page": "{page}", "user": "u1"}}')
                  for page in ("/", "/", "/pricing")]
        tick = client.deliver("reports.build", {"time": "2026-01-01T02:00:00Z", "rule": "nightly-report"})

        assert stored.state is State.ACKNOWLEDGED
        assert [c.state for c in clicks] == [State.ACKNOWLEDGED] * 3
        assert tick.state is State.ACKNOWLEDGED
        [published] = client.published_to("reports.built")
        assert published.body.model_dump() == {"files": 1, "clicks": {"/": 2, "/pricing": 1}}
        # pipeline-reports is a channel: the app's own subscription received the report
        assert [s.state for s in client.settlements] == [State.ACKNOWLEDGED]
        assert [r.files for r in tally_of(app).reports] == [1]


def test_a_poison_click_is_kept_in_the_streams_dead_letter_queue(app: App) -> None:
    binding = app.bindings.queue("clicks")
    assert binding is not None and binding.dead_letter == "clicks-dlq"
    with TestClient(app) as client:
        poison = client.deliver("clicks.record", b'{"page": ""}', dead_letter=binding.dead_letter)

        assert poison.state is State.DEAD_LETTERED
        [letter] = client.dead_letters
        assert letter.target == "clicks-dlq"
        assert letter.message.data == b'{"page": ""}'
        assert tally_of(app).clicks == {}


def test_every_binding_kind_feeds_its_handler(app: App) -> None:
    kinds = {binding.kind.value: binding.topic for binding in app.bindings}
    assert kinds == {
        "event": "files.uploaded",
        "queue": "clicks.record",
        "schedule": "reports.build",
        "destination": "reports.built",
        "subscription": "reports.notify",
    }
