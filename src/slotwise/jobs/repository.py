"""Queries of our own on procrastinate's tables (the ops screens have theirs in
``ops/repository.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.jobs import tables


async def delete_finished_jobs(
    session: AsyncSession, statuses: Sequence[str], before: datetime, limit: int
) -> int:
    """Deletes jobs in these final states with no event since ``before`` (their events go
    with them)."""
    jobs, events = tables.jobs, tables.events
    recent = exists().where(events.c.job_id == jobs.c.id, events.c.at >= before)
    old = select(jobs.c.id).where(jobs.c.status.in_(list(statuses)), ~recent).limit(limit)
    result = await session.execute(delete(jobs).where(jobs.c.id.in_(old)).returning(jobs.c.id))
    return len(result.all())


async def job_is_running(session: AsyncSession, job_id: int) -> bool:
    status = await session.scalar(select(tables.jobs.c.status).where(tables.jobs.c.id == job_id))
    return status == "doing"
