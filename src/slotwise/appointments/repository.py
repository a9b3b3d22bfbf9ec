"""Every query of the appointments domain; each is scoped by the caller's firm."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, raiseload

from slotwise.appointments.schemas import AppointmentFilters
from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Client,
    Location,
    Service,
    Specialist,
    WalletTransaction,
)
from slotwise.models.base import FirmScoped
from slotwise.repository import PageParams, paginate

# Appointments confirmed from a hold: this source, and the hold's id as external id.
BOOKING_SOURCE = "booking"


@dataclass(frozen=True)
class Scope:
    """Which appointments a caller may see: the firm's, narrowed to a specialist or client."""

    firm_id: uuid.UUID
    specialist_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    sees_nothing: bool = False


def _assigned_to(specialist_id: uuid.UUID) -> ColumnElement[bool]:
    return exists().where(
        AppointmentWorker.appointment_id == Appointment.id,
        AppointmentWorker.firm_id == Appointment.firm_id,
        AppointmentWorker.specialist_id == specialist_id,
    )


def _visible(scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Appointment.firm_id == scope.firm_id]
    if scope.sees_nothing:
        conditions.append(false())
    if scope.specialist_id is not None:
        conditions.append(_assigned_to(scope.specialist_id))
    if scope.client_id is not None:
        conditions.append(Appointment.client_id == scope.client_id)
    return conditions


def _without_children(stmt: Select[Any]) -> Select[Any]:
    # Reads build workers/services with names in two batched queries of their own; the
    # relationship collections are not needed there.
    return stmt.options(raiseload(Appointment.workers), raiseload(Appointment.services))


async def list_page(
    session: AsyncSession, scope: Scope, filters: AppointmentFilters, page: PageParams
) -> tuple[list[Appointment], int]:
    stmt = select(Appointment).where(*_visible(scope))
    if filters.start is not None:
        stmt = stmt.where(Appointment.end_at > filters.start)
    if filters.end is not None:
        stmt = stmt.where(Appointment.start_at < filters.end)
    if filters.location_id is not None:
        stmt = stmt.where(Appointment.location_id == filters.location_id)
    if filters.specialist_id is not None:
        stmt = stmt.where(_assigned_to(filters.specialist_id))
    if filters.client_id is not None:
        stmt = stmt.where(Appointment.client_id == filters.client_id)
    if filters.status is not None:
        stmt = stmt.where(Appointment.status == filters.status)
    stmt = _without_children(stmt.order_by(Appointment.start_at, Appointment.id))
    return await paginate(session, stmt, page)


async def get_visible(
    session: AsyncSession, scope: Scope, appointment_id: uuid.UUID, *, lock: bool = False
) -> Appointment | None:
    """The appointment if the scope sees it; ``lock`` takes the row lock and loads the
    worker and service rows (for a change)."""
    stmt = select(Appointment).where(Appointment.id == appointment_id, *_visible(scope))
    if lock:
        # populate_existing: the version compared must be the locked row's, not a copy the
        # session may hold from earlier in the request.
        stmt = stmt.with_for_update(of=Appointment).execution_options(populate_existing=True)
    else:
        stmt = _without_children(stmt)
    return await session.scalar(stmt)


async def booked_from_hold(
    session: AsyncSession, firm_id: uuid.UUID, user_id: uuid.UUID, hold_id: uuid.UUID
) -> Appointment | None:
    """The appointment this user's confirmation of the hold created, if any."""
    return await session.scalar(
        select(Appointment).where(
            Appointment.firm_id == firm_id,
            Appointment.source == BOOKING_SOURCE,
            Appointment.external_id == str(hold_id),
            Appointment.created_by == user_id,
        )
    )


@dataclass(frozen=True)
class WorkerRow:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class ServiceRow:
    id: uuid.UUID
    name: str
    price: Decimal
    duration_minutes: int


@dataclass(frozen=True)
class ClientRow:
    id: uuid.UUID
    first_name: str
    last_name: str


async def workers_of(
    session: AsyncSession, firm_id: uuid.UUID, appointment_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[WorkerRow]]:
    result = await session.execute(
        select(AppointmentWorker.appointment_id, Specialist.id, Specialist.name)
        .join(
            Specialist,
            and_(
                Specialist.id == AppointmentWorker.specialist_id,
                Specialist.firm_id == AppointmentWorker.firm_id,
            ),
        )
        .where(
            AppointmentWorker.firm_id == firm_id,
            AppointmentWorker.appointment_id.in_(appointment_ids),
        )
        .order_by(Specialist.name, Specialist.id)
    )
    by_appointment: dict[uuid.UUID, list[WorkerRow]] = defaultdict(list)
    for appointment_id, specialist_id, name in result:
        by_appointment[appointment_id].append(WorkerRow(specialist_id, name))
    return by_appointment


