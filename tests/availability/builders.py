"""Engine inputs with sensible defaults, so each test states only what it is about."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from slotwise.availability.engine import (
    AvailabilityQuery,
    BookingRules,
    Busy,
    DatedBreak,
    LocationInput,
    ScheduleEntry,
    ServiceTerms,
    Slot,
    SpecialistInput,
    WeeklyHours,
    WorkplaceInput,
    epoch_range,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
MONDAY = dt.date(2030, 1, 7)
NOW = dt.datetime(2029, 12, 1, tzinfo=dt.UTC)


def t(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def local(day: dt.date, clock: str, zone: str = BERLIN, fold: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, t(clock), ZoneInfo(zone)).replace(fold=fold)


def busy(day: dt.date, start: str, end: str, zone: str = BERLIN) -> Busy:
    return epoch_range(local(day, start, zone), local(day, end, zone))


def hours(
    days: Iterable[int] = range(6), start: str = "09:00", end: str = "19:00"
) -> list[WeeklyHours]:
    return [WeeklyHours(day, t(start), t(end)) for day in days]


def weekly(
    days: Iterable[int] = range(5),
    start: str = "09:00",
    end: str = "18:00",
    workplace_id: uuid.UUID | None = None,
) -> list[ScheduleEntry]:
    return [ScheduleEntry(day, t(start), t(end), workplace_id=workplace_id) for day in days]


def specialist(
    name: str = "Anna",
    *,
    schedule: Sequence[ScheduleEntry] | None = None,
    custom_duration: int | None = None,
    breaks: Sequence[DatedBreak] = (),
    busy: Sequence[Busy] = (),
    id: uuid.UUID | None = None,
) -> SpecialistInput:
    return SpecialistInput(
        id or uuid.uuid4(),
        name,
        weekly() if schedule is None else schedule,
        custom_duration,
        breaks,
        busy,
    )


def workplace(
    name: str = "Chair 1",
    *,
    duration: int | None = None,
    break_after: int | None = None,
    busy: Sequence[Busy] = (),
    id: uuid.UUID | None = None,
) -> WorkplaceInput:
    return WorkplaceInput(id or uuid.uuid4(), name, duration, break_after, busy)


def query(
    specialists: Sequence[SpecialistInput],
    *,
    zone: str = BERLIN,
    opening: Sequence[WeeklyHours] | None = None,
    holidays: Mapping[dt.date, bool] | None = None,
    capacity: int | None = None,
    bookings: Sequence[Busy] = (),
    duration: int = 30,
    break_after: int = 0,
    buffer_before: int = 0,
    buffer_after: int = 0,
    step: int = 15,
    notice: int = 60,
    horizon: int = 3650,
    workplaces: Sequence[WorkplaceInput] = (),
    first: dt.date = MONDAY,
    last: dt.date | None = None,
    now: dt.datetime = NOW,
) -> AvailabilityQuery:
    return AvailabilityQuery(
        LocationInput(
            zone, hours() if opening is None else opening, holidays or {}, capacity, bookings
        ),
        ServiceTerms(duration, break_after, buffer_before, buffer_after),
        BookingRules(step, notice, horizon),
        specialists,
        workplaces,
        first,
        last or first,
        now,
    )


def labels(slots: Sequence[Slot], zone: str = BERLIN) -> list[str]:
    """Local start times, e.g. ``09:15``."""
    tz = ZoneInfo(zone)
    return [f"{slot.start.astimezone(tz):%H:%M}" for slot in slots]


def grid(first: str, last: str, step: int = 15) -> list[str]:
    """Every ``HH:MM`` from ``first`` to ``last`` inclusive, ``step`` minutes apart."""
    start = dt.datetime.combine(MONDAY, t(first))
    end = dt.datetime.combine(MONDAY, t(last))
    out = []
    while start <= end:
        out.append(f"{start:%H:%M}")
        start += dt.timedelta(minutes=step)
    return out
