"""What a client may change on their own appointment: cancel it, or move it to another free
slot of the same specialist, up to the firm's deadline before the start (default 2 h)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments.errors import (
    AppointmentNotScheduled,
    ChangeDeadlinePassed,
    ForbiddenField,
)
from slotwise.appointments.schemas import CLIENT_FIELDS
from slotwise.availability.errors import SlotUnavailable
from slotwise.availability.service import check_slot
from slotwise.booking.holds import explain_unavailable
from slotwise.models import Appointment, Firm


def change_deadline(start_at: datetime, deadline_minutes: int) -> datetime:
    """The last instant a client may still cancel or move an appointment starting then."""
    return start_at - timedelta(minutes=deadline_minutes)


def client_may_change(
    status: str, start_at: datetime, deadline_minutes: int, now: datetime
) -> bool:
    """Whether ``check_client_change`` would let a client cancel or move it now (the
    appointment's own rules, not whether a new slot is free)."""
    return status == "scheduled" and now <= change_deadline(start_at, deadline_minutes)


async def check_client_change(
    session: AsyncSession, appointment: Appointment, changes: dict[str, Any], now: datetime
) -> None:
    forbidden = sorted(set(changes) - CLIENT_FIELDS)
    if forbidden:
        raise ForbiddenField(
            f"A client may only cancel (status) or move (start_at) an appointment, "
            f"not change: {', '.join(forbidden)}"
        )
    if "status" in changes and changes["status"] != "cancelled":
        raise ForbiddenField("A client may only set the status to 'cancelled'")
    if appointment.status != "scheduled":
        raise AppointmentNotScheduled(f"A {appointment.status} appointment cannot be changed")
    firm = await session.get(Firm, appointment.firm_id)
    assert firm is not None
    deadline = change_deadline(appointment.start_at, firm.client_change_deadline_minutes)
    if now > deadline:
        raise ChangeDeadlinePassed(
            f"Changes are possible until {deadline.isoformat()} "
            f"({firm.client_change_deadline_minutes} min before the start)"
        )
    new_start = changes.get("start_at")
    if new_start is None or changes.get("status") == "cancelled":
        return
    if not appointment.workers or not appointment.services:
        raise SlotUnavailable("This appointment cannot be moved online")
    # The appointment's own time and place must not count against its new slot.
    try:
        choice = await check_slot(
            session,
            appointment.firm_id,
            service_id=appointment.services[0].service_id,
            location_id=appointment.location_id,
            start_at=new_start,
            specialist_id=appointment.workers[0].specialist_id,
            workplace_id=appointment.workplace_id,
            now=now,
            ignore_appointment_id=appointment.id,
        )
    except SlotUnavailable as unavailable:
        # Another booking in the way is named, as for a hold (409 slot_taken).
        raise await explain_unavailable(
            session, appointment.firm_id, unavailable, now, moving_appointment_id=appointment.id
        ) from None
    changes["end_at"] = choice.end
