"""Startup file of the pipeline example: a storage event, a stream, a schedule and a subscription.

Nothing here names a cloud but the one AWS option: the `clicks` queue is a Kinesis stream there
(on the other clouds it is their queue). A stream must say what to do with poison, since a
record handed back blocks its shard: here it goes to the `clicks-dlq` queue.

    portside run examples/pipeline/main.py
    portside package examples/pipeline/main.py --cloud aws --out build/pipeline-aws
"""

from __future__ import annotations

from service import service

from portside import OBJECT_CREATED, App, destination, event, queue, schedule, subscription

app = App(
    service,
    [
        event(OBJECT_CREATED, "files.uploaded"),
        queue("clicks", "clicks.record", dead_letter="clicks-dlq", aws={"source": "kinesis"}),
        schedule("nightly-report", "reports.build", "0 2 * * *"),
        destination("reports.built", "pipeline-reports"),
        subscription("pipeline-reports", "reports.notify"),
    ],
    adapter="local",
)
handler = app.entry_point
