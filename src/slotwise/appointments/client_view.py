"""An appointment as its client sees it: where (name, address), what (service, price), who
(the specialists' names), when (UTC and the location's local time), and whether the client may
still cancel or move it. Nothing of the firm's internals: no notes, no other people's data.

Used by the manage link (``public/manage_*``), "My appointments" and the ``.ics`` files.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import repository
from slotwise.appointments.client_rules import change_deadline, client_may_change
from slotwise.models import Firm
from slotwise.records import AppointmentOut
from slotwise.repository import Page


class PlaceOut(BaseModel):
    name: str
    address: str


class ServiceSummaryOut(BaseModel):
    name: str = Field(description="The service's name (several: joined by commas)")
    duration_minutes: int
    price: Decimal = Field(description='The price of this appointment, e.g. "25.00"')
    currency: str


class SpecialistNameOut(BaseModel):
    name: str


class ClientAppointmentOut(BaseModel):
    """The public shape (manage link, confirmation)."""

    id: uuid.UUID
    status: str
    start_at: datetime = Field(description="UTC")
    end_at: datetime
    start_local: datetime = Field(description="In the location's time zone, with offset")
    end_local: datetime
    time_zone: str
    location: PlaceOut
    service: ServiceSummaryOut
    specialists: list[SpecialistNameOut]


class ClientChangeOut(BaseModel):
    can_change: bool = Field(
        description="Whether the client may still cancel or move it (scheduled and before "
        "the firm's deadline)"
    )
    change_deadline: datetime = Field(description="Until when the client may change it")


class MyAppointmentOut(ClientAppointmentOut, ClientChangeOut):
    """An appointment in "My appointments": with the ids and version a logged-in client
    needs to move it (``GET /availability``, ``PATCH /appointments/{id}``)."""

    version: int
    location_id: uuid.UUID
    service_id: uuid.UUID | None = Field(description="The first service's id")
    specialist_ids: list[uuid.UUID]


class MyAppointmentPage(Page[MyAppointmentOut]):
    """Upcoming: soonest first; past: latest first."""


async def client_views(
    session: AsyncSession, firm_id: uuid.UUID, appointments: Sequence[AppointmentOut]
) -> list[ClientAppointmentOut]:
    places = await repository.places_of(session, firm_id, {a.location_id for a in appointments})
    currencies = await repository.currencies_of(
        session, firm_id, {s.id for a in appointments for s in a.services}
    )
    out = []
    for appointment in appointments:
        place = places[appointment.location_id]
        zone = ZoneInfo(place.time_zone)
        lines = appointment.services
        currency = next((currencies[s.id] for s in lines if s.id in currencies), "")
        out.append(
            ClientAppointmentOut(
                id=appointment.id,
                status=appointment.status,
                start_at=appointment.start_at,
                end_at=appointment.end_at,
                start_local=appointment.start_at.astimezone(zone),
                end_local=appointment.end_at.astimezone(zone),
                time_zone=place.time_zone,
                location=PlaceOut(name=place.name, address=place.address),
                service=ServiceSummaryOut(
                    name=", ".join(s.name for s in lines),
                    duration_minutes=sum(s.duration_minutes for s in lines),
                    price=sum((s.price for s in lines), Decimal("0.00")),
                    currency=currency,
                ),
                specialists=[SpecialistNameOut(name=w.name) for w in appointment.workers],
            )
        )
    return out


async def client_view(
    session: AsyncSession, firm_id: uuid.UUID, appointment: AppointmentOut
) -> ClientAppointmentOut:
    return (await client_views(session, firm_id, [appointment]))[0]


def change_terms(appointment: AppointmentOut, firm: Firm, now: datetime) -> ClientChangeOut:
    minutes = firm.client_change_deadline_minutes
    return ClientChangeOut(
        can_change=client_may_change(appointment.status, appointment.start_at, minutes, now),
        change_deadline=change_deadline(appointment.start_at, minutes),
    )


async def my_views(
    session: AsyncSession, firm: Firm, appointments: Sequence[AppointmentOut], now: datetime
) -> list[MyAppointmentOut]:
    views = await client_views(session, firm.id, appointments)
    return [
        MyAppointmentOut(
            **view.model_dump(),
            **change_terms(appointment, firm, now).model_dump(),
            version=appointment.version,
            location_id=appointment.location_id,
            service_id=appointment.services[0].id if appointment.services else None,
            specialist_ids=[w.id for w in appointment.workers],
        )
        for view, appointment in zip(views, appointments, strict=True)
    ]
