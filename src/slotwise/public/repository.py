"""Every query of the public catalog: only what is active and bookable, and only the
columns a visitor may see (no notes, specializations, prices of custom terms...).

A specialist offers a service *at a location* when both are active, the link between them
is active and the specialist has a working day there in the weekly schedule; a service is
offered at a location when someone offers it there. Availability then decides the slots.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Location, Service, Specialist, SpecialistSchedule, SpecialistService


def _offers(firm_id: uuid.UUID, location_id: uuid.UUID) -> ColumnElement[bool]:
    """Correlated: the specialist and service of the outer row meet at the location."""
    return and_(
        SpecialistService.firm_id == firm_id,
        SpecialistService.is_active.is_(True),
        exists().where(
            SpecialistSchedule.firm_id == firm_id,
            SpecialistSchedule.specialist_id == SpecialistService.specialist_id,
            SpecialistSchedule.location_id == location_id,
            SpecialistSchedule.is_day_off.is_(False),
        ),
    )


async def active_locations(session: AsyncSession, firm_id: uuid.UUID) -> Sequence[Location]:
    stmt = (
        select(Location)
        .where(Location.firm_id == firm_id, Location.is_active.is_(True))
        .order_by(Location.name, Location.id)
    )
    return (await session.scalars(stmt)).all()


async def active_location(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID
) -> Location | None:
    return await session.scalar(
        select(Location).where(
            Location.firm_id == firm_id, Location.id == location_id, Location.is_active.is_(True)
        )
    )


async def services_at(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    service_id: uuid.UUID | None = None,
) -> Sequence[Service]:
    offered = exists().where(
        _offers(firm_id, location_id),
        SpecialistService.service_id == Service.id,
        Specialist.firm_id == firm_id,
        Specialist.id == SpecialistService.specialist_id,
        Specialist.is_active.is_(True),
    )
    stmt = (
        select(Service)
        .where(Service.firm_id == firm_id, Service.is_active.is_(True), offered)
        .order_by(Service.name, Service.id)
    )
    if service_id is not None:
        stmt = stmt.where(Service.id == service_id)
    return (await session.scalars(stmt)).all()


async def specialists_at(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    service_id: uuid.UUID,
    specialist_id: uuid.UUID | None = None,
) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the active specialists offering the service at the location."""
    offered = exists().where(
        _offers(firm_id, location_id),
        SpecialistService.service_id == service_id,
        SpecialistService.specialist_id == Specialist.id,
    )
    stmt = (
        select(Specialist.id, Specialist.name)
        .where(Specialist.firm_id == firm_id, Specialist.is_active.is_(True), offered)
        .order_by(Specialist.name, Specialist.id)
    )
    if specialist_id is not None:
        stmt = stmt.where(Specialist.id == specialist_id)
    return [(row.id, row.name) for row in (await session.execute(stmt)).all()]


async def offered_service(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID, service_id: uuid.UUID
) -> Service | None:
    found = await services_at(session, firm_id, location_id, service_id)
    return found[0] if found else None
