"""The appointments' background task: statuses move on by time (``transitions.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

from procrastinate import JobContext

from slotwise.appointments import transitions
from slotwise.jobs.app import QUEUE_PERIODIC, job_app
from slotwise.jobs.periodic import periodic
from slotwise.jobs.runtime import job_runtime


@periodic(cron=lambda settings: settings.cron_status_transitions)
@job_app.task(
    name="advance_statuses",
    queue=QUEUE_PERIODIC,
    pass_context=True,
    queueing_lock="advance_statuses",
)
async def advance_statuses(context: JobContext, timestamp: int) -> str:
    moved = await transitions.advance_statuses(job_runtime(context).sessionmaker, datetime.now(UTC))
    return f"{moved} appointments moved"
