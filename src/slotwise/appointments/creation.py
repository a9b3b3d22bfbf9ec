"""The one place an appointment is inserted, with its workers, its service lines and the
time it claims: staff bookings, confirmed holds, and whatever creates appointments next
(an external calendar's sync, the public booking page) all come through ``insert_appointment``.

Callers decide what to book and check that what it names is the firm's (``checks``);
this module prices the lines, keeps ``(source, external_id)`` unique and claims the time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import pricing
from slotwise.appointments.checks import check_external_id
from slotwise.appointments.schemas import ServiceLineIn
from slotwise.booking import claims
from slotwise.models import Appointment, AppointmentServiceItem, AppointmentWorker


@dataclass(frozen=True)
class NewAppointment:
    """An appointment to insert. ``end_at`` None: the start plus the services' durations.
    ``worker_ids`` names at least one worker: a service line without a price gets the
    catalog's terms (see ``pricing``), the first worker's custom terms included."""

    firm_id: uuid.UUID
    location_id: uuid.UUID
    workplace_id: uuid.UUID | None
    client_id: uuid.UUID | None
    start_at: datetime
    end_at: datetime | None
    worker_ids: Sequence[uuid.UUID]
    services: Sequence[ServiceLineIn]
    notes: str
    source: str
    external_id: str | None
    created_by: uuid.UUID | None
    status: str = "scheduled"


async def insert_appointment(
    session: AsyncSession, new: NewAppointment, now: datetime
) -> Appointment:
    """Inserts the appointment and claims its time (409 ``slot_taken`` when another booking
    is in the way; holds and bookings count when live at ``now``)."""
    firm_id = new.firm_id
    priced = await pricing.price_services(
        session,
        firm_id,
        new.services,
        workplace_id=new.workplace_id,
        first_worker_id=new.worker_ids[0],
    )
    await check_external_id(session, firm_id, new.source, new.external_id)
    end_at = new.end_at or new.start_at + timedelta(minutes=pricing.total_minutes(priced))
    appointment = Appointment(
        firm_id=firm_id,
        location_id=new.location_id,
        workplace_id=new.workplace_id,
        client_id=new.client_id,
        start_at=new.start_at,
        end_at=end_at,
        status=new.status,
        notes=new.notes,
        source=new.source,
        external_id=new.external_id,
        created_by=new.created_by,
    )
    session.add(appointment)
    await session.flush()
    session.add_all(
        [
            AppointmentWorker(
                firm_id=firm_id, appointment_id=appointment.id, specialist_id=worker_id
            )
            for worker_id in new.worker_ids
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
    await claims.reclaim_appointment(session, appointment, now)
    return appointment
