"""Rules of the operations API: what an operator of a firm may see and retry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import Caller
from slotwise.config import Settings
from slotwise.jobs import periodic
from slotwise.jobs.app import QUEUE_NOTIFICATIONS, QUEUE_PERIODIC, QUEUE_SYNC
from slotwise.notifications import repository as outbox
from slotwise.notifications.dispatch import DELIVER_TASK
from slotwise.notifications.schemas import NotificationOut, NotificationPage
from slotwise.ops import repository
from slotwise.ops.errors import JobNotFailed, JobNotFound
from slotwise.ops.schemas import (
    JobOut,
    JobPage,
    PeriodicHistory,
    PeriodicRun,
    PeriodicTaskHistory,
    QueueList,
    QueueStats,
)
from slotwise.repository import PageParams


def _job_out(row: Row[Any]) -> JobOut:
    args = row.args or {}
    notification_id = args.get("notification_id") if row.task_name == DELIVER_TASK else None
    return JobOut(
        id=row.id,
        queue=row.queue_name,
        task=row.task_name,
        status=row.status,
        attempts=row.attempts,
        scheduled_at=row.scheduled_at,
        args=args,
        deferred_at=row.deferred_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        notification_id=uuid.UUID(notification_id) if notification_id else None,
    )


async def queues(session: AsyncSession, caller: Caller) -> QueueList:
    now = datetime.now(UTC)
    stats = {
        name: QueueStats(
            queue=name, waiting=0, scheduled=0, running=0, failed=0, oldest_waiting_seconds=None
        )
        for name in (QUEUE_NOTIFICATIONS, QUEUE_PERIODIC, QUEUE_SYNC)
    }
    for row in await repository.queue_counts(session, caller.firm_id, now):
        stats[row.queue_name] = QueueStats(
            queue=row.queue_name,
            waiting=row.waiting,
            scheduled=row.scheduled,
            running=row.running,
            failed=row.failed,
            oldest_waiting_seconds=None,
        )
    for name, since in (await repository.oldest_waiting(session, caller.firm_id, now)).items():
        stats[name].oldest_waiting_seconds = max(0.0, (now - since).total_seconds())
    return QueueList(items=[stats[name] for name in sorted(stats)])


async def list_jobs(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    status: str | None,
    queue: str | None,
    task: str | None,
) -> JobPage:
    rows, total = await repository.job_page(
        session, caller.firm_id, page, status=status, queue=queue, task=task
    )
    return JobPage(
        items=[_job_out(row) for row in rows], total=total, limit=page.limit, offset=page.offset
    )


async def get_job(session: AsyncSession, caller: Caller, job_id: int) -> JobOut:
    row = await repository.job(session, caller.firm_id, job_id)
    if row is None:
        raise JobNotFound(f"No job with id {job_id}")
    return _job_out(row)


async def retry_job(session: AsyncSession, caller: Caller, job_id: int) -> JobOut:
    """Queues a failed job again, to run at once (one more attempt)."""
    row = await repository.job(session, caller.firm_id, job_id, lock=True)
    if row is None:
        raise JobNotFound(f"No job with id {job_id}")
    if row.status != "failed":
        raise JobNotFailed(f"Only a failed job can be retried; this one is {row.status}")
    await repository.retry_failed(session, job_id, row.queue_name, datetime.now(UTC))
    return await get_job(session, caller, job_id)


def _run(row: Row[Any]) -> PeriodicRun:
    tick = (row.args or {}).get("timestamp")
    duration = None
    if row.started_at is not None and row.finished_at is not None:
        duration = (row.finished_at - row.started_at).total_seconds()
    return PeriodicRun(
        job_id=row.id,
        status=row.status,
        due_at=datetime.fromtimestamp(tick, UTC) if tick else None,
        started_at=row.started_at,
        finished_at=row.finished_at,
        duration_seconds=duration,
        attempts=row.attempts,
    )


async def periodic_history(
    session: AsyncSession, settings: Settings, per_task: int
) -> PeriodicHistory:
    schedules = periodic.schedules(settings)
    rows = await repository.periodic_runs(session, list(schedules), per_task)
    runs: dict[str, list[PeriodicRun]] = {name: [] for name in schedules}
    for row in rows:
        runs[row.task_name].append(_run(row))
    return PeriodicHistory(
        items=[
            PeriodicTaskHistory(task=name, schedule=cron, runs=runs[name])
            for name, cron in schedules.items()
        ]
    )


async def notification_log(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    appointment_id: uuid.UUID | None,
    status: str | None,
) -> NotificationPage:
    rows, total = await outbox.log_page(
        session, caller.firm_id, page, appointment_id=appointment_id, status=status
    )
    return NotificationPage(
        items=[NotificationOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
