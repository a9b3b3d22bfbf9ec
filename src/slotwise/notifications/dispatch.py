"""Giving waiting messages their delivery job.

A message due soon gets its job in the transaction that planned it; one due later waits in
the outbox until the dispatch sweep (every minute) gives it a job shortly before its time.
So the queue never holds jobs far in the future, and the outbox row, committed with its
cause, is the durable record either way: a row without a job is found by the sweep, a job
whose row was withdrawn or moved finds that out and does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.jobs import queue
from slotwise.jobs.app import QUEUE_NOTIFICATIONS
from slotwise.notifications import repository
from slotwise.notifications.repository import Planned

DELIVER_TASK = "deliver_notification"


async def enqueue(
    session: AsyncSession, planned: Iterable[Planned], *, now: datetime, horizon: timedelta
) -> int:
    count = 0
    for row in planned:
        if row.send_after > now + horizon:
            continue
        job_id = await queue.defer(
            session,
            DELIVER_TASK,
            queue=QUEUE_NOTIFICATIONS,
            kwargs={"notification_id": str(row.id), "firm_id": str(row.firm_id)},
            schedule_at=row.send_after if row.send_after > now else None,
        )
        await repository.set_job(session, row.id, job_id)
        count += 1
    return count


async def sweep(session: AsyncSession, now: datetime, horizon: timedelta, limit: int = 500) -> int:
    """Gives up to ``limit`` rows due within the horizon their job; returns how many."""
    rows = await repository.unqueued_due(session, now + horizon, limit)
    return await enqueue(session, rows, now=now, horizon=horizon)
