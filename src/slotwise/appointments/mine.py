"""A client's own appointments ("My appointments") and the calendar file of any appointment
its caller may see."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import repository, service
from slotwise.appointments.client_view import MyAppointmentPage, client_view, my_views
from slotwise.appointments.ics import appointment_calendar, file_name
from slotwise.appointments.present import present
from slotwise.auth.caller import Caller
from slotwise.models import Firm
from slotwise.repository import PageParams

When = Literal["upcoming", "past"]


async def _firm(session: AsyncSession, firm_id: uuid.UUID) -> Firm:
    firm = await session.get(Firm, firm_id)
    assert firm is not None  # the caller's firm: its user was just read
    return firm


async def my_appointments(
    session: AsyncSession,
    caller: Caller,
    when: When,
    page: PageParams,
    now: datetime | None = None,
) -> MyAppointmentPage:
    """The caller's appointments as a client; staff, who book for others, have none here."""
    if not caller.is_client or caller.client_id is None:
        return MyAppointmentPage(items=[], total=0, limit=page.limit, offset=page.offset)
    now = now or datetime.now(UTC)
    rows, total = await repository.client_page(
        session, caller.firm_id, caller.client_id, upcoming=when == "upcoming", now=now, page=page
    )
    firm = await _firm(session, caller.firm_id)
    items = await my_views(session, firm, await present(session, caller.firm_id, rows), now)
    return MyAppointmentPage(items=items, total=total, limit=page.limit, offset=page.offset)


async def calendar_file(
    session: AsyncSession, caller: Caller, appointment_id: uuid.UUID
) -> tuple[bytes, str]:
    """The ``.ics`` of an appointment the caller may see (404 like a missing one else)."""
    appointment = await service.get_appointment(session, caller, appointment_id)
    firm = await _firm(session, caller.firm_id)
    view = await client_view(session, caller.firm_id, appointment)
    ics = appointment_calendar(
        view, firm_name=firm.name, version=appointment.version, updated_at=appointment.updated_at
    )
    return ics, file_name(view)
