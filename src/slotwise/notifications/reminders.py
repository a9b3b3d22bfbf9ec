"""Reminders before an appointment starts, at the firm's offsets (default 24 h and 1 h).

Planned twice over: at once for the appointment that was just booked or moved (so a
reminder due in a few minutes is never missed), and by a periodic sweep over the coming
days, which picks up a firm's changed offsets and repairs anything else. Both are the same
idempotent upsert keyed by (appointment, client, offset, start time): a reminder is never
planned twice for the same start, never for a cancelled or deleted appointment (those rows
are withdrawn, and delivery checks again), and is planned anew when the appointment moves.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.notifications import repository
from slotwise.notifications.repository import Planned

# Reminders planned for one appointment reach as far as any booking can.
_ANY_TIME = timedelta(days=3660)


async def replan_appointment(
    session: AsyncSession, firm_id: uuid.UUID, appointment_id: uuid.UUID, now: datetime
) -> list[Planned]:
    await repository.withdraw_stale_reminders(
        session, firm_id=firm_id, appointment_id=appointment_id
    )
    return await repository.plan_reminders(
        session, now, now + _ANY_TIME, firm_id=firm_id, appointment_id=appointment_id
    )


async def sweep(
    session: AsyncSession, now: datetime, days: int, *, firm_id: uuid.UUID | None = None
) -> tuple[int, list[Planned]]:
    """Withdraws stale reminders due within the window and plans the missing ones; returns
    how many were withdrawn and the planned rows."""
    until = now + timedelta(days=days)
    withdrawn = await repository.withdraw_stale_reminders(session, firm_id=firm_id, until=until)
    planned = await repository.plan_reminders(session, now, until, firm_id=firm_id)
    return withdrawn, planned
