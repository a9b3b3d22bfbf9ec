"""Moving appointments along by time: ``scheduled`` → ``in_progress`` at the start,
→ ``completed`` at the end (straight to ``completed`` when both have passed).

Each move is a normal change: the version goes up, and ``appointment_changed`` records the
event (actor: the system) and plans whatever messages follow, in the same transaction.

One firm per transaction, firms in id order: recording an event locks its firm's row until
commit, so a transaction spanning firms would make the API writers of every firm in it wait,
and two runs taking firms in different orders could deadlock. Within a firm, rows are taken
with ``SKIP LOCKED`` in small batches, so several workers share the work and an appointment
being edited right now is simply moved on the next run.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.appointments.changes import appointment_changed
from slotwise.appointments.present import present_one
from slotwise.models import Appointment


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Appointment.status == "scheduled", Appointment.start_at <= now),
        and_(Appointment.status == "in_progress", Appointment.end_at <= now),
    )


async def _firms_due(
    session: AsyncSession, now: datetime, among: Collection[uuid.UUID] | None
) -> list[uuid.UUID]:
    """The firms with appointments that should have started or ended by ``now``, in id
    order; nothing is locked (each firm's rows are taken in a transaction of their own)."""
    stmt = select(Appointment.firm_id).where(_due(now)).distinct().order_by(Appointment.firm_id)
    if among is not None:
        stmt = stmt.where(Appointment.firm_id.in_(among))
    return list((await session.scalars(stmt)).all())


async def _due_in_firm(
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


async def _advance(session: AsyncSession, appointment: Appointment, now: datetime) -> None:
    before = await present_one(session, appointment.firm_id, appointment)
    appointment.status = "completed" if appointment.end_at <= now else "in_progress"
    appointment.version = appointment.version + 1
    await session.flush()
    await session.refresh(appointment)
    after = await present_one(session, appointment.firm_id, appointment)
    await appointment_changed(session, appointment.firm_id, before, after, None, now=now)


async def _advance_firm(
    sessionmaker: async_sessionmaker[AsyncSession], firm_id: uuid.UUID, now: datetime, batch: int
) -> int:
    moved = 0
    while True:
        async with sessionmaker.begin() as session:
            due = await _due_in_firm(session, firm_id, now, batch)
            for appointment in due:
                await _advance(session, appointment, now)
        moved += len(due)
        if len(due) < batch:
            return moved


async def advance_statuses(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    firms: Collection[uuid.UUID] | None = None,
    batch: int = 100,
) -> int:
    """Moves every appointment whose time has come (of ``firms`` only, when given); returns
    how many moved."""
    async with sessionmaker() as session:
        due_firms = await _firms_due(session, now, firms)
    moved = 0
    for firm_id in due_firms:
        moved += await _advance_firm(sessionmaker, firm_id, now, batch)
    return moved
