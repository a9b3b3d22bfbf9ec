"""An appointment as a visitor sees it: when, where, what and with whom; nothing of the
firm's own (notes, client records, ids of workers)."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Location, Service
from slotwise.public.schemas import BookedServiceOut, NameOut, PlaceOut, PublicAppointmentOut
from slotwise.records import AppointmentOut


async def public_appointment(
    session: AsyncSession, firm_id: uuid.UUID, appointment: AppointmentOut
) -> PublicAppointmentOut:
    location = await session.scalar(
        select(Location).where(Location.firm_id == firm_id, Location.id == appointment.location_id)
    )
    assert location is not None  # a composite foreign key of the appointment
    line = appointment.services[0]
    currency = await session.scalar(
        select(Service.currency).where(Service.firm_id == firm_id, Service.id == line.id)
    )
    zone = ZoneInfo(location.time_zone)
    return PublicAppointmentOut(
        id=appointment.id,
        status=appointment.status,
        start_at=appointment.start_at,
        end_at=appointment.end_at,
        start_local=appointment.start_at.astimezone(zone),
        end_local=appointment.end_at.astimezone(zone),
        time_zone=location.time_zone,
        location=PlaceOut(name=location.name, address=location.address),
        service=BookedServiceOut(
            name=line.name,
            duration_minutes=line.duration_minutes,
            price=line.price,
            currency=currency or "EUR",
        ),
        specialists=[NameOut(name=worker.name) for worker in appointment.workers],
    )
