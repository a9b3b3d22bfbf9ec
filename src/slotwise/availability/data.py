"""The plain dataclasses the engine reads and returns (no behaviour, no I/O)."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Busy time as epoch seconds ``[start, end)``: thousands of claims per request are compared
# as ints (the database computes them); ``epoch_range`` converts datetimes.
Busy = tuple[int, int]


def epoch_range(start: dt.datetime, end: dt.datetime) -> Busy:
    """``[start, end)`` as epoch seconds, widened to whole seconds."""
    return math.floor(start.timestamp()), math.ceil(end.timestamp())


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """A location's opening interval on a weekday (0 = Monday)."""

    day_of_week: int
    start: dt.time
    end: dt.time
    is_day_off: bool = False


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """A specialist's weekly interval at the location, optionally at one workplace."""

    day_of_week: int
    start: dt.time
    end: dt.time
    is_day_off: bool = False
    workplace_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class DatedBreak:
    date: dt.date
    start: dt.time
    end: dt.time


@dataclass(frozen=True, slots=True)
class SpecialistInput:
    id: uuid.UUID
    name: str
    schedule: Sequence[ScheduleEntry]
    custom_duration_minutes: int | None = None
    breaks: Sequence[DatedBreak] = ()
    busy: Sequence[Busy] = ()  # live claims, any location


@dataclass(frozen=True, slots=True)
class WorkplaceInput:
    """A workplace that offers the service (an active override row), with its terms."""

    id: uuid.UUID
    name: str
    duration_minutes: int | None = None
    break_after_minutes: int | None = None
    busy: Sequence[Busy] = ()


@dataclass(frozen=True, slots=True)
class ServiceTerms:
    duration_minutes: int
    break_after_minutes: int = 0
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0


@dataclass(frozen=True, slots=True)
class BookingRules:
    slot_step_minutes: int = 15
    min_notice_minutes: int = 60
    booking_horizon_days: int = 90


@dataclass(frozen=True, slots=True)
class LocationInput:
    time_zone: str
    hours: Sequence[WeeklyHours]
    holidays: Mapping[dt.date, bool] = field(default_factory=dict)  # date -> is_working
    capacity: int | None = None
    bookings: Sequence[Busy] = ()  # live appointments and holds, for the capacity


@dataclass(frozen=True, slots=True)
class AvailabilityQuery:
    """Everything one computation needs. ``workplaces`` lists only the offering ones: when
    it is empty the service needs no workplace."""

    location: LocationInput
    service: ServiceTerms
    rules: BookingRules
    specialists: Sequence[SpecialistInput]
    workplaces: Sequence[WorkplaceInput]
    first_day: dt.date
    last_day: dt.date
    now: dt.datetime  # minimum notice and horizon count from here


@dataclass(frozen=True, slots=True)
class SlotOffer:
    specialist_id: uuid.UUID
    specialist_name: str
    workplace_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class Slot:
    start: dt.datetime  # UTC
    end: dt.datetime
    offers: tuple[SlotOffer, ...]


@dataclass(frozen=True, slots=True)
class SlotChoice:
    specialist_id: uuid.UUID
    workplace_id: uuid.UUID | None
    start: dt.datetime
    end: dt.datetime
    claim_start: dt.datetime
    claim_end: dt.datetime
