"""Every query of the catalog; each one is scoped by the caller's firm."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, delete, exists, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

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
    User,
    Workplace,
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


async def _taken(
    session: AsyncSession,
    model: Any,
    firm_id: uuid.UUID,
    except_id: uuid.UUID | None,
    *criteria: ColumnElement[bool],
) -> bool:
    """Another row of ``model`` in the firm (not ``except_id``) matches ``criteria``."""
    return await _any(session, model.firm_id == firm_id, *criteria, _not_self(model.id, except_id))


async def _referenced(
    session: AsyncSession,
    firm_id: uuid.UUID,
    row_id: uuid.UUID,
    *columns: InstrumentedAttribute[Any],
) -> bool:
    """A row of the firm refers to ``row_id`` through one of ``columns``."""
    for column in columns:
        if await _any(session, column.class_.firm_id == firm_id, column == row_id):
            return True
    return False


async def _page_by_name(
    session: AsyncSession,
    model: Any,
    firm_id: uuid.UUID,
    active: bool | None,
    page: PageParams,
    *criteria: ColumnElement[bool],
) -> tuple[list[Any], int]:
    stmt = select(model).where(model.firm_id == firm_id, *criteria)
    if active is not None:
        stmt = stmt.where(model.is_active.is_(active))
    return await paginate(session, stmt.order_by(model.name, model.id), page)


async def _replace_all(
    session: AsyncSession,
    owner: InstrumentedAttribute[Any],
    firm_id: uuid.UUID,
    owner_id: uuid.UUID,
    rows: Sequence[object],
) -> None:
    """Replace the rows of ``owner``'s table that belong to ``owner_id`` with ``rows``."""
    model = owner.class_
    await session.execute(delete(model).where(model.firm_id == firm_id, owner == owner_id))
    session.add_all(rows)
    await session.flush()


async def _child(
    session: AsyncSession,
    owner: InstrumentedAttribute[uuid.UUID],
    firm_id: uuid.UUID,
    owner_id: uuid.UUID,
    *criteria: ColumnElement[bool],
) -> Any:
    """The row of ``owner``'s table that belongs to ``owner_id`` and matches ``criteria``,
    else None."""
    model = owner.class_
    return await session.scalar(
        select(model).where(model.firm_id == firm_id, owner == owner_id, *criteria)
    )


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
    return await _page_by_name(session, Location, firm_id, active, page)


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
    await _replace_all(session, LocationHours.location_id, firm_id, location_id, rows)


async def location_name_taken(
    session: AsyncSession, firm_id: uuid.UUID, name: str, *, except_id: uuid.UUID | None = None
) -> bool:
    return await _taken(session, Location, firm_id, except_id, Location.name == name)


async def location_in_use(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID
) -> bool:
    """Appointments or holds (even expired ones not yet cleaned up) refer to it."""
    return await _referenced(
        session, firm_id, location_id, Appointment.location_id, Hold.location_id
    )


