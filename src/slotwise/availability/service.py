"""Availability rules around the engine: what to load, which errors to raise.

``get_availability`` lists slots; ``check_slot`` decides one start for the hold and booking
endpoints with the same engine over the same data, so every listed slot passes the check.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.availability import repository as repo
from slotwise.availability.engine import (
    AvailabilityQuery,
    BookingRules,
    LocationInput,
    ServiceTerms,
    Slot,
    SlotChoice,
    SpecialistInput,
    WorkplaceInput,
    choose,
    compute_slots,
    max_claim_after_minutes,
    padded_days,
)
from slotwise.errors import Conflict, Unprocessable
from slotwise.models import Location, Service

__all__ = ["MAX_RANGE_DAYS", "Availability", "SlotChoice", "check_range", "check_slot",
           "get_availability"]

MAX_RANGE_DAYS = 62


def check_range(first: dt.date, last: dt.date) -> None:
    """422 before anything is loaded when the date range is reversed or too long."""
    if last < first:
        raise Unprocessable("'to' is before 'from'", code="invalid_range")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise Unprocessable(f"The range spans more than {MAX_RANGE_DAYS} days",
                            code="range_too_long")


@dataclass(frozen=True, slots=True)
class Availability:
    """What ``GET /availability`` returns (rendered by ``present.render``)."""

    service_id: uuid.UUID
    location_id: uuid.UUID
    time_zone: str
    slots: list[Slot]


async def get_availability(session: AsyncSession, firm_id: uuid.UUID, *,
                           service_id: uuid.UUID, location_id: uuid.UUID, first: dt.date,
                           last: dt.date, specialist_id: uuid.UUID | None = None,
                           now: dt.datetime | None = None) -> Availability:
    """Free slots of a service at a location over local dates ``[first, last]``."""
    check_range(first, last)
    location, service = await _bookable(session, firm_id, location_id, service_id)
    if specialist_id is not None:
        specialist = await repo.get_specialist(session, firm_id, specialist_id)
        if not specialist.is_active:
            raise Conflict("The specialist is inactive", code="specialist_inactive")
    query = await _load(session, firm_id, location, service, first, last,
                        now or dt.datetime.now(dt.UTC), specialist_id=specialist_id)
    if specialist_id is not None and not query.specialists:
        raise Conflict("The specialist does not offer this service", code="service_not_offered")
    return Availability(service.id, location.id, location.time_zone, compute_slots(query))


async def check_slot(session: AsyncSession, firm_id: uuid.UUID, *, service_id: uuid.UUID,
                     location_id: uuid.UUID, start_at: dt.datetime,
                     specialist_id: uuid.UUID | None, workplace_id: uuid.UUID | None,
                     now: dt.datetime, notice_from: dt.datetime | None = None,
                     ignore_appointment_id: uuid.UUID | None = None,
                     ignore_hold_id: uuid.UUID | None = None) -> SlotChoice:
    """The specialist, workplace, times and claim range a booking at ``start_at`` takes.

    Raises 409 ``slot_unavailable`` unless that exact start is offered (by that specialist /
    at that workplace when given). Holds are live when they expire after ``now``; minimum
    notice and horizon count from ``notice_from`` (default ``now``), so a hold made in time
    can be confirmed later. ``ignore_*`` leave out the claims and the capacity use of the
    booking being moved, so it does not collide with itself. Ids of another firm give 404.
    """
    if start_at.tzinfo is None:
        raise Unprocessable("The start needs a time zone", code="invalid_datetime")
    location, service = await _bookable(session, firm_id, location_id, service_id)
    if specialist_id is not None:
        await repo.get_specialist(session, firm_id, specialist_id)
    if workplace_id is not None:
        await repo.get_workplace(session, firm_id, workplace_id)
    day = start_at.astimezone(ZoneInfo(location.time_zone)).date()
    query = await _load(session, firm_id, location, service, day, day, now,
                        specialist_id=specialist_id, notice_from=notice_from,
                        ignored=repo.Ignored(ignore_appointment_id, ignore_hold_id))
    choice = choose(query, start_at, specialist_id=specialist_id, workplace_id=workplace_id)
    if choice is None:
        raise Conflict(_unavailable_message(start_at, specialist_id, workplace_id),
                       code="slot_unavailable")
    return choice


def _unavailable_message(start_at: dt.datetime, specialist_id: uuid.UUID | None,
                         workplace_id: uuid.UUID | None) -> str:
    message = f"No free slot starts at {start_at.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"
    if specialist_id is not None:
        message += f" with specialist {specialist_id}"
    if workplace_id is not None:
        message += f" at workplace {workplace_id}"
    return message


async def _bookable(session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID,
                    service_id: uuid.UUID) -> tuple[Location, Service]:
    location = await repo.get_location(session, firm_id, location_id)
    service = await repo.get_service(session, firm_id, service_id)
    if not location.is_active:
        raise Conflict("The location is inactive", code="location_inactive")
    if not service.is_active:
        raise Conflict("The service is inactive", code="service_inactive")
    return location, service


async def _load(session: AsyncSession, firm_id: uuid.UUID, location: Location,
                service: Service, first: dt.date, last: dt.date, now: dt.datetime, *,
                specialist_id: uuid.UUID | None, notice_from: dt.datetime | None = None,
                ignored: repo.Ignored | None = None) -> AvailabilityQuery:
    """Everything the engine needs for slots starting on ``[first, last]``; claims and
    bookings count when live at ``now``."""
    ignored = ignored or repo.Ignored()
    rules_now = notice_from or now
    firm = await repo.get_firm(session, firm_id)
    terms = ServiceTerms(service.duration_minutes, service.break_after_minutes,
                         service.buffer_before_minutes, service.buffer_after_minutes)
    rules = BookingRules(firm.slot_step_minutes, firm.min_notice_minutes,
                         firm.booking_horizon_days)
    offering = await repo.offering_specialists(session, firm_id, service.id, specialist_id)
    if not offering:
        return AvailabilityQuery(LocationInput(location.time_zone, ()), terms, rules, (), (),
                                 first, last, rules_now)
    workplaces = await repo.offering_workplaces(session, firm_id, location.id, service.id)
    after = max_claim_after_minutes(terms, [s.custom_duration_minutes for s in offering],
                                    workplaces)
    day_low, day_high = padded_days(first, last, terms.buffer_before_minutes, after)
    zone = ZoneInfo(location.time_zone)
    low = dt.datetime.combine(day_low, dt.time(), zone)
    high = dt.datetime.combine(day_high + dt.timedelta(days=1), dt.time(), zone)
    ids = [s.id for s in offering]
    hours = await repo.location_hours(session, firm_id, location.id)
    holidays = await repo.holidays(session, firm_id, location.id, day_low, day_high)
    schedules = await repo.schedules(session, firm_id, location.id, ids)
    breaks = await repo.breaks(session, firm_id, ids, day_low, day_high)
    busy, workplace_busy = await repo.live_claims(
        session, firm_id, specialist_ids=ids, workplace_ids=[w.id for w in workplaces],
        low=low, high=high, now=now, ignored=ignored)
    bookings = []
    if location.capacity is not None:
        bookings = await repo.location_bookings(session, firm_id, location.id, low=low,
                                                high=high, now=now, ignored=ignored)
    specialists = [
        SpecialistInput(s.id, s.name, schedules.get(s.id, []), s.custom_duration_minutes,
                        breaks.get(s.id, []), busy.get(s.id, []))
        for s in offering
    ]
    workplaces = [WorkplaceInput(w.id, w.name, w.duration_minutes, w.break_after_minutes,
                                 workplace_busy.get(w.id, [])) for w in workplaces]
    return AvailabilityQuery(
        LocationInput(location.time_zone, hours, holidays, location.capacity, bookings),
        terms, rules, specialists, workplaces, first, last, rules_now)
