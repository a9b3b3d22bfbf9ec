"""The tasks the worker runs. Each is a thin shell around a function that takes its clock and
its sessions as arguments (so tests drive the same code with a controllable ``now``), and
each is idempotent: running it twice does no harm.

Periodic tasks carry a ``queueing_lock``: while one run still waits in the queue, the next
tick is not queued on top of it.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from procrastinate import JobContext

from slotwise.jobs import maintenance, transitions
from slotwise.jobs.app import QUEUE_NOTIFICATIONS, QUEUE_PERIODIC, job_app
from slotwise.jobs.retry import delivery_retry
from slotwise.notifications import delivery, dispatch, reminders
from slotwise.notifications.delivery import DeliveryRuntime

log = logging.getLogger(__name__)


def runtime_of(context: JobContext) -> DeliveryRuntime:
    runtime: DeliveryRuntime = context.additional_context["runtime"]
    return runtime


@job_app.task(
    name=dispatch.DELIVER_TASK, queue=QUEUE_NOTIFICATIONS, pass_context=True, retry=delivery_retry
)
async def deliver_notification(context: JobContext, notification_id: str, firm_id: str) -> str:
    """Sends one outbox row (``firm_id`` is there for the ops screens' tenant filter)."""
    assert context.job.id is not None
    return await delivery.deliver(
        runtime_of(context),
        uuid.UUID(notification_id),
        job_id=context.job.id,
        final_attempt=delivery_retry.is_final(context.job),
    )


@job_app.task(
    name="advance_statuses",
    queue=QUEUE_PERIODIC,
    pass_context=True,
    queueing_lock="advance_statuses",
)
async def advance_statuses(context: JobContext, timestamp: int) -> str:
    moved = await transitions.advance_statuses(runtime_of(context).sessionmaker, datetime.now(UTC))
    return f"{moved} appointments moved"


@job_app.task(
    name="plan_reminders", queue=QUEUE_PERIODIC, pass_context=True, queueing_lock="plan_reminders"
)
async def plan_reminders(context: JobContext, timestamp: int) -> str:
    runtime = runtime_of(context)
    now = datetime.now(UTC)
    async with runtime.sessionmaker.begin() as session:
        withdrawn, planned = await reminders.sweep(
            session, now, runtime.settings.reminder_planning_days
        )
        horizon = timedelta(seconds=runtime.settings.notification_dispatch_horizon_seconds)
        await dispatch.enqueue(session, planned, now=now, horizon=horizon)
    return f"{len(planned)} reminders planned, {withdrawn} withdrawn"


@job_app.task(
    name="dispatch_notifications",
    queue=QUEUE_PERIODIC,
    pass_context=True,
    queueing_lock="dispatch_notifications",
)
async def dispatch_notifications(context: JobContext, timestamp: int) -> str:
    runtime = runtime_of(context)
    horizon = timedelta(seconds=runtime.settings.notification_dispatch_horizon_seconds)
    total = 0
    while True:
        async with runtime.sessionmaker.begin() as session:
            count = await dispatch.sweep(session, datetime.now(UTC), horizon)
        total += count
        if count < 500:
            return f"{total} notifications queued"


@job_app.task(
    name="retry_stalled_jobs",
    queue=QUEUE_PERIODIC,
    pass_context=True,
    queueing_lock="retry_stalled_jobs",
)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> str:
    """Gives the running jobs of workers that stopped sending heartbeats (killed, frozen,
    cut off) back to the queue, then forgets those workers."""
    timeout = runtime_of(context).settings.worker_stalled_seconds
    manager = context.app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=timeout))
    for job in stalled:
        log.warning("retrying job %s (%s): its worker stopped", job.id, job.task_name)
        await manager.retry_job(job)
    await manager.prune_stalled_workers(timeout)
    return f"{len(stalled)} stalled jobs retried"


@job_app.task(name="cleanup", queue=QUEUE_PERIODIC, pass_context=True, queueing_lock="cleanup")
async def cleanup(context: JobContext, timestamp: int) -> str:
    runtime = runtime_of(context)
    counts: dict[str, Any] = await maintenance.cleanup(
        runtime.sessionmaker, runtime.settings, datetime.now(UTC)
    )
    return json.dumps(counts)


PERIODIC_TASKS = {
    "advance_statuses": advance_statuses,
    "plan_reminders": plan_reminders,
    "dispatch_notifications": dispatch_notifications,
    "retry_stalled_jobs": retry_stalled_jobs,
    "cleanup": cleanup,
}
