"""Availability rules around the engine: what to load, which errors to raise.

``get_availability`` lists slots; ``check_slot`` decides one start for the hold and booking
endpoints with the same engine over the same data, so every listed slot passes the check.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.availability import repository as repo
from slotwise.availability.bounds import lower_bound, upper_bound
from slotwise.availability.engine import (
    AvailabilityQuery,
    LocationInput,
    Slot,
    SlotChoice,
    SpecialistInput,
    WorkplaceInput,
    candidates,
    compute_slots,
    max_claim_after_minutes,
    padded_days,
)
from slotwise.availability.errors import (
    InvalidDatetime,
    InvalidRange,
    LocationInactive,
    RangeTooLong,
    ServiceInactive,
    ServiceNotOffered,
    SlotUnavailable,
    SpecialistInactive,
)
from slotwise.repository import SpecialistNotFound, WorkplaceNotFound

__all__ = [
    "MAX_RANGE_DAYS",
    "Availability",
    "SlotChoice",
    "check_range",
    "check_slot",
    "get_availability",
]

MAX_RANGE_DAYS = 62


def check_range(first: dt.date, last: dt.date) -> None:
    """422 before anything is loaded when the date range is reversed or too long."""
    if last < first:
        raise InvalidRange("'to' is before 'from'")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise RangeTooLong(f"The range spans more than {MAX_RANGE_DAYS} days")


def local_days(low: dt.datetime, high: dt.datetime, zone: ZoneInfo) -> tuple[dt.date, dt.date]:
    """The local dates on which slots starting in ``[low, high)`` lie (422 when too many)."""
    if high <= low:
        raise InvalidRange()
    first = low.astimezone(zone).date()
    last = (high - dt.timedelta(microseconds=1)).astimezone(zone).date()
    check_range(first, last)
    return first, last


@dataclass(frozen=True, slots=True)
class Availability:
    """What ``GET /availability`` returns (rendered by ``present.render``)."""

    service_id: uuid.UUID
    location_id: uuid.UUID
    time_zone: str
    slots: list[Slot]


async def get_availability(
    session: AsyncSession,
    firm_id: uuid.UUID,
    *,
    service_id: uuid.UUID,
    location_id: uuid.UUID,
    first: dt.date | dt.datetime,
    last: dt.date | dt.datetime,
    specialist_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
    ignore_appointment_id: uuid.UUID | None = None,
) -> Availability:
    """Free slots of a service at a location from ``first`` to ``last``: local dates of the
    location, inclusive, or instants (slots starting in ``[first, last)``).
    ``ignore_appointment_id``: where that appointment could move (its own claims and
    capacity use left out, as ``check_slot`` does for the move)."""
    if not isinstance(first, dt.datetime) and not isinstance(last, dt.datetime):
        check_range(first, last)  # before anything is loaded
    catalog = await _bookable(
        session, firm_id, location_id, service_id, specialist_id=specialist_id
    )
    if specialist_id is not None and not catalog.specialist_active:
        raise SpecialistInactive()
    zone = ZoneInfo(catalog.time_zone)
    low, high = lower_bound(first, zone), upper_bound(last, zone)
    first_day, last_day = local_days(low, high, zone)
    query = await _load(
        session,
        firm_id,
        catalog,
        first_day,
        last_day,
        now or dt.datetime.now(dt.UTC),
        ignored=repo.Ignored(ignore_appointment_id, None),
    )
    if specialist_id is not None and not query.specialists:
        raise ServiceNotOffered()
    slots = compute_slots(query)
    if isinstance(first, dt.datetime) or isinstance(last, dt.datetime):
        slots = [slot for slot in slots if low <= slot.start < high]
    return Availability(service_id, location_id, catalog.time_zone, slots)


async def check_slot(
    session: AsyncSession,
    firm_id: uuid.UUID,
    *,
    service_id: uuid.UUID,
    location_id: uuid.UUID,
    start_at: dt.datetime,
    specialist_id: uuid.UUID | None,
    workplace_id: uuid.UUID | None,
    now: dt.datetime,
    notice_from: dt.datetime | None = None,
    ignore_appointment_id: uuid.UUID | None = None,
    ignore_hold_id: uuid.UUID | None = None,
) -> SlotChoice:
    """The specialist, workplace, times and claim range a booking at ``start_at`` takes.

    Raises ``SlotUnavailable`` (409 ``slot_unavailable``) unless that exact start is offered
    (by that specialist / at that workplace when given). Holds are live when they expire
    after ``now``; minimum notice and horizon count from ``notice_from`` (default ``now``),
    so a hold made in time can be confirmed later. ``ignore_*`` leave out the claims and the
    capacity use of the booking being moved, so it does not collide with itself. Ids of
    another firm give 404.
    """
    if start_at.tzinfo is None:
        raise InvalidDatetime()
    catalog = await _bookable(
        session,
        firm_id,
        location_id,
        service_id,
        specialist_id=specialist_id,
        workplace_id=workplace_id,
    )
    day = start_at.astimezone(ZoneInfo(catalog.time_zone)).date()
    query = await _load(
        session,
        firm_id,
        catalog,
        day,
        day,
        now,
        notice_from=notice_from,
        ignored=repo.Ignored(ignore_appointment_id, ignore_hold_id),
    )
    found = candidates(query, start_at, specialist_id=specialist_id, workplace_id=workplace_id)
    if not found:
        # Only when refusing: would the start be offered if no booking claimed any time?
        blocked = candidates(
            _without_claims(query), start_at, specialist_id=specialist_id, workplace_id=workplace_id
        )
        raise SlotUnavailable(_unavailable_message(start_at, specialist_id, workplace_id), blocked)
    return found[0]


def _without_claims(query: AvailabilityQuery) -> AvailabilityQuery:
    """The same query as if no hold or appointment claimed time on its specialists and
    workplaces (the location's capacity still counts: it is not a claim)."""
    return dataclasses.replace(
        query,
        specialists=[dataclasses.replace(s, busy=()) for s in query.specialists],
        workplaces=[dataclasses.replace(w, busy=()) for w in query.workplaces],
    )


def _unavailable_message(
    start_at: dt.datetime, specialist_id: uuid.UUID | None, workplace_id: uuid.UUID | None
) -> str:
    message = f"No free slot starts at {start_at.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"
    if specialist_id is not None:
        message += f" with specialist {specialist_id}"
    if workplace_id is not None:
        message += f" at workplace {workplace_id}"
    return message


async def _bookable(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    service_id: uuid.UUID,
    *,
    specialist_id: uuid.UUID | None = None,
    workplace_id: uuid.UUID | None = None,
) -> repo.Catalog:
    catalog = await repo.catalog(
        session,
        firm_id,
        location_id,
        service_id,
        specialist_id=specialist_id,
        workplace_id=workplace_id,
    )
    if not catalog.location_active:
        raise LocationInactive()
    if not catalog.service_active:
        raise ServiceInactive()
    if specialist_id is not None and catalog.specialist_active is None:
        raise SpecialistNotFound(f"No specialist with id {specialist_id}")
    if workplace_id is not None and not catalog.workplace_found:
        raise WorkplaceNotFound(f"No workplace with id {workplace_id}")
    return catalog


async def _load(
    session: AsyncSession,
    firm_id: uuid.UUID,
    catalog: repo.Catalog,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    *,
    notice_from: dt.datetime | None = None,
    ignored: repo.Ignored | None = None,
) -> AvailabilityQuery:
    """Everything the engine needs for slots starting on ``[first, last]``; claims and
    bookings count when live at ``now``."""
    rules_now = notice_from or now
    terms, offering = catalog.terms, catalog.specialists
    if not offering:
        return AvailabilityQuery(
            LocationInput(catalog.time_zone, ()),
            terms,
            catalog.rules,
            (),
            (),
            first,
            last,
            rules_now,
        )
    workplaces = catalog.workplaces
    after = max_claim_after_minutes(
        terms, [s.custom_duration_minutes for s in offering], workplaces
    )
    day_low, day_high = padded_days(first, last, terms.buffer_before_minutes, after)
    zone = ZoneInfo(catalog.time_zone)
    ids = [s.id for s in offering]
    found = await repo.window(
        session,
        firm_id,
        catalog.location_id,
        specialist_ids=ids,
        workplace_ids=[w.id for w in workplaces],
        first=day_low,
        last=day_high,
        low=dt.datetime.combine(day_low, dt.time(), zone),
        high=dt.datetime.combine(day_high + dt.timedelta(days=1), dt.time(), zone),
        now=now,
        ignored=ignored or repo.Ignored(),
        with_bookings=catalog.capacity is not None,
    )
    specialists = [
        SpecialistInput(
            s.id,
            s.name,
            catalog.schedules.get(s.id, []),
            s.custom_duration_minutes,
            found.breaks.get(s.id, []),
            found.specialist_busy.get(s.id, []),
        )
        for s in offering
    ]
    workplace_inputs = [
        WorkplaceInput(
            w.id,
            w.name,
            w.duration_minutes,
            w.break_after_minutes,
            found.workplace_busy.get(w.id, []),
        )
        for w in workplaces
    ]
    return AvailabilityQuery(
        LocationInput(
            catalog.time_zone, catalog.hours, found.holidays, catalog.capacity, found.bookings
        ),
        terms,
        catalog.rules,
        specialists,
        workplace_inputs,
        first,
        last,
        rules_now,
    )
