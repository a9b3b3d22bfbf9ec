"""Rules of specialists: the specialists themselves, the services they do, their weekly
schedules and their breaks."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments.errors import EndBeforeStart, WorkplaceNotInLocation
from slotwise.auth.caller import Caller
from slotwise.catalog import repository as repo
from slotwise.catalog import service_links
from slotwise.catalog.errors import (
    SpecialistInUse,
    SpecialistLinkedToUser,
)
from slotwise.catalog.service import check_range
from slotwise.catalog.service_links import SPECIALIST_SERVICES
from slotwise.catalog.specialist_schemas import (
    BreakIn,
    BreakOut,
    BreakPatch,
    ScheduleEntryIn,
    ScheduleEntryOut,
    SpecialistIn,
    SpecialistOut,
    SpecialistPatch,
    SpecialistServiceIn,
    SpecialistServiceOut,
)
from slotwise.catalog.weekly import check_no_overlap
from slotwise.errors import Forbidden
from slotwise.models import (
    Specialist,
    SpecialistBreak,
    SpecialistSchedule,
)
from slotwise.repository import (
    LocationNotFound,
    Page,
    PageParams,
    WorkplaceNotFound,
    apply_changes,
    get_in_firm,
)


async def list_specialists(
    session: AsyncSession, caller: Caller, *, active: bool | None, page: PageParams
) -> Page[SpecialistOut]:
    rows, total = await repo.specialist_page(session, caller.firm_id, active=active, page=page)
    return Page[SpecialistOut].of([SpecialistOut.model_validate(r) for r in rows], total, page)


async def get_specialist(
    session: AsyncSession, caller: Caller, specialist_id: uuid.UUID
) -> SpecialistOut:
    row = await get_in_firm(session, Specialist, caller.firm_id, specialist_id)
    return SpecialistOut.model_validate(row)


async def create_specialist(
    session: AsyncSession, caller: Caller, data: SpecialistIn
) -> SpecialistOut:
    row = await repo.add(session, Specialist(firm_id=caller.firm_id, **data.model_dump()))
    return SpecialistOut.model_validate(row)


async def update_specialist(
    session: AsyncSession, caller: Caller, specialist_id: uuid.UUID, patch: SpecialistPatch
) -> SpecialistOut:
    row = await get_in_firm(session, Specialist, caller.firm_id, specialist_id)
    apply_changes(row, patch.changes())
    await session.flush()
    return SpecialistOut.model_validate(row)


async def delete_specialist(
    session: AsyncSession, caller: Caller, specialist_id: uuid.UUID
) -> None:
    row = await get_in_firm(session, Specialist, caller.firm_id, specialist_id, for_update=True)
    if await repo.specialist_in_use(session, caller.firm_id, row.id):
        raise SpecialistInUse(
            "The specialist is assigned to appointments or holds; set "
            "is_active=false to retire them",
        )
    if await repo.specialist_linked_to_user(session, caller.firm_id, row.id):
        raise SpecialistLinkedToUser(
            "A user account is linked to the specialist; set is_active=false or "
            "unlink the user first",
        )
    await repo.remove(session, row)


# The services a specialist does


async def list_specialist_services(
    session: AsyncSession, caller: Caller, specialist_id: uuid.UUID
) -> list[SpecialistServiceOut]:
    rows = await service_links.list_links(session, caller, SPECIALIST_SERVICES, specialist_id)
    return [SpecialistServiceOut.model_validate(r) for r in rows]


async def put_specialist_service(
    session: AsyncSession,
    caller: Caller,
    specialist_id: uuid.UUID,
    service_id: uuid.UUID,
    data: SpecialistServiceIn,
) -> tuple[SpecialistServiceOut, bool]:
    """Create or replace; returns the link and whether it was created."""
    row, created = await service_links.put_link(
        session, caller, SPECIALIST_SERVICES, specialist_id, service_id, data.model_dump()
    )
    return SpecialistServiceOut.model_validate(row), created


async def delete_specialist_service(
    session: AsyncSession, caller: Caller, specialist_id: uuid.UUID, service_id: uuid.UUID
) -> None:
    await service_links.delete_link(session, caller, SPECIALIST_SERVICES, specialist_id, service_id)


# Weekly schedules


async def get_schedule(
    session: AsyncSession, caller: Caller, specialist_id: uuid.UUID
) -> list[ScheduleEntryOut]:
    specialist = await get_in_firm(session, Specialist, caller.firm_id, specialist_id)
    rows = await repo.schedule_of(session, caller.firm_id, specialist.id)
    return [ScheduleEntryOut.model_validate(r) for r in rows]


async def _check_places(
    session: AsyncSession, caller: Caller, entries: Sequence[ScheduleEntryIn]
) -> None:
    locations = await repo.existing_location_ids(
        session, caller.firm_id, (e.location_id for e in entries)
    )
    workplaces = await repo.workplaces_by_id(
        session, caller.firm_id, (e.workplace_id for e in entries if e.workplace_id)
    )
    for entry in entries:
        if entry.location_id not in locations:
            raise LocationNotFound(f"No location with id {entry.location_id}")
        if entry.workplace_id is None:
            continue
        workplace = workplaces.get(entry.workplace_id)
        if workplace is None:
            raise WorkplaceNotFound(f"No workplace with id {entry.workplace_id}")
        if workplace.location_id != entry.location_id:
            raise WorkplaceNotInLocation(
                f"Workplace {workplace.name!r} is not in location {entry.location_id}",
            )


async def replace_schedule(
    session: AsyncSession,
    caller: Caller,
    specialist_id: uuid.UUID,
    entries: Sequence[ScheduleEntryIn],
) -> list[ScheduleEntryOut]:
    check_no_overlap(entries)
    # Locked so that two concurrent replacements do not interleave into a mixed week.
    specialist = await get_in_firm(
        session, Specialist, caller.firm_id, specialist_id, for_update=True
    )
    await _check_places(session, caller, entries)
    rows = []
    for entry in entries:
        start, end = entry.interval()
        rows.append(
            SpecialistSchedule(
                firm_id=caller.firm_id,
                specialist_id=specialist.id,
                location_id=entry.location_id,
                workplace_id=entry.workplace_id,
                day_of_week=entry.day_of_week,
                start_time=start,
                end_time=end,
                is_day_off=entry.is_day_off,
            )
        )
    await repo.replace_schedule(session, caller.firm_id, specialist.id, rows)
    return await get_schedule(session, caller, specialist.id)


# Breaks: they carry a private reason, so a worker sees only their own


def _check_may_read_breaks(caller: Caller, specialist_id: uuid.UUID) -> None:
    if caller.is_admin:
        return
    if caller.is_worker and caller.specialist_id == specialist_id:
        return
    raise Forbidden("Only admins and the specialist themselves may see these breaks")


async def list_breaks(
    session: AsyncSession,
    caller: Caller,
    specialist_id: uuid.UUID,
    *,
    start: dt.date | None,
    end: dt.date | None,
) -> list[BreakOut]:
    _check_may_read_breaks(caller, specialist_id)
    check_range(start, end)
    specialist = await get_in_firm(session, Specialist, caller.firm_id, specialist_id)
    rows = await repo.breaks_of(session, caller.firm_id, specialist.id, start=start, end=end)
    return [BreakOut.model_validate(r) for r in rows]


async def create_break(
    session: AsyncSession, caller: Caller, specialist_id: uuid.UUID, data: BreakIn
) -> BreakOut:
    specialist = await get_in_firm(session, Specialist, caller.firm_id, specialist_id)
    row = await repo.add(
        session,
        SpecialistBreak(firm_id=caller.firm_id, specialist_id=specialist.id, **data.model_dump()),
    )
    return BreakOut.model_validate(row)


async def update_break(
    session: AsyncSession,
    caller: Caller,
    specialist_id: uuid.UUID,
    break_id: uuid.UUID,
    patch: BreakPatch,
) -> BreakOut:
    specialist = await get_in_firm(session, Specialist, caller.firm_id, specialist_id)
    row = await repo.get_break(session, caller.firm_id, specialist.id, break_id)
    changes = patch.changes()
    start = changes.get("start_time", row.start_time)
    end = changes.get("end_time", row.end_time)
    if end <= start:
        raise EndBeforeStart("end_time must be after start_time")
    apply_changes(row, changes)
    await session.flush()
    return BreakOut.model_validate(row)


async def delete_break(
    session: AsyncSession, caller: Caller, specialist_id: uuid.UUID, break_id: uuid.UUID
) -> None:
    specialist = await get_in_firm(session, Specialist, caller.firm_id, specialist_id)
    await repo.remove(
        session, await repo.get_break(session, caller.firm_id, specialist.id, break_id)
    )
