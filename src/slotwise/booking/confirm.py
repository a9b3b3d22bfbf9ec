"""Confirming a hold: the appointment replaces the hold atomically, in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import pricing
from slotwise.appointments.schemas import AppointmentFromHold, ServiceLineIn
from slotwise.availability.service import check_slot
from slotwise.booking import claims
from slotwise.booking.holds import lock_location_if_limited, visible_hold
from slotwise.deps import Caller
from slotwise.errors import Conflict, Forbidden, Gone
from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Client,
    Location,
)
from slotwise.repository import get_in_firm


async def confirm_hold(session: AsyncSession, caller: Caller, data: AppointmentFromHold,
                       now: datetime) -> Appointment:
    if caller.role == "worker":
        raise Forbidden("Workers cannot book appointments")
    firm_id = caller.firm_id
    hold = await visible_hold(session, caller, data.hold_id, lock=True)
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
    service_id, specialist_id, workplace_id = hold.service_id, hold.specialist_id, \
        hold.workplace_id
    start_at = hold.start_at
    await session.delete(hold)
    await session.flush()
    try:
        choice = await check_slot(
            session, firm_id, service_id=service_id, location_id=location.id,
            start_at=start_at, specialist_id=specialist_id, workplace_id=workplace_id,
            now=now, notice_from=hold.created_at)
    except Conflict as exc:
        raise Conflict(f"The held slot is no longer available: {exc.message}",
                       code="slot_unavailable") from None

    [priced] = await pricing.price_services(
        session, firm_id, [ServiceLineIn(service_id=service_id)],
        workplace_id=choice.workplace_id, first_worker_id=choice.specialist_id)
    appointment = Appointment(
        firm_id=firm_id, location_id=location.id, workplace_id=choice.workplace_id,
        client_id=client_id, start_at=choice.start, end_at=choice.end, notes=data.notes,
        source="booking", created_by=caller.user_id)
    session.add(appointment)
    await session.flush()
    session.add(AppointmentWorker(firm_id=firm_id, appointment_id=appointment.id,
                                  specialist_id=choice.specialist_id))
    session.add(AppointmentServiceItem(firm_id=firm_id, appointment_id=appointment.id,
                                       service_id=service_id, price=priced.price,
                                       duration_minutes=priced.duration_minutes))
    await session.flush()
    await claims.claim(session, firm_id, specialist_ids=[choice.specialist_id],
                       workplace_id=choice.workplace_id, start=choice.claim_start,
                       end=choice.claim_end, now=now, appointment_id=appointment.id)
    await session.refresh(appointment)
    return appointment

