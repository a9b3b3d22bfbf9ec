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

from slotwise.appointments import pricing, repository
from slotwise.appointments.changes import appointment_changed
from slotwise.appointments.preconditions import check_version, expected_versions
from slotwise.appointments.present import present, present_one
from slotwise.appointments.repository import Scope
from slotwise.appointments.schemas import (
    AppointmentCreate,
    AppointmentFilters,
    AppointmentFromHold,
    AppointmentPage,
)
from slotwise.auth.caller import Caller
from slotwise.availability.bounds import lower_bound, upper_bound
from slotwise.booking import claims
from slotwise.booking.confirm import confirm_hold
from slotwise.errors import Conflict, NotFound, Unprocessable
from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Client,
    Firm,
    Location,
    Specialist,
    Workplace,
)
from slotwise.records import AppointmentOut
from slotwise.repository import PageParams, get_in_firm


def scope_of(caller: Caller) -> Scope:
    if caller.is_admin:
        return Scope(caller.firm_id)
    if caller.is_worker and caller.specialist_id is not None:
        return Scope(caller.firm_id, specialist_id=caller.specialist_id)
    if caller.is_client and caller.client_id is not None:
        return Scope(caller.firm_id, client_id=caller.client_id)
    return Scope(caller.firm_id, sees_nothing=True)


def not_found(appointment_id: uuid.UUID) -> NotFound:
    return NotFound(f"No appointment with id {appointment_id}", code="appointment_not_found")


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
        raise Unprocessable("'to' must be after 'from'", code="invalid_range")
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
        raise not_found(appointment_id)
    return await present_one(session, caller.firm_id, appointment)


async def check_place(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    workplace_id: uuid.UUID | None,
) -> None:
    await get_in_firm(session, Location, firm_id, location_id, what="location")
    if workplace_id is None:
        return
    workplace = await get_in_firm(session, Workplace, firm_id, workplace_id, what="workplace")
    if workplace.location_id != location_id:
        raise Unprocessable(
            "The workplace is not in this location", code="workplace_not_in_location"
        )


async def check_client(
    session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID | None
) -> None:
    if client_id is not None:
        await get_in_firm(session, Client, firm_id, client_id, what="client")


async def check_workers(
    session: AsyncSession, firm_id: uuid.UUID, worker_ids: list[uuid.UUID]
) -> None:
    missing = await repository.missing_ids(session, Specialist, firm_id, worker_ids)
    if missing:
        raise NotFound(
            f"No specialist with id {', '.join(map(str, missing))}", code="specialist_not_found"
        )


async def check_external_id(
    session: AsyncSession,
    firm_id: uuid.UUID,
    source: str,
    external_id: str | None,
    *,
    except_id: uuid.UUID | None = None,
) -> None:
    if external_id is not None and await repository.external_id_taken(
        session, firm_id, source, external_id, except_id=except_id
    ):
        raise Conflict(
            f"An appointment from '{source}' with this external_id exists", code="external_id_taken"
        )


async def create_appointment(
    session: AsyncSession, caller: Caller, data: AppointmentCreate
) -> AppointmentOut:
    firm_id = caller.firm_id
    await check_place(session, firm_id, data.location_id, data.workplace_id)
    await check_client(session, firm_id, data.client_id)
    await check_workers(session, firm_id, data.worker_ids)
    priced = await pricing.price_services(
        session,
        firm_id,
        data.services,
        workplace_id=data.workplace_id,
        first_worker_id=data.worker_ids[0],
    )
    await check_external_id(session, firm_id, data.source, data.external_id)
    end_at = data.end_at or data.start_at + timedelta(minutes=pricing.total_minutes(priced))
    appointment = Appointment(
        firm_id=firm_id,
        location_id=data.location_id,
        workplace_id=data.workplace_id,
        client_id=data.client_id,
        start_at=data.start_at,
        end_at=end_at,
        status=data.status,
        notes=data.notes,
        source=data.source,
        external_id=data.external_id,
        created_by=caller.user_id,
    )
    session.add(appointment)
    await session.flush()
    session.add_all(
        [
            AppointmentWorker(
                firm_id=firm_id, appointment_id=appointment.id, specialist_id=worker_id
            )
            for worker_id in data.worker_ids
        ]
    )
    session.add_all(
        [
            AppointmentServiceItem(
                firm_id=firm_id,
                appointment_id=appointment.id,
                service_id=p.service_id,
                price=p.price,
                duration_minutes=p.duration_minutes,
            )
            for p in priced
        ]
    )
    await session.flush()
    await session.refresh(appointment)  # the columns the database filled in
    await claims.reclaim_appointment(session, appointment, datetime.now(UTC))
    out = await present_one(session, firm_id, appointment)
    await appointment_changed(session, firm_id, None, out, caller)
    return out


async def confirm(
    session: AsyncSession, caller: Caller, data: AppointmentFromHold
) -> tuple[AppointmentOut, bool]:
    """The appointment the hold becomes, and whether it was created now (False: the caller
    had confirmed this hold before, and gets the same appointment again)."""
    confirmed = await confirm_hold(session, caller, data, datetime.now(UTC))
    out = await present_one(session, caller.firm_id, confirmed.appointment)
    if confirmed.created:
        await appointment_changed(session, caller.firm_id, None, out, caller)
    return out, confirmed.created


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
        raise not_found(appointment_id)
    check_version(appointment.version, expected)
    if await repository.referenced_by_wallet(session, caller.firm_id, appointment.id):
        raise Conflict(
            "Wallet transactions refer to this appointment; cancel it instead",
            code="appointment_referenced",
        )
    before = await present_one(session, caller.firm_id, appointment)
    await session.delete(appointment)
    await session.flush()
    await appointment_changed(session, caller.firm_id, before, None, caller)
