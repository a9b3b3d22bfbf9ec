"""When the specialists work at a location over some days, in one read: the location's
holidays, each specialist's weekly schedule there and their breaks on those days. The staff
calendar shades the rest; before this, it read a schedule and the breaks per specialist (two
requests each, 40 for 20 workers)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import Caller
from slotwise.availability.errors import RangeTooLong
from slotwise.catalog import repository as repo
from slotwise.catalog.schemas import HolidayOut
from slotwise.catalog.service import check_range
from slotwise.catalog.specialist_schemas import (
    BreakTimeOut,
    ScheduleEntryOut,
    SpecialistWorkingTime,
    WorkingTimeOut,
)
from slotwise.errors import Forbidden
from slotwise.models import Location
from slotwise.repository import get_in_firm

MAX_DAYS = 62  # two months: the calendar asks for a week at most


async def working_time(
    session: AsyncSession,
    caller: Caller,
    location_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
) -> WorkingTimeOut:
    """Admins get every specialist scheduled at the location, a worker only themselves
    (breaks come without their private reason); clients get 403."""
    if not (caller.is_admin or caller.is_worker):
        raise Forbidden("Only the firm's staff may read its working time")
    check_range(start, end)
    if (end - start).days + 1 > MAX_DAYS:
        raise RangeTooLong(f"At most {MAX_DAYS} days at once")
    location = await get_in_firm(session, Location, caller.firm_id, location_id)
    only = None if caller.is_admin else caller.specialist_id
    holidays = await repo.holidays_of(session, caller.firm_id, location.id, start=start, end=end)
    entries = await repo.schedules_at(session, caller.firm_id, location.id, only)
    ids = sorted({entry.specialist_id for entry in entries} | ({only} if only else set()))
    breaks = await repo.breaks_between(session, caller.firm_id, ids, start, end)
    schedules: defaultdict[uuid.UUID, list[ScheduleEntryOut]] = defaultdict(list)
    for entry in entries:
        schedules[entry.specialist_id].append(ScheduleEntryOut.model_validate(entry))
    taken: defaultdict[uuid.UUID, list[BreakTimeOut]] = defaultdict(list)
    for row in breaks:
        taken[row.specialist_id].append(BreakTimeOut.model_validate(row))
    return WorkingTimeOut(
        location_id=location.id,
        holidays=[HolidayOut.model_validate(h) for h in holidays],
        specialists=[
            SpecialistWorkingTime(specialist_id=i, schedule=schedules[i], breaks=taken[i])
            for i in ids
        ],
    )
