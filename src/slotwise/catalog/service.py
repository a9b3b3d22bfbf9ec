"""Rules of locations (with hours and holidays), workplaces, their service overrides and
services. Specialists live in ``specialists.py``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import Caller
from slotwise.availability.errors import InvalidRange
from slotwise.catalog import repository as repo
from slotwise.catalog import service_links
from slotwise.catalog.errors import (
    HolidayExists,
    LocationHasWorkplaces,
    LocationInUse,
    LocationNameTaken,
    ServiceInUse,
    ServiceNameTaken,
    WorkplaceInUse,
    WorkplaceNameTaken,
    WorkplaceScheduled,
)
from slotwise.catalog.schemas import (
    HolidayIn,
    HolidayOut,
    HolidayPatch,
    HoursOut,
    LocationIn,
    LocationOut,
    LocationPatch,
    OverrideIn,
    OverrideOut,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    WeeklyEntryIn,
    WorkplaceIn,
    WorkplaceOut,
    WorkplacePatch,
)
from slotwise.catalog.service_links import OVERRIDES
from slotwise.catalog.weekly import check_no_overlap
from slotwise.models import (
    Holiday,
    Location,
    LocationHours,
    Service,
    Workplace,
)
from slotwise.repository import Page, PageParams, apply_changes, get_in_firm


def check_range(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidRange("'to' must not be before 'from'")


# Locations


def _location_out(row: Location, hours: Sequence[LocationHours]) -> LocationOut:
    return LocationOut(
        id=row.id,
        name=row.name,
        address=row.address,
        time_zone=row.time_zone,
        capacity=row.capacity,
        is_active=row.is_active,
        created_at=row.created_at,
        hours=[HoursOut.model_validate(h) for h in hours],
    )


async def _location_view(session: AsyncSession, row: Location) -> LocationOut:
    hours = await repo.hours_by_location(session, row.firm_id, [row.id])
    return _location_out(row, hours[row.id])


async def _check_location_name(
    session: AsyncSession, caller: Caller, name: str, except_id: uuid.UUID | None = None
) -> None:
    if await repo.location_name_taken(session, caller.firm_id, name, except_id=except_id):
        raise LocationNameTaken(f"A location named {name!r} already exists")


async def list_locations(
    session: AsyncSession, caller: Caller, *, active: bool | None, page: PageParams
) -> Page[LocationOut]:
    rows, total = await repo.location_page(session, caller.firm_id, active=active, page=page)
    hours = await repo.hours_by_location(session, caller.firm_id, [r.id for r in rows])
    return Page[LocationOut].of([_location_out(r, hours[r.id]) for r in rows], total, page)


async def get_location(
    session: AsyncSession, caller: Caller, location_id: uuid.UUID
) -> LocationOut:
    row = await get_in_firm(session, Location, caller.firm_id, location_id)
    return await _location_view(session, row)


async def create_location(session: AsyncSession, caller: Caller, data: LocationIn) -> LocationOut:
    check_no_overlap(data.hours)
    await _check_location_name(session, caller, data.name)
    row = await repo.add(
        session,
        Location(
            firm_id=caller.firm_id,
            name=data.name,
            address=data.address,
            time_zone=data.time_zone,
            capacity=data.capacity,
            is_active=data.is_active,
        ),
    )
    await repo.replace_hours(
        session, caller.firm_id, row.id, _hours_rows(caller, row.id, data.hours)
    )
    return await _location_view(session, row)


async def update_location(
    session: AsyncSession, caller: Caller, location_id: uuid.UUID, patch: LocationPatch
) -> LocationOut:
    row = await get_in_firm(session, Location, caller.firm_id, location_id)
    changes = patch.changes()
    if "name" in changes:
        await _check_location_name(session, caller, changes["name"], except_id=row.id)
    apply_changes(row, changes)
    await session.flush()
    return await _location_view(session, row)


async def delete_location(session: AsyncSession, caller: Caller, location_id: uuid.UUID) -> None:
    # The row lock makes the checks below final: a new appointment or workplace must lock
    # the location's key too, so it waits until this transaction ends.
    row = await get_in_firm(session, Location, caller.firm_id, location_id, for_update=True)
    if await repo.location_in_use(session, caller.firm_id, row.id):
        raise LocationInUse(
            "The location has appointments or holds; set is_active=false to retire it",
        )
    if await repo.location_has_workplaces(session, caller.firm_id, row.id):
        raise LocationHasWorkplaces(
            "The location still has workplaces; delete or move them first",
        )
    await repo.remove(session, row)


def _hours_rows(
    caller: Caller, location_id: uuid.UUID, entries: Sequence[WeeklyEntryIn]
) -> list[LocationHours]:
    rows = []
    for entry in entries:
        start, end = entry.interval()
        rows.append(
            LocationHours(
                firm_id=caller.firm_id,
                location_id=location_id,
                day_of_week=entry.day_of_week,
                start_time=start,
                end_time=end,
                is_day_off=entry.is_day_off,
            )
        )
    return rows


async def get_hours(
    session: AsyncSession, caller: Caller, location_id: uuid.UUID
) -> list[HoursOut]:
    row = await get_in_firm(session, Location, caller.firm_id, location_id)
    hours = await repo.hours_by_location(session, caller.firm_id, [row.id])
    return [HoursOut.model_validate(h) for h in hours[row.id]]


async def replace_hours(
    session: AsyncSession, caller: Caller, location_id: uuid.UUID, entries: Sequence[WeeklyEntryIn]
) -> list[HoursOut]:
    check_no_overlap(entries)
    # Locked so that two concurrent replacements do not interleave into a mixed week.
    row = await get_in_firm(session, Location, caller.firm_id, location_id, for_update=True)
    await repo.replace_hours(session, caller.firm_id, row.id, _hours_rows(caller, row.id, entries))
    return await get_hours(session, caller, row.id)


# Holidays


async def list_holidays(
    session: AsyncSession,
    caller: Caller,
    location_id: uuid.UUID,
    *,
    start: dt.date | None,
    end: dt.date | None,
) -> list[HolidayOut]:
    check_range(start, end)
    location = await get_in_firm(session, Location, caller.firm_id, location_id)
    rows = await repo.holidays_of(session, caller.firm_id, location.id, start=start, end=end)
    return [HolidayOut.model_validate(r) for r in rows]


async def _check_holiday_date(
    session: AsyncSession,
    caller: Caller,
    location_id: uuid.UUID,
    date: dt.date,
    except_id: uuid.UUID | None = None,
) -> None:
    if await repo.holiday_date_taken(
        session, caller.firm_id, location_id, date, except_id=except_id
    ):
        raise HolidayExists(f"The location already has a holiday on {date.isoformat()}")


async def create_holiday(
    session: AsyncSession, caller: Caller, location_id: uuid.UUID, data: HolidayIn
) -> HolidayOut:
    location = await get_in_firm(session, Location, caller.firm_id, location_id)
    await _check_holiday_date(session, caller, location.id, data.date)
    row = await repo.add(
        session, Holiday(firm_id=caller.firm_id, location_id=location.id, **data.model_dump())
    )
    return HolidayOut.model_validate(row)


async def update_holiday(
    session: AsyncSession,
    caller: Caller,
    location_id: uuid.UUID,
    holiday_id: uuid.UUID,
    patch: HolidayPatch,
) -> HolidayOut:
    location = await get_in_firm(session, Location, caller.firm_id, location_id)
    row = await repo.get_holiday(session, caller.firm_id, location.id, holiday_id)
    changes = patch.changes()
    if "date" in changes:
        await _check_holiday_date(session, caller, location.id, changes["date"], except_id=row.id)
    apply_changes(row, changes)
    await session.flush()
    return HolidayOut.model_validate(row)


async def delete_holiday(
    session: AsyncSession, caller: Caller, location_id: uuid.UUID, holiday_id: uuid.UUID
) -> None:
    location = await get_in_firm(session, Location, caller.firm_id, location_id)
    await repo.remove(
        session, await repo.get_holiday(session, caller.firm_id, location.id, holiday_id)
    )


# Workplaces


async def _check_workplace_name(
    session: AsyncSession,
    caller: Caller,
    location_id: uuid.UUID,
    name: str,
    except_id: uuid.UUID | None = None,
) -> None:
    if await repo.workplace_name_taken(
        session, caller.firm_id, location_id, name, except_id=except_id
    ):
        raise WorkplaceNameTaken(f"The location already has a workplace named {name!r}")


async def list_workplaces(
    session: AsyncSession,
    caller: Caller,
    *,
    location_id: uuid.UUID | None,
    active: bool | None,
    page: PageParams,
) -> Page[WorkplaceOut]:
    if location_id is not None:
        # An unknown location is an error, not an empty list that looks like "no workplaces".
        await get_in_firm(session, Location, caller.firm_id, location_id)
    rows, total = await repo.workplace_page(
        session, caller.firm_id, location_id=location_id, active=active, page=page
    )
    return Page[WorkplaceOut].of([WorkplaceOut.model_validate(r) for r in rows], total, page)


async def get_workplace(
    session: AsyncSession, caller: Caller, workplace_id: uuid.UUID
) -> WorkplaceOut:
    row = await get_in_firm(session, Workplace, caller.firm_id, workplace_id)
    return WorkplaceOut.model_validate(row)


async def create_workplace(
    session: AsyncSession, caller: Caller, data: WorkplaceIn
) -> WorkplaceOut:
    location = await get_in_firm(session, Location, caller.firm_id, data.location_id)
    await _check_workplace_name(session, caller, location.id, data.name)
    row = await repo.add(session, Workplace(firm_id=caller.firm_id, **data.model_dump()))
    return WorkplaceOut.model_validate(row)


async def update_workplace(
    session: AsyncSession, caller: Caller, workplace_id: uuid.UUID, patch: WorkplacePatch
) -> WorkplaceOut:
    row = await get_in_firm(session, Workplace, caller.firm_id, workplace_id, for_update=True)
    changes = patch.changes()
    target = changes.get("location_id", row.location_id)
    if target != row.location_id:
        await get_in_firm(session, Location, caller.firm_id, target)
        if await repo.workplace_in_use(session, caller.firm_id, row.id):
            raise WorkplaceInUse(
                "The workplace has appointments or holds at its location; create "
                "a new workplace instead of moving this one",
            )
        if await repo.workplace_in_schedules(session, caller.firm_id, row.id):
            raise WorkplaceScheduled(
                "Specialist schedules use the workplace at its location; change "
                "them before moving it",
            )
    if target != row.location_id or "name" in changes:
        await _check_workplace_name(
            session, caller, target, changes.get("name", row.name), except_id=row.id
        )
    apply_changes(row, changes)
    await session.flush()
    return WorkplaceOut.model_validate(row)


async def delete_workplace(session: AsyncSession, caller: Caller, workplace_id: uuid.UUID) -> None:
    row = await get_in_firm(session, Workplace, caller.firm_id, workplace_id, for_update=True)
    if await repo.workplace_in_use(session, caller.firm_id, row.id):
        raise WorkplaceInUse(
            "The workplace has appointments or holds; set is_active=false to retire it",
        )
    await repo.remove(session, row)


# Workplace service overrides


async def list_overrides(
    session: AsyncSession, caller: Caller, workplace_id: uuid.UUID
) -> list[OverrideOut]:
    rows = await service_links.list_links(session, caller, OVERRIDES, workplace_id)
    return [OverrideOut.model_validate(r) for r in rows]


async def put_override(
    session: AsyncSession,
    caller: Caller,
    workplace_id: uuid.UUID,
    service_id: uuid.UUID,
    data: OverrideIn,
) -> tuple[OverrideOut, bool]:
    """Create or replace; returns the override and whether it was created."""
    row, created = await service_links.put_link(
        session, caller, OVERRIDES, workplace_id, service_id, data.model_dump()
    )
    return OverrideOut.model_validate(row), created


async def delete_override(
    session: AsyncSession, caller: Caller, workplace_id: uuid.UUID, service_id: uuid.UUID
) -> None:
    await service_links.delete_link(session, caller, OVERRIDES, workplace_id, service_id)


# Services


async def _check_service_name(
    session: AsyncSession, caller: Caller, name: str, except_id: uuid.UUID | None = None
) -> None:
    if await repo.service_name_taken(session, caller.firm_id, name, except_id=except_id):
        raise ServiceNameTaken(f"A service named {name!r} already exists")


async def list_services(
    session: AsyncSession, caller: Caller, *, active: bool | None, page: PageParams
) -> Page[ServiceOut]:
    rows, total = await repo.service_page(session, caller.firm_id, active=active, page=page)
    return Page[ServiceOut].of([ServiceOut.model_validate(r) for r in rows], total, page)


async def get_service(session: AsyncSession, caller: Caller, service_id: uuid.UUID) -> ServiceOut:
    row = await get_in_firm(session, Service, caller.firm_id, service_id)
    return ServiceOut.model_validate(row)


async def create_service(session: AsyncSession, caller: Caller, data: ServiceIn) -> ServiceOut:
    await _check_service_name(session, caller, data.name)
    row = await repo.add(session, Service(firm_id=caller.firm_id, **data.model_dump()))
    return ServiceOut.model_validate(row)


async def update_service(
    session: AsyncSession, caller: Caller, service_id: uuid.UUID, patch: ServicePatch
) -> ServiceOut:
    row = await get_in_firm(session, Service, caller.firm_id, service_id)
    changes = patch.changes()
    if "name" in changes:
        await _check_service_name(session, caller, changes["name"], except_id=row.id)
    apply_changes(row, changes)
    await session.flush()
    return ServiceOut.model_validate(row)


async def delete_service(session: AsyncSession, caller: Caller, service_id: uuid.UUID) -> None:
    row = await get_in_firm(session, Service, caller.firm_id, service_id, for_update=True)
    if await repo.service_in_use(session, caller.firm_id, row.id):
        raise ServiceInUse(
            "The service is used in appointments or holds; set is_active=false to retire it",
        )
    await repo.remove(session, row)
