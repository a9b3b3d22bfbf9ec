"""Every query of the catalog; each one is scoped by the caller's firm."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, delete, exists, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.catalog.errors import BreakNotFound, HolidayNotFound
from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Hold,
    Holiday,
    Location,
    LocationHours,
    Service,
    Specialist,
    SpecialistBreak,
    SpecialistSchedule,
    SpecialistService,
    User,
    Workplace,
    WorkplaceServiceOverride,
)
from slotwise.repository import PageParams, paginate

RowT = TypeVar("RowT")


async def add(session: AsyncSession, row: RowT) -> RowT:
    session.add(row)
    await session.flush()
    return row


async def remove(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()


async def _any(session: AsyncSession, *criteria: ColumnElement[bool]) -> bool:
    return bool(await session.scalar(select(exists().where(*criteria))))


def _not_self(column: Any, except_id: uuid.UUID | None) -> ColumnElement[bool]:
    return column != except_id if except_id is not None else true()


def _dated(
    stmt: Select[Any], column: Any, start: dt.date | None, end: dt.date | None
) -> Select[Any]:
    if start is not None:
        stmt = stmt.where(column >= start)
    if end is not None:
        stmt = stmt.where(column <= end)
    return stmt


# Locations, their weekly hours and holidays


async def location_page(
    session: AsyncSession, firm_id: uuid.UUID, *, active: bool | None, page: PageParams
) -> tuple[list[Location], int]:
    stmt = select(Location).where(Location.firm_id == firm_id)
    if active is not None:
        stmt = stmt.where(Location.is_active.is_(active))
    return await paginate(session, stmt.order_by(Location.name, Location.id), page)


async def hours_by_location(
    session: AsyncSession, firm_id: uuid.UUID, location_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[LocationHours]]:
    ids = list(location_ids)
    found: dict[uuid.UUID, list[LocationHours]] = {lid: [] for lid in ids}
    if not ids:
        return found
    rows = await session.scalars(
        select(LocationHours)
        .where(LocationHours.firm_id == firm_id, LocationHours.location_id.in_(ids))
        .order_by(LocationHours.day_of_week, LocationHours.start_time)
    )
    for row in rows:
        found[row.location_id].append(row)
    return found


async def replace_hours(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID, rows: Sequence[LocationHours]
) -> None:
    await session.execute(
        delete(LocationHours).where(
            LocationHours.firm_id == firm_id, LocationHours.location_id == location_id
        )
    )
    session.add_all(rows)
    await session.flush()


async def location_name_taken(
    session: AsyncSession, firm_id: uuid.UUID, name: str, *, except_id: uuid.UUID | None = None
) -> bool:
    return await _any(
        session,
        Location.firm_id == firm_id,
        Location.name == name,
        _not_self(Location.id, except_id),
    )


async def location_in_use(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID
) -> bool:
    """Appointments or holds (even expired ones not yet cleaned up) refer to it."""
    return await _any(
        session, Appointment.firm_id == firm_id, Appointment.location_id == location_id
    ) or await _any(session, Hold.firm_id == firm_id, Hold.location_id == location_id)


async def location_has_workplaces(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID
) -> bool:
    return await _any(session, Workplace.firm_id == firm_id, Workplace.location_id == location_id)


async def holidays_of(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    *,
    start: dt.date | None,
    end: dt.date | None,
) -> list[Holiday]:
    stmt = select(Holiday).where(Holiday.firm_id == firm_id, Holiday.location_id == location_id)
    stmt = _dated(stmt, Holiday.date, start, end)
    return list((await session.scalars(stmt.order_by(Holiday.date))).all())


async def get_holiday(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID, holiday_id: uuid.UUID
) -> Holiday:
    row = await session.scalar(
        select(Holiday).where(
            Holiday.id == holiday_id, Holiday.firm_id == firm_id, Holiday.location_id == location_id
        )
    )
    if row is None:
        raise HolidayNotFound(f"No holiday with id {holiday_id} at this location")
    return row


async def holiday_date_taken(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    date: dt.date,
    *,
    except_id: uuid.UUID | None = None,
) -> bool:
    return await _any(
        session,
        Holiday.firm_id == firm_id,
        Holiday.location_id == location_id,
        Holiday.date == date,
        _not_self(Holiday.id, except_id),
    )


# Workplaces and the services they offer


async def workplace_page(
    session: AsyncSession,
    firm_id: uuid.UUID,
    *,
    location_id: uuid.UUID | None,
    active: bool | None,
    page: PageParams,
) -> tuple[list[Workplace], int]:
    stmt = select(Workplace).where(Workplace.firm_id == firm_id)
    if location_id is not None:
        stmt = stmt.where(Workplace.location_id == location_id)
    if active is not None:
        stmt = stmt.where(Workplace.is_active.is_(active))
    return await paginate(session, stmt.order_by(Workplace.name, Workplace.id), page)


async def workplace_name_taken(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    name: str,
    *,
    except_id: uuid.UUID | None = None,
) -> bool:
    return await _any(
        session,
        Workplace.firm_id == firm_id,
        Workplace.location_id == location_id,
        Workplace.name == name,
        _not_self(Workplace.id, except_id),
    )


async def workplace_in_use(
    session: AsyncSession, firm_id: uuid.UUID, workplace_id: uuid.UUID
) -> bool:
    """Appointments or holds (even expired ones not yet cleaned up) refer to it."""
    return await _any(
        session, Appointment.firm_id == firm_id, Appointment.workplace_id == workplace_id
    ) or await _any(session, Hold.firm_id == firm_id, Hold.workplace_id == workplace_id)


async def workplace_in_schedules(
    session: AsyncSession, firm_id: uuid.UUID, workplace_id: uuid.UUID
) -> bool:
    return await _any(
        session,
        SpecialistSchedule.firm_id == firm_id,
        SpecialistSchedule.workplace_id == workplace_id,
    )


async def workplaces_by_id(
    session: AsyncSession, firm_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Workplace]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(Workplace).where(Workplace.firm_id == firm_id, Workplace.id.in_(wanted))
    )
    return {row.id: row for row in rows}


async def existing_location_ids(
    session: AsyncSession, firm_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    wanted = list(set(ids))
    if not wanted:
        return set()
    rows = await session.scalars(
        select(Location.id).where(Location.firm_id == firm_id, Location.id.in_(wanted))
    )
    return set(rows)


async def overrides_of(
    session: AsyncSession, firm_id: uuid.UUID, workplace_id: uuid.UUID
) -> list[WorkplaceServiceOverride]:
    rows = await session.scalars(
        select(WorkplaceServiceOverride)
        .join(Service, Service.id == WorkplaceServiceOverride.service_id)
        .where(
            WorkplaceServiceOverride.firm_id == firm_id,
            WorkplaceServiceOverride.workplace_id == workplace_id,
        )
        .order_by(Service.name, Service.id)
    )
    return list(rows.all())


async def find_override(
    session: AsyncSession, firm_id: uuid.UUID, workplace_id: uuid.UUID, service_id: uuid.UUID
) -> WorkplaceServiceOverride | None:
    return await session.scalar(
        select(WorkplaceServiceOverride).where(
            WorkplaceServiceOverride.firm_id == firm_id,
            WorkplaceServiceOverride.workplace_id == workplace_id,
            WorkplaceServiceOverride.service_id == service_id,
        )
    )


# Services


async def service_page(
    session: AsyncSession, firm_id: uuid.UUID, *, active: bool | None, page: PageParams
) -> tuple[list[Service], int]:
    stmt = select(Service).where(Service.firm_id == firm_id)
    if active is not None:
        stmt = stmt.where(Service.is_active.is_(active))
    return await paginate(session, stmt.order_by(Service.name, Service.id), page)


async def service_name_taken(
    session: AsyncSession, firm_id: uuid.UUID, name: str, *, except_id: uuid.UUID | None = None
) -> bool:
    return await _any(
        session, Service.firm_id == firm_id, Service.name == name, _not_self(Service.id, except_id)
    )


async def service_in_use(session: AsyncSession, firm_id: uuid.UUID, service_id: uuid.UUID) -> bool:
    """Appointments or holds (even expired ones not yet cleaned up) refer to it."""
    return await _any(
        session,
        AppointmentServiceItem.firm_id == firm_id,
        AppointmentServiceItem.service_id == service_id,
    ) or await _any(session, Hold.firm_id == firm_id, Hold.service_id == service_id)


# Specialists, their services, schedules and breaks


async def specialist_page(
    session: AsyncSession, firm_id: uuid.UUID, *, active: bool | None, page: PageParams
) -> tuple[list[Specialist], int]:
    stmt = select(Specialist).where(Specialist.firm_id == firm_id)
    if active is not None:
        stmt = stmt.where(Specialist.is_active.is_(active))
    return await paginate(session, stmt.order_by(Specialist.name, Specialist.id), page)


async def specialist_in_use(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID
) -> bool:
    """Appointments or holds (even expired ones not yet cleaned up) refer to them."""
    return await _any(
        session,
        AppointmentWorker.firm_id == firm_id,
        AppointmentWorker.specialist_id == specialist_id,
    ) or await _any(session, Hold.firm_id == firm_id, Hold.specialist_id == specialist_id)


async def specialist_linked_to_user(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID
) -> bool:
    return await _any(session, User.firm_id == firm_id, User.specialist_id == specialist_id)


async def specialist_services_of(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID
) -> list[SpecialistService]:
    rows = await session.scalars(
        select(SpecialistService)
        .join(Service, Service.id == SpecialistService.service_id)
        .where(
            SpecialistService.firm_id == firm_id, SpecialistService.specialist_id == specialist_id
        )
        .order_by(Service.name, Service.id)
    )
    return list(rows.all())


async def find_specialist_service(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID, service_id: uuid.UUID
) -> SpecialistService | None:
    return await session.scalar(
        select(SpecialistService).where(
            SpecialistService.firm_id == firm_id,
            SpecialistService.specialist_id == specialist_id,
            SpecialistService.service_id == service_id,
        )
    )


async def schedule_of(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID
) -> list[SpecialistSchedule]:
    rows = await session.scalars(
        select(SpecialistSchedule)
        .where(
            SpecialistSchedule.firm_id == firm_id, SpecialistSchedule.specialist_id == specialist_id
        )
        .order_by(
            SpecialistSchedule.day_of_week,
            SpecialistSchedule.start_time,
            SpecialistSchedule.location_id,
        )
    )
    return list(rows.all())


async def replace_schedule(
    session: AsyncSession,
    firm_id: uuid.UUID,
    specialist_id: uuid.UUID,
    rows: Sequence[SpecialistSchedule],
) -> None:
    await session.execute(
        delete(SpecialistSchedule).where(
            SpecialistSchedule.firm_id == firm_id, SpecialistSchedule.specialist_id == specialist_id
        )
    )
    session.add_all(rows)
    await session.flush()


async def breaks_of(
    session: AsyncSession,
    firm_id: uuid.UUID,
    specialist_id: uuid.UUID,
    *,
    start: dt.date | None,
    end: dt.date | None,
) -> list[SpecialistBreak]:
    stmt = select(SpecialistBreak).where(
        SpecialistBreak.firm_id == firm_id, SpecialistBreak.specialist_id == specialist_id
    )
    stmt = _dated(stmt, SpecialistBreak.date, start, end)
    rows = await session.scalars(
        stmt.order_by(SpecialistBreak.date, SpecialistBreak.start_time, SpecialistBreak.id)
    )
    return list(rows.all())


async def get_break(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID, break_id: uuid.UUID
) -> SpecialistBreak:
    row = await session.scalar(
        select(SpecialistBreak).where(
            SpecialistBreak.id == break_id,
            SpecialistBreak.firm_id == firm_id,
            SpecialistBreak.specialist_id == specialist_id,
        )
    )
    if row is None:
        raise BreakNotFound(f"No break with id {break_id} for this specialist")
    return row