async def services_of(
    session: AsyncSession, firm_id: uuid.UUID, appointment_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ServiceRow]]:
    result = await session.execute(
        select(
            AppointmentServiceItem.appointment_id,
            Service.id,
            Service.name,
            AppointmentServiceItem.price,
            AppointmentServiceItem.duration_minutes,
        )
        .join(
            Service,
            and_(
                Service.id == AppointmentServiceItem.service_id,
                Service.firm_id == AppointmentServiceItem.firm_id,
            ),
        )
        .where(
            AppointmentServiceItem.firm_id == firm_id,
            AppointmentServiceItem.appointment_id.in_(appointment_ids),
        )
        .order_by(Service.name, Service.id)
    )
    by_appointment: dict[uuid.UUID, list[ServiceRow]] = defaultdict(list)
    for appointment_id, service_id, name, price, minutes in result:
        by_appointment[appointment_id].append(ServiceRow(service_id, name, price, minutes))
    return by_appointment


async def client_names(
    session: AsyncSession, firm_id: uuid.UUID, client_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, ClientRow]:
    if not client_ids:
        return {}
    result = await session.execute(
        select(Client.id, Client.first_name, Client.last_name).where(
            Client.firm_id == firm_id, Client.id.in_(client_ids)
        )
    )
    return {row[0]: ClientRow(row[0], row[1], row[2]) for row in result}


async def missing_ids(
    session: AsyncSession, model: type[FirmScoped], firm_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> list[uuid.UUID]:
    """The ids that are not rows of ``model`` in the firm, in the order given."""
    found = set(
        await session.scalars(select(model.id).where(model.firm_id == firm_id, model.id.in_(ids)))
    )
    return [row_id for row_id in ids if row_id not in found]


async def services_by_id(
    session: AsyncSession, firm_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Service]:
    rows = await session.scalars(
        select(Service).where(Service.firm_id == firm_id, Service.id.in_(ids))
    )
    return {row.id: row for row in rows}


async def active_terms(
    session: AsyncSession,
    owner: InstrumentedAttribute[uuid.UUID],
    firm_id: uuid.UUID,
    owner_id: uuid.UUID,
    service_ids: Collection[uuid.UUID],
) -> dict[uuid.UUID, Any]:
    """The active terms (``WorkplaceServiceOverride`` or ``SpecialistService`` rows, the
    table ``owner`` is a column of) of these services for one workplace or specialist."""
    model = owner.class_
    rows = await session.scalars(
        select(model).where(
            model.firm_id == firm_id,
            owner == owner_id,
            model.service_id.in_(service_ids),
            model.is_active.is_(True),
        )
    )
    return {row.service_id: row for row in rows}


async def external_id_taken(
    session: AsyncSession,
    firm_id: uuid.UUID,
    source: str,
    external_id: str,
    *,
    except_id: uuid.UUID | None = None,
) -> bool:
    stmt = select(Appointment.id).where(
        Appointment.firm_id == firm_id,
        Appointment.source == source,
        Appointment.external_id == external_id,
    )
    if except_id is not None:
        stmt = stmt.where(Appointment.id != except_id)
    return await session.scalar(select(exists(stmt))) or False


async def by_external_id(
    session: AsyncSession, firm_id: uuid.UUID, source: str, external_id: str
) -> Appointment | None:
    """The firm's appointment imported from ``source`` as ``external_id``, locked with its
    worker and service rows (for a change)."""
    stmt = (
        select(Appointment)
        .where(
            Appointment.firm_id == firm_id,
            Appointment.source == source,
            Appointment.external_id == external_id,
        )
        .with_for_update(of=Appointment)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def referenced_by_wallet(
    session: AsyncSession, firm_id: uuid.UUID, appointment_id: uuid.UUID
) -> bool:
    stmt = select(WalletTransaction.id).where(
        WalletTransaction.firm_id == firm_id, WalletTransaction.appointment_id == appointment_id
    )
    return await session.scalar(select(exists(stmt))) or False


@dataclass(frozen=True)
class PlaceRow:
    name: str
    address: str
    time_zone: str


async def places_of(
    session: AsyncSession, firm_id: uuid.UUID, location_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, PlaceRow]:
    result = await session.execute(
        select(Location.id, Location.name, Location.address, Location.time_zone).where(
            Location.firm_id == firm_id, Location.id.in_(location_ids)
        )
    )
    return {row.id: PlaceRow(row.name, row.address, row.time_zone) for row in result}


async def currencies_of(
    session: AsyncSession, firm_id: uuid.UUID, service_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    result = await session.execute(
        select(Service.id, Service.currency).where(
            Service.firm_id == firm_id, Service.id.in_(service_ids)
        )
    )
    return {row.id: row.currency for row in result}


async def client_page(
    session: AsyncSession,
    firm_id: uuid.UUID,
    client_id: uuid.UUID,
    *,
    upcoming: bool,
    now: datetime,
    page: PageParams,
) -> tuple[list[Appointment], int]:
    """One client's appointments: upcoming (not yet ended; soonest first) or past (ended;
    latest first)."""
    stmt = _without_children(
        select(Appointment).where(
            Appointment.firm_id == firm_id, Appointment.client_id == client_id
        )
    )
    if upcoming:
        stmt = stmt.where(Appointment.end_at > now).order_by(Appointment.start_at, Appointment.id)
    else:
        stmt = stmt.where(Appointment.end_at <= now).order_by(
            Appointment.start_at.desc(), Appointment.id.desc()
        )
    return await paginate(session, stmt, page)
