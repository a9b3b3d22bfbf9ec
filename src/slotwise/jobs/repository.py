"""Queries of the periodic jobs: appointments whose status time has come, expired holds,
old events, finished jobs."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.jobs import tables
from slotwise.models import Appointment, Event, Hold


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Appointment.status == "scheduled", Appointment.start_at <= now),
        and_(Appointment.status == "in_progress", Appointment.end_at <= now),
    )


async def firms_due_for_transition(
    session: AsyncSession,
    now: datetime,
    among: Collection[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """The firms with appointments that should have started or ended by ``now``, in id
    order; nothing is locked (each firm's rows are taken in a transaction of their own)."""
    stmt = select(Appointment.firm_id).where(_due(now)).distinct().order_by(Appointment.firm_id)
    if among is not None:
        stmt = stmt.where(Appointment.firm_id.in_(among))
    return list((await session.scalars(stmt)).all())


async def due_for_transition(
    session: AsyncSession, firm_id: uuid.UUID, now: datetime, limit: int
) -> Sequence[Appointment]:
    """The firm's appointments that should have started or ended by ``now``, locked; rows
    another worker holds are skipped (it is moving them)."""
    stmt = (
        select(Appointment)
        .where(Appointment.firm_id == firm_id, _due(now))
        .order_by(Appointment.start_at, Appointment.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(stmt)).all()


async def delete_expired_holds(session: AsyncSession, before: datetime, limit: int) -> int:
    old = select(Hold.id).where(Hold.expires_at < before).limit(limit)
    result = await session.execute(delete(Hold).where(Hold.id.in_(old)).returning(Hold.id))
    return len(result.all())


async def delete_old_events(session: AsyncSession, before: datetime, limit: int) -> int:
    old = select(Event.firm_id, Event.seq).where(Event.created_at < before).limit(limit).subquery()
    result = await session.execute(
        delete(Event)
        .where(Event.firm_id == old.c.firm_id, Event.seq == old.c.seq)
        .returning(Event.seq)
    )
    return len(result.all())


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
