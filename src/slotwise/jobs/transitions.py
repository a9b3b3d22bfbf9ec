"""Moving appointments along by time: ``scheduled`` → ``in_progress`` at the start,
→ ``completed`` at the end (straight to ``completed`` when both have passed).

Each move is a normal change: the version goes up, and ``appointment_changed`` records the
event (actor: the system) and plans whatever messages follow, in the same transaction.
Rows are taken with ``SKIP LOCKED`` in small batches, so several workers share the work and
an appointment being edited right now is simply moved on the next run.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.appointments.changes import appointment_changed
from slotwise.appointments.present import present_one
from slotwise.jobs import repository
from slotwise.models import Appointment


async def _advance(session: AsyncSession, appointment: Appointment, now: datetime) -> None:
    before = await present_one(session, appointment.firm_id, appointment)
    appointment.status = "completed" if appointment.end_at <= now else "in_progress"
    appointment.version = appointment.version + 1
    await session.flush()
    await session.refresh(appointment)
    after = await present_one(session, appointment.firm_id, appointment)
    await appointment_changed(session, appointment.firm_id, before, after, None, now=now)


async def advance_statuses(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, *,
                           firm_id: uuid.UUID | None = None, batch: int = 100) -> int:
    """Moves every appointment whose time has come; returns how many moved."""
    moved = 0
    while True:
        async with sessionmaker.begin() as session:
            due = await repository.due_for_transition(session, now, batch, firm_id)
            for appointment in due:
                await _advance(session, appointment, now)
        moved += len(due)
        if len(due) < batch:
            return moved
