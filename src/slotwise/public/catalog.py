"""The public catalog and its free time: what a visitor picks from, step by step.

Everything is read through the firm the slug named, active rows only; an id that is not
bookable here (another firm's, inactive, not offered at the location) is answered like a
missing one. Free time comes from the availability engine, exactly as staff see it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import cast, get_args
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.availability import service as availability
from slotwise.availability.service import Availability
from slotwise.models import Firm, Location, Service
from slotwise.notifications.channels import ChannelSettings
from slotwise.public import repository
from slotwise.public.schemas import (
    ChoiceQuery,
    DaysOut,
    DaysQuery,
    Locale,
    PublicFirmOut,
    PublicLocationList,
    PublicLocationOut,
    PublicServiceList,
    PublicServiceOut,
    PublicSlotOut,
    PublicSpecialistList,
    PublicSpecialistOut,
    SlotsOut,
    SlotsQuery,
)
from slotwise.repository import LocationNotFound, ServiceNotFound, SpecialistNotFound

_LOCALES: tuple[str, ...] = get_args(Locale)


def firm_out(firm: Firm, channels: ChannelSettings) -> PublicFirmOut:
    locale = firm.default_locale if firm.default_locale in _LOCALES else "en"
    return PublicFirmOut(
        slug=firm.slug,
        name=firm.name,
        locale=cast(Locale, locale),
        time_zone=firm.time_zone,
        hold_ttl_seconds=firm.hold_ttl_seconds,
        client_change_deadline_minutes=firm.client_change_deadline_minutes,
        booking_horizon_days=firm.booking_horizon_days,
        vapid_public_key=channels.vapid_application_server_key(),
    )


async def locations(session: AsyncSession, firm: Firm) -> PublicLocationList:
    rows = await repository.active_locations(session, firm.id)
    return PublicLocationList(items=[PublicLocationOut.model_validate(row) for row in rows])


async def bookable_location(session: AsyncSession, firm: Firm, location_id: uuid.UUID) -> Location:
    location = await repository.active_location(session, firm.id, location_id)
    if location is None:
        raise LocationNotFound(f"No location with id {location_id}")
    return location


async def bookable_service(
    session: AsyncSession, firm: Firm, location_id: uuid.UUID, service_id: uuid.UUID
) -> Service:
    service = await repository.offered_service(session, firm.id, location_id, service_id)
    if service is None:
        raise ServiceNotFound(f"No service with id {service_id} at this location")
    return service


async def check_specialist(
    session: AsyncSession,
    firm: Firm,
    location_id: uuid.UUID,
    service_id: uuid.UUID,
    specialist_id: uuid.UUID,
) -> str:
    """The specialist's name, when they offer the service at the location (else 404)."""
    found = await repository.specialists_at(
        session, firm.id, location_id, service_id, specialist_id
    )
    if not found:
        raise SpecialistNotFound(f"No specialist with id {specialist_id} offers this here")
    return found[0][1]


def _service_out(service: Service) -> PublicServiceOut:
    return PublicServiceOut(
        id=service.id,
        name=service.name,
        description=service.description or None,
        duration_minutes=service.duration_minutes,
        price=service.price,
        currency=service.currency,
    )


async def services(session: AsyncSession, firm: Firm, location_id: uuid.UUID) -> PublicServiceList:
    await bookable_location(session, firm, location_id)
    rows = await repository.services_at(session, firm.id, location_id)
    return PublicServiceList(items=[_service_out(row) for row in rows])


async def specialists(
    session: AsyncSession, firm: Firm, location_id: uuid.UUID, service_id: uuid.UUID
) -> PublicSpecialistList:
    await bookable_location(session, firm, location_id)
    await bookable_service(session, firm, location_id, service_id)
    rows = await repository.specialists_at(session, firm.id, location_id, service_id)
    return PublicSpecialistList(items=[PublicSpecialistOut(id=i, name=n) for i, n in rows])


async def _offered(
    session: AsyncSession, firm: Firm, choice: ChoiceQuery, first: dt.date, last: dt.date
) -> Availability:
    """The free slots of the visitor's choice, once it is checked as bookable, for the
    location's days ``first`` to ``last``."""
    await bookable_location(session, firm, choice.location_id)
    await bookable_service(session, firm, choice.location_id, choice.service_id)
    if choice.specialist_id is not None:
        await check_specialist(
            session, firm, choice.location_id, choice.service_id, choice.specialist_id
        )
    return await availability.get_availability(
        session,
        firm.id,
        service_id=choice.service_id,
        location_id=choice.location_id,
        first=first,
        last=last,
        specialist_id=choice.specialist_id,
    )


async def free_days(session: AsyncSession, firm: Firm, query: DaysQuery) -> DaysOut:
    availability.check_range(query.first, query.last)  # 422 before anything is loaded
    found = await _offered(session, firm, query, query.first, query.last)
    zone = ZoneInfo(found.time_zone)
    days = sorted({slot.start.astimezone(zone).date() for slot in found.slots})
    return DaysOut(time_zone=found.time_zone, days=days)


async def free_slots(session: AsyncSession, firm: Firm, query: SlotsQuery) -> SlotsOut:
    found = await _offered(session, firm, query, query.date, query.date)
    zone = ZoneInfo(found.time_zone)
    return SlotsOut(
        time_zone=found.time_zone,
        date=query.date,
        slots=[
            PublicSlotOut(
                start=slot.start.astimezone(dt.UTC),
                end=slot.end.astimezone(dt.UTC),
                start_local=slot.start.astimezone(zone),
                end_local=slot.end.astimezone(zone),
                specialists=[
                    PublicSpecialistOut(id=offer.specialist_id, name=offer.specialist_name)
                    for offer in slot.offers
                ],
            )
            for slot in found.slots
        ],
    )