async def location_has_workplaces(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID
) -> bool:
    return await _referenced(session, firm_id, location_id, Workplace.location_id)


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
    row: Holiday | None = await _child(
        session, Holiday.location_id, firm_id, location_id, Holiday.id == holiday_id
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
    return await _taken(
        session,
        Holiday,
        firm_id,
        except_id,
        Holiday.location_id == location_id,
        Holiday.date == date,
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
    at = [Workplace.location_id == location_id] if location_id is not None else []
    return await _page_by_name(session, Workplace, firm_id, active, page, *at)


async def workplace_name_taken(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    name: str,
    *,
    except_id: uuid.UUID | None = None,
) -> bool:
    return await _taken(
        session,
        Workplace,
        firm_id,
        except_id,
        Workplace.location_id == location_id,
        Workplace.name == name,
    )


async def workplace_in_use(
    session: AsyncSession, firm_id: uuid.UUID, workplace_id: uuid.UUID
) -> bool:
    """Appointments or holds (even expired ones not yet cleaned up) refer to it."""
    return await _referenced(
        session, firm_id, workplace_id, Appointment.workplace_id, Hold.workplace_id
    )


async def workplace_in_schedules(
    session: AsyncSession, firm_id: uuid.UUID, workplace_id: uuid.UUID
) -> bool:
    return await _referenced(session, firm_id, workplace_id, SpecialistSchedule.workplace_id)


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


async def service_links(
    session: AsyncSession,
    owner: InstrumentedAttribute[uuid.UUID],
    firm_id: uuid.UUID,
    owner_id: uuid.UUID,
) -> list[Any]:
    """The rows of ``owner``'s table (overrides or specialist services) of ``owner_id``, by
    service name."""
    model = owner.class_
    rows = await session.scalars(
        select(model)
        .join(Service, Service.id == model.service_id)
        .where(model.firm_id == firm_id, owner == owner_id)
        .order_by(Service.name, Service.id)
    )
    return list(rows.all())


async def find_service_link(
    session: AsyncSession,
    owner: InstrumentedAttribute[uuid.UUID],
    firm_id: uuid.UUID,
    owner_id: uuid.UUID,
    service_id: uuid.UUID,
) -> Any:
    return await _child(session, owner, firm_id, owner_id, owner.class_.service_id == service_id)


# Services


async def service_page(
    session: AsyncSession, firm_id: uuid.UUID, *, active: bool | None, page: PageParams
) -> tuple[list[Service], int]:
    return await _page_by_name(session, Service, firm_id, active, page)


async def service_name_taken(
    session: AsyncSession, firm_id: uuid.UUID, name: str, *, except_id: uuid.UUID | None = None
) -> bool:
    return await _taken(session, Service, firm_id, except_id, Service.name == name)


async def service_in_use(session: AsyncSession, firm_id: uuid.UUID, service_id: uuid.UUID) -> bool:
    """Appointments or holds (even expired ones not yet cleaned up) refer to it."""
    return await _referenced(
        session, firm_id, service_id, AppointmentServiceItem.service_id, Hold.service_id
    )


# Specialists, their services, schedules and breaks


async def specialist_page(
    session: AsyncSession, firm_id: uuid.UUID, *, active: bool | None, page: PageParams
) -> tuple[list[Specialist], int]:
    return await _page_by_name(session, Specialist, firm_id, active, page)


async def specialist_in_use(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID
) -> bool:
    """Appointments or holds (even expired ones not yet cleaned up) refer to them."""
    return await _referenced(
        session, firm_id, specialist_id, AppointmentWorker.specialist_id, Hold.specialist_id
    )


async def specialist_linked_to_user(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID
) -> bool:
    return await _referenced(session, firm_id, specialist_id, User.specialist_id)


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
    await _replace_all(session, SpecialistSchedule.specialist_id, firm_id, specialist_id, rows)


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
    row: SpecialistBreak | None = await _child(
        session,
        SpecialistBreak.specialist_id,
        firm_id,
        specialist_id,
        SpecialistBreak.id == break_id,
    )
    if row is None:
        raise BreakNotFound(f"No break with id {break_id} for this specialist")
    return row


async def schedules_at(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    specialist_id: uuid.UUID | None,
) -> list[SpecialistSchedule]:
    """The weekly schedule entries at one location: every specialist's, or one's."""
    stmt = select(SpecialistSchedule).where(
        SpecialistSchedule.firm_id == firm_id, SpecialistSchedule.location_id == location_id
    )
    if specialist_id is not None:
        stmt = stmt.where(SpecialistSchedule.specialist_id == specialist_id)
    order = (SpecialistSchedule.day_of_week, SpecialistSchedule.start_time)
    return list((await session.scalars(stmt.order_by(*order))).all())


async def breaks_between(
    session: AsyncSession,
    firm_id: uuid.UUID,
    specialist_ids: Sequence[uuid.UUID],
    start: dt.date,
    end: dt.date,
) -> list[SpecialistBreak]:
    """The breaks of these specialists on the dates from ``start`` to ``end`` (inclusive)."""
    stmt = select(SpecialistBreak).where(
        SpecialistBreak.firm_id == firm_id, SpecialistBreak.specialist_id.in_(specialist_ids)
    )
    rows = await session.scalars(
        _dated(stmt, SpecialistBreak.date, start, end).order_by(
            SpecialistBreak.date, SpecialistBreak.start_time
        )
    )
    return list(rows.all())
