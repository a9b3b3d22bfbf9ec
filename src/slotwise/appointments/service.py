"""Rules for appointments: who sees which, creating and deleting them.

Visibility: staff (owner/director/manager) see the whole firm, a worker the appointments
their specialist is assigned to, a client their own. An appointment a caller may not see is
reported exactly like a missing one (404). Changes live in ``updates.py``.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import repository
from slotwise.appointments.changes import appointment_changed
from slotwise.appointments.checks import check_client, check_place, check_workers
from slotwise.appointments.creation import NewAppointment, insert_appointment
from slotwise.appointments.errors import AppointmentNotFound, AppointmentReferenced
from slotwise.appointments.preconditions import check_version, expected_versions
from slotwise.appointments.present import present, present_one
from slotwise.appointments.repository import Scope
from slotwise.appointments.schemas import (
    AppointmentCreate,
    AppointmentFilters,
    AppointmentFromHold,
    AppointmentPage,
    ServiceLineIn,
)
from slotwise.auth.caller import Caller
from slotwise.availability.bounds import lower_bound, upper_bound
from slotwise.availability.errors import InvalidRange
from slotwise.booking import claims
from slotwise.booking.confirm import take_hold
from slotwise.booking.errors import HoldNotFound
from slotwise.booking.holds import Holder
from slotwise.errors import Forbidden
from slotwise.models import Appointment, Firm
from slotwise.records import AppointmentOut
from slotwise.repository import PageParams


def scope_of(caller: Caller) -> Scope:
    if caller.is_admin:
        return Scope(caller.firm_id)
    if caller.is_worker and caller.specialist_id is not None:
        return Scope(caller.firm_id, specialist_id=caller.specialist_id)
    if caller.is_client and caller.client_id is not None:
        return Scope(caller.firm_id, client_id=caller.client_id)
    return Scope(caller.firm_id, sees_nothing=True)


async def list_appointments(
    session: AsyncSession,
    caller: Caller,
    filters: AppointmentFilters,
    page: PageParams,
    *,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
) -> AppointmentPage:
    """``start``/``end``: the ``from``/``to`` of the request; plain dates are days in the
    firm's time zone (``end`` includes its day)."""
    if start is not None or end is not None:
        time_zone = await session.scalar(select(Firm.time_zone).where(Firm.id == caller.firm_id))
        assert time_zone is not None  # the caller's firm: its user was just read
        zone = ZoneInfo(time_zone)
        filters = dataclasses.replace(
            filters,
            start=lower_bound(start, zone) if start is not None else None,
            end=upper_bound(end, zone) if end is not None else None,
        )
    if filters.start is not None and filters.end is not None and filters.end <= filters.start:
        raise InvalidRange()
    rows, total = await repository.list_page(session, scope_of(caller), filters, page)
    return AppointmentPage(
        items=await present(session, caller.firm_id, rows),
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


async def get_appointment(
    session: AsyncSession, caller: Caller, appointment_id: uuid.UUID
) -> AppointmentOut:
    appointment = await repository.get_visible(session, scope_of(caller), appointment_id)
    if appointment is None:
        raise AppointmentNotFound(f"No appointment with id {appointment_id}")
    return await present_one(session, caller.firm_id, appointment)


async def create_appointment(
    session: AsyncSession, caller: Caller, data: AppointmentCreate
) -> AppointmentOut:
    """A staff booking: the time, workers and services as sent."""
    firm_id = caller.firm_id
    await check_place(session, firm_id, data.location_id, data.workplace_id)
    await check_client(session, firm_id, data.client_id)
    await check_workers(session, firm_id, data.worker_ids)
    appointment = await insert_appointment(
        session,
        NewAppointment(
            firm_id=firm_id,
            location_id=data.location_id,
            workplace_id=data.workplace_id,
            client_id=data.client_id,
            start_at=data.start_at,
            end_at=data.end_at,
            worker_ids=data.worker_ids,
            services=data.services,
            notes=data.notes,
            status=data.status,
            source=data.source,
            external_id=data.external_id,
            created_by=caller.user_id,
        ),
        datetime.now(UTC),
    )
    return await _created(session, caller, appointment)


async def confirm(
    session: AsyncSession, caller: Caller, data: AppointmentFromHold
) -> tuple[AppointmentOut, bool]:
    """A hold of the caller's (staff: of anyone in the firm) becomes an appointment."""
    if caller.is_worker:
        raise Forbidden("Workers cannot book appointments")
    return await confirm_hold(session, Holder.of(caller), data, actor=caller)


async def confirm_hold(
    session: AsyncSession,
    holder: Holder,
    data: AppointmentFromHold,
    *,
    actor: Caller | None,
    by_client: bool | None = None,
) -> tuple[AppointmentOut, bool]:
    """The appointment the hold becomes, and whether it was created now (False: the holder
    had confirmed this hold before, and gets the same appointment again): the one path
    from a hold to an appointment, for staff, clients and the public page's guests.

    The appointment keeps the hold's id as its ``external_id`` (source ``booking``), so a
    confirmation sent again after a lost response finds the appointment the hold became
    instead of a missing hold; the unique ``(source, external_id)`` index also makes sure
    one hold never becomes two appointments. ``actor``: the logged-in user confirming
    (None for a guest); ``by_client``: whether the client booked it themselves (default:
    the actor is a client), which sends their confirmation at once.
    """
    now = datetime.now(UTC)
    firm_id = holder.firm_id
    try:
        held = await take_hold(session, holder, data.hold_id, client_id=data.client_id, now=now)
    except HoldNotFound:
        if holder.user_id is None:
            raise
        booked = await repository.booked_from_hold(session, firm_id, holder.user_id, data.hold_id)
        if booked is None:
            raise
        return await present_one(session, firm_id, booked), False
    choice = held.choice
    appointment = await insert_appointment(
        session,
        NewAppointment(
            firm_id=firm_id,
            location_id=held.location_id,
            workplace_id=choice.workplace_id,
            client_id=held.client_id,
            start_at=choice.start,
            end_at=choice.end,
            worker_ids=[choice.specialist_id],
            services=[ServiceLineIn(service_id=held.service_id)],
            notes=data.notes,
            source=repository.BOOKING_SOURCE,
            external_id=str(held.hold_id),
            created_by=holder.user_id,
        ),
        now,
    )
    out = await present_one(session, firm_id, appointment)
    await appointment_changed(session, firm_id, None, out, actor, by_client=by_client)
    return out, True


async def _created(
    session: AsyncSession, caller: Caller, appointment: Appointment
) -> AppointmentOut:
    out = await present_one(session, caller.firm_id, appointment)
    await appointment_changed(session, caller.firm_id, None, out, caller)
    return out


async def delete_appointment(
    session: AsyncSession, caller: Caller, appointment_id: uuid.UUID, if_match: str | None
) -> None:
    """Deletes the appointment with its workers and services.

    An appointment that wallet transactions refer to is kept (409 ``appointment_referenced``):
    money history is never lost or detached from what it paid for. Cancel such an
    appointment instead (``PATCH {"status": "cancelled"}``).
    """
    expected = expected_versions(if_match, None, required=False)
    # The lock also makes a wallet transaction naming this appointment wait for our decision.
    appointment = await repository.get_visible(session, scope_of(caller), appointment_id, lock=True)
    if appointment is None:
        raise AppointmentNotFound(f"No appointment with id {appointment_id}")
    check_version(appointment.version, expected)
    if await repository.referenced_by_wallet(session, caller.firm_id, appointment.id):
        raise AppointmentReferenced()
    before = await present_one(session, caller.firm_id, appointment)
    await session.delete(appointment)
    await session.flush()
    await appointment_changed(session, caller.firm_id, before, None, caller)


async def create_by_system(
    session: AsyncSession,
    new: NewAppointment,
    now: datetime,
    *,
    confirmation_delay: timedelta | None = None,
) -> AppointmentOut:
    """An appointment the system books by itself (an external system's record): the one
    insert, then the change report (event, messages) with no caller. Raises ``SlotTaken``
    when its time is taken (run it in a savepoint to carry on)."""
    appointment = await insert_appointment(session, new, now)
    out = await present_one(session, new.firm_id, appointment)
    await appointment_changed(
        session, new.firm_id, None, out, None, now=now, confirmation_delay=confirmation_delay
    )
    return out


async def remove_by_system(
    session: AsyncSession, appointment: Appointment, now: datetime
) -> AppointmentOut | None:
    """The system removes a locked appointment whose source deleted it: deleted, or
    cancelled when wallet transactions refer to it (money history is never detached).
    Returns the cancelled state, or None when the row was deleted (or already cancelled)."""
    firm_id = appointment.firm_id
    before = await present_one(session, firm_id, appointment)
    if not await repository.referenced_by_wallet(session, firm_id, appointment.id):
        await session.delete(appointment)
        await session.flush()
        await appointment_changed(session, firm_id, before, None, None, now=now)
        return None
    if appointment.status == "cancelled":
        return None
    appointment.status = "cancelled"
    appointment.version = appointment.version + 1
    await session.flush()
    await claims.reclaim_appointment(session, appointment, now)
    await session.refresh(appointment)
    after = await present_one(session, firm_id, appointment)
    await appointment_changed(session, firm_id, before, after, None, now=now)
    return after
