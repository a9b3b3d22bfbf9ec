"""The one place every appointment write path reports its change to, so that the side
effects (the event log now; notifications and jobs later) join the same transaction and no
path can forget one."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments.schemas import AppointmentOut
from slotwise.deps import Caller
from slotwise.realtime.events import Actor, record_appointment_change


async def appointment_changed(session: AsyncSession, firm_id: uuid.UUID,
                              before: AppointmentOut | None, after: AppointmentOut | None,
                              caller: Caller | None) -> None:
    """``before`` is None for a creation, ``after`` None for a deletion; ``caller`` None when
    the system itself made the change (e.g. a status moved by time)."""
    actor = Actor(caller.user_id, caller.full_name or caller.email) if caller else None
    await record_appointment_change(session, firm_id, before, after, actor)
