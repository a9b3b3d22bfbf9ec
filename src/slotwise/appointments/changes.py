"""The one place every appointment write path reports its change to, so that the side
effects (the event log now; notifications and jobs later) join the same transaction and no
path can forget one."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments.schemas import AppointmentOut
from slotwise.realtime.events import record_appointment_change


async def appointment_changed(session: AsyncSession, firm_id: uuid.UUID,
                              before: AppointmentOut | None,
                              after: AppointmentOut | None) -> None:
    """``before`` is None for a creation, ``after`` None for a deletion."""
    await record_appointment_change(session, firm_id, before, after)
