"""Cloud Scheduler HTTP jobs calling the function: the tick of the schedule named like the job.

Recognised by the `X-CloudScheduler-JobName` header on a request no HTTP binding routes (a job
may also target one of the service's routes; then it is that route's request). The tick's time
is `X-CloudScheduler-ScheduleTime`. Pure.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from portside import App, HttpResponse
from portside.kit import Batch, Inbound, correlation, render_delivery

from .deployment import Deployment, identity_of
from .native import Request
from .options import short_name
from .pubsub import SCHEDULE_TRANSPORT
from .schedules import tick_body

KIND = "messages"
NAME = "scheduler_http"
JOB_HEADER = "x-cloudscheduler-jobname"
TIME_HEADER = "x-cloudscheduler-scheduletime"


def matches(request: Request) -> bool:
    return request.header(JOB_HEADER) is not None and not request.routed


def to_batch(app: App, request: Request, context: Any, options: Deployment) -> Batch:
    job = short_name(request.header(JOB_HEADER) or "")
    binding = options.routes.schedules.get(job)
    time = request.header(TIME_HEADER) or datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    message = app.receive(Inbound(
        binding.topic if binding else None, body=tick_body(job, time), transport=SCHEDULE_TRANSPORT,
        headers=request.headers, id=request.execution_id,
        correlation_id=correlation(request.headers, request.execution_id), raw=request.raw,
        identity=identity_of(context),
        unroutable=f"Cloud Scheduler job {job!r} has no schedule binding; add schedule({job!r}, topic, "
        "expression) to the startup file",
    ))
    batch = Batch(app)
    batch.add(message, message.id, binding=binding)
    return batch


def to_answer(batch: Batch) -> HttpResponse:
    return render_delivery(batch.settlements[0])
