"""Confirming a hold: the appointment replaces the hold atomically, in one transaction.

The appointment keeps the hold's id as its ``external_id`` (source ``booking``), so a
confirmation that is sent again after a lost response finds the appointment the hold became
instead of a missing hold; the unique ``(source, external_id)`` index also makes sure one hold
never becomes two appointments.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import pricing
from slotwise.appointments.schemas import AppointmentFromHold, ServiceLineIn
from slotwise.auth.caller import Caller
from slotwise.availability.service import SlotUnavailable, check_slot
from slotwise.booking import claims
from slotwise.booking.holds import (
    explain_unavailable,
    find_visible_hold,
    hold_not_found,
    lock_location_if_limited,
)
from slotwise.errors import Conflict, Forbidden, Gone
from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Client,
    Location,
)
from slotwise.repository import get_in_firm

BOOKING_SOURCE = "booking"


@dataclass(frozen=True)
class Confirmed:
    appointment: Appointment
    # False when the hold had already become this appointment: the request was a retry.
    created: bool


async def booked_from_hold(
    session: AsyncSession, caller: Caller, hold_id: uuid.UUID
) -> Appointment | None:
    """The appointment the caller's confirmation of this hold created, if any."""
    return await session.scalar(
        select(Appointment).where(
            Appointment.firm_id == caller.firm_id,
            Appointment.source == BOOKING_SOURCE,
            Appointment.external_id == str(hold_id),
            Appointment.created_by == caller.user_id,
        )
    )


async def confirm_hold(
    session: AsyncSession, caller: Caller, data: AppointmentFromHold, now: datetime
) -> Confirmed:
    if caller.is_worker:
        raise Forbidden("Workers cannot book appointments")
    firm_id = caller.firm_id
    hold = await find_visible_hold(session, caller, data.hold_id, lock=True)
    if hold is None:
        # A concurrent confirmation of the same hold has committed by now: the lock above
        # waited for it.
        booked = await booked_from_hold(session, caller, data.hold_id)
        if booked is None:
            raise hold_not_found(data.hold_id)
        return Confirmed(booked, created=False)
    if hold.user_id != caller.user_id:
        raise Forbidden("This hold belongs to another user", code="hold_not_yours")
    if hold.expires_at <= now:
        raise Gone(f"The hold expired at {hold.expires_at.isoformat()}", code="hold_expired")
    client_id = hold.client_id
    if data.client_id is not None and data.client_id != client_id:
        if not caller.is_admin or client_id is not None:
            raise Forbidden("The hold's client cannot be changed when confirming")
        await get_in_firm(session, Client, firm_id, data.client_id, what="client")
        client_id = data.client_id

    location = await get_in_firm(session, Location, firm_id, hold.location_id, what="location")
    await lock_location_if_limited(session, location)
    # The hold gives way to the appointment: its claims go with it, and the slot is checked
    # again, because hours, schedules or the service may have changed since it was held.
    hold_id, service_id, specialist_id, workplace_id = (
        hold.id,
        hold.service_id,
        hold.specialist_id,
        hold.workplace_id,
    )
    start_at, held_at = hold.start_at, hold.created_at
    await session.delete(hold)
    await session.flush()
    try:
        choice = await check_slot(
            session,
            firm_id,
            service_id=service_id,
            location_id=location.id,
            start_at=start_at,
            specialist_id=specialist_id,
            workplace_id=workplace_id,
            now=now,
            notice_from=held_at,
        )
    except SlotUnavailable as unavailable:
        explained = await explain_unavailable(session, firm_id, unavailable, now)
        if isinstance(explained, claims.SlotTaken):
            raise explained from None
        raise Conflict(
            f"The held slot is no longer available: {unavailable.message}", code="slot_unavailable"
        ) from None

    [priced] = await pricing.price_services(
        session,
        firm_id,
        [ServiceLineIn(service_id=service_id)],
        workplace_id=choice.workplace_id,
        first_worker_id=choice.specialist_id,
    )
    appointment = Appointment(
        firm_id=firm_id,
        location_id=location.id,
        workplace_id=choice.workplace_id,
        client_id=client_id,
        start_at=choice.start,
        end_at=choice.end,
        notes=data.notes,
        source=BOOKING_SOURCE,
        external_id=str(hold_id),
        created_by=caller.user_id,
    )
    session.add(appointment)
    await session.flush()
    session.add(
        AppointmentWorker(
            firm_id=firm_id, appointment_id=appointment.id, specialist_id=choice.specialist_id
        )
    )
    session.add(
        AppointmentServiceItem(
            firm_id=firm_id,
            appointment_id=appointment.id,
            service_id=service_id,
            price=priced.price,
            duration_minutes=priced.duration_minutes,
        )
    )
    await session.flush()
    await claims.claim(
        session,
        firm_id,
        specialist_ids=[choice.specialist_id],
        workplace_id=choice.workplace_id,
        start=choice.claim_start,
        end=choice.claim_end,
        now=now,
        appointment_id=appointment.id,
    )
    await session.refresh(appointment)
    return Confirmed(appointment, created=True)
