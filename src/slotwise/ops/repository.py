"""Queries on procrastinate's tables for the operations API.

A job belongs to a firm when its arguments name one (``firm_id``, as delivery jobs do);
jobs without one (periodic jobs) are the system's and every firm's operators see them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.jobs.tables import events, jobs
from slotwise.repository import PageParams

_FINISHED_EVENTS = ("succeeded", "failed", "cancelled", "aborted")


def visible_to(firm_id: uuid.UUID) -> ColumnElement[bool]:
    owner = jobs.c.args["firm_id"].astext
    return or_(owner == str(firm_id), owner.is_(None))


def _with_times(stmt: Select[Any]) -> Select[Any]:
    times = (
        select(
            func.min(events.c.at).filter(events.c.type == "deferred").label("deferred_at"),
            func.max(events.c.at).filter(events.c.type == "started").label("started_at"),
            func.max(events.c.at).filter(events.c.type.in_(_FINISHED_EVENTS)).label("finished_at"),
        )
        .where(events.c.job_id == jobs.c.id)
        .lateral("times")
    )
    return stmt.add_columns(times.c.deferred_at, times.c.started_at, times.c.finished_at).outerjoin(
        times, true()
    )


async def queue_counts(
    session: AsyncSession, firm_id: uuid.UUID, now: datetime
) -> Sequence[Row[Any]]:
    due = or_(jobs.c.scheduled_at.is_(None), jobs.c.scheduled_at <= now)
    todo = jobs.c.status == "todo"
    return (
        await session.execute(
            select(
                jobs.c.queue_name,
                func.count().filter(todo, due).label("waiting"),
                func.count().filter(todo, ~due).label("scheduled"),
                func.count().filter(jobs.c.status == "doing").label("running"),
                func.count().filter(jobs.c.status == "failed").label("failed"),
            )
            .where(visible_to(firm_id), jobs.c.status.in_(["todo", "doing", "failed"]))
            .group_by(jobs.c.queue_name)
        )
    ).all()


async def oldest_waiting(
    session: AsyncSession, firm_id: uuid.UUID, now: datetime
) -> dict[str, datetime]:
    """Per queue, since when the longest-waiting due job has been ready (its scheduled
    time, or when it was deferred)."""
    deferred = (
        select(func.min(events.c.at))
        .where(events.c.job_id == jobs.c.id, events.c.type == "deferred")
        .scalar_subquery()
    )
    ready_since = func.coalesce(jobs.c.scheduled_at, deferred)
    rows = (
        await session.execute(
            select(jobs.c.queue_name, func.min(ready_since))
            .where(
                visible_to(firm_id),
                jobs.c.status == "todo",
                or_(jobs.c.scheduled_at.is_(None), jobs.c.scheduled_at <= now),
            )
            .group_by(jobs.c.queue_name)
        )
    ).all()
    return {row[0]: row[1] for row in rows if row[1] is not None}


async def job_page(
    session: AsyncSession,
    firm_id: uuid.UUID,
    page: PageParams,
    *,
    status: str | None,
    queue: str | None,
    task: str | None,
) -> tuple[list[Row[Any]], int]:
    conditions = [visible_to(firm_id)]
    if status is not None:
        conditions.append(jobs.c.status == status)
    if queue is not None:
        conditions.append(jobs.c.queue_name == queue)
    if task is not None:
        conditions.append(jobs.c.task_name == task)
    total = await session.scalar(select(func.count()).select_from(jobs).where(*conditions))
    stmt = _with_times(
        select(jobs)
        .where(*conditions)
        .order_by(jobs.c.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return list((await session.execute(stmt)).all()), int(total or 0)


async def job(
    session: AsyncSession, firm_id: uuid.UUID, job_id: int, *, lock: bool = False
) -> Row[Any] | None:
    stmt = _with_times(select(jobs).where(jobs.c.id == job_id, visible_to(firm_id)))
    if lock:
        stmt = stmt.with_for_update(of=jobs)
    row: Row[Any] | None = (await session.execute(stmt)).first()
    return row


async def retry_failed(session: AsyncSession, job_id: int, queue: str, now: datetime) -> None:
    """Puts a failed job back in the queue (procrastinate's own retry function), and wakes
    the workers listening on its queue."""
    await session.execute(
        select(func.procrastinate.procrastinate_retry_job_v2(job_id, now, null(), null(), null()))
    )
    payload = func.json_build_object("type", "job_inserted", "job_id", job_id)
    for channel in (
        literal("procrastinate_queue_v1#", String) + queue,
        literal("procrastinate_any_queue_v1", String),
    ):
        await session.execute(select(func.pg_notify(channel, cast(payload, String))))


async def periodic_runs(
    session: AsyncSession, task_names: Sequence[str], per_task: int
) -> list[Row[Any]]:
    """The latest runs of each periodic task (system jobs: no firm)."""
    ranked = (
        select(
            jobs.c.id,
            func.row_number()
            .over(partition_by=jobs.c.task_name, order_by=jobs.c.id.desc())
            .label("n"),
        )
        .where(jobs.c.task_name.in_(list(task_names)))
        .subquery()
    )
    stmt = _with_times(
        select(jobs)
        .join(ranked, ranked.c.id == jobs.c.id)
        .where(ranked.c.n <= per_task)
        .order_by(jobs.c.task_name, jobs.c.id.desc())
    )
    return list((await session.execute(stmt)).all())
