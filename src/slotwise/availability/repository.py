"""Every query of availability: a fixed handful per request, whatever the number of
specialists, days or bookings (no query per specialist or per day)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, ColumnElement, and_, func, or_, select, union_all
from sqlalchemy import cast as cast_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from slotwise.availability.engine import (
    Busy,
    DatedBreak,
    ScheduleEntry,
    WeeklyHours,
    WorkplaceInput,
)
from slotwise.models import (
    Appointment,
    Firm,
    Hold,
    Holiday,
    Location,
    LocationHours,
    Service,
    Specialist,
    SpecialistBreak,
    SpecialistSchedule,
    SpecialistService,
    TimeClaim,
    Workplace,
    WorkplaceServiceOverride,
)
from slotwise.repository import get_in_firm


@dataclass(frozen=True, slots=True)
class OfferingSpecialist:
    id: uuid.UUID
    name: str
    custom_duration_minutes: int | None


@dataclass(frozen=True, slots=True)
class Ignored:
    """Claims and bookings a check must not count: those of the booking being changed."""

    appointment_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None


def _epoch_floor(instant: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[int]:
    """Epoch seconds computed by the database: thousands of rows arrive as plain ints."""
    return cast_(func.floor(func.date_part("epoch", instant)), BigInteger)


def _epoch_ceil(instant: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[int]:
    return cast_(func.ceil(func.date_part("epoch", instant)), BigInteger)


async def get_firm(session: AsyncSession, firm_id: uuid.UUID) -> Firm:
    firm = await session.get(Firm, firm_id)
    assert firm is not None  # the caller's firm exists: its user was just read
    return firm


async def get_location(session: AsyncSession, firm_id: uuid.UUID,
                       location_id: uuid.UUID) -> Location:
    return cast(Location, await cast(Any, get_in_firm)(session, Location, firm_id, location_id))


async def get_service(session: AsyncSession, firm_id: uuid.UUID,
                      service_id: uuid.UUID) -> Service:
    return cast(Service, await cast(Any, get_in_firm)(session, Service, firm_id, service_id))


async def get_specialist(session: AsyncSession, firm_id: uuid.UUID,
                         specialist_id: uuid.UUID) -> Specialist:
    return cast(Specialist,
                await cast(Any, get_in_firm)(session, Specialist, firm_id, specialist_id))


async def get_workplace(session: AsyncSession, firm_id: uuid.UUID,
                        workplace_id: uuid.UUID) -> Workplace:
    return cast(Workplace,
                await cast(Any, get_in_firm)(session, Workplace, firm_id, workplace_id))


async def offering_specialists(session: AsyncSession, firm_id: uuid.UUID,
                               service_id: uuid.UUID,
                               only: uuid.UUID | None) -> list[OfferingSpecialist]:
    """Active specialists with an active link to the service."""
    stmt = (
        select(Specialist.id, Specialist.name, SpecialistService.custom_duration_minutes)
        .join(SpecialistService, and_(SpecialistService.specialist_id == Specialist.id,
                                      SpecialistService.firm_id == Specialist.firm_id))
        .where(Specialist.firm_id == firm_id, Specialist.is_active,
               SpecialistService.service_id == service_id, SpecialistService.is_active)
        .order_by(Specialist.name, Specialist.id)
    )
    if only is not None:
        stmt = stmt.where(Specialist.id == only)
    rows = (await session.execute(stmt)).all()
    return [OfferingSpecialist(row.id, row.name, row.custom_duration_minutes) for row in rows]


async def offering_workplaces(session: AsyncSession, firm_id: uuid.UUID,
                              location_id: uuid.UUID,
                              service_id: uuid.UUID) -> list[WorkplaceInput]:
    """Active workplaces of the location with an active override for the service (without
    their busy time, which is loaded with the specialists' claims)."""
    stmt = (
        select(Workplace.id, Workplace.name, WorkplaceServiceOverride.duration_minutes,
               WorkplaceServiceOverride.break_after_minutes)
        .join(WorkplaceServiceOverride,
              and_(WorkplaceServiceOverride.workplace_id == Workplace.id,
                   WorkplaceServiceOverride.firm_id == Workplace.firm_id))
        .where(Workplace.firm_id == firm_id, Workplace.location_id == location_id,
               Workplace.is_active, WorkplaceServiceOverride.service_id == service_id,
               WorkplaceServiceOverride.is_active)
        .order_by(Workplace.name, Workplace.id)
    )
    rows = (await session.execute(stmt)).all()
    return [WorkplaceInput(row.id, row.name, row.duration_minutes, row.break_after_minutes)
            for row in rows]


async def location_hours(session: AsyncSession, firm_id: uuid.UUID,
                         location_id: uuid.UUID) -> list[WeeklyHours]:
    stmt = select(LocationHours.day_of_week, LocationHours.start_time, LocationHours.end_time,
                  LocationHours.is_day_off).where(LocationHours.firm_id == firm_id,
                                                  LocationHours.location_id == location_id)
    return [WeeklyHours(*row) for row in (await session.execute(stmt)).all()]


async def holidays(session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID,
                   first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    stmt = select(Holiday.date, Holiday.is_working).where(
        Holiday.firm_id == firm_id, Holiday.location_id == location_id,
        Holiday.date.between(first, last))
    return {row.date: row.is_working for row in (await session.execute(stmt)).all()}


async def schedules(session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID,
                    specialist_ids: Sequence[uuid.UUID]
                    ) -> dict[uuid.UUID, list[ScheduleEntry]]:
    stmt = select(SpecialistSchedule.specialist_id, SpecialistSchedule.day_of_week,
                  SpecialistSchedule.start_time, SpecialistSchedule.end_time,
                  SpecialistSchedule.is_day_off, SpecialistSchedule.workplace_id).where(
        SpecialistSchedule.firm_id == firm_id, SpecialistSchedule.location_id == location_id,
        SpecialistSchedule.specialist_id.in_(specialist_ids))
    out: defaultdict[uuid.UUID, list[ScheduleEntry]] = defaultdict(list)
    for row in (await session.execute(stmt)).all():
        out[row.specialist_id].append(ScheduleEntry(row.day_of_week, row.start_time,
                                                    row.end_time, row.is_day_off,
                                                    row.workplace_id))
    return out


async def breaks(session: AsyncSession, firm_id: uuid.UUID,
                 specialist_ids: Sequence[uuid.UUID], first: dt.date,
                 last: dt.date) -> dict[uuid.UUID, list[DatedBreak]]:
    stmt = select(SpecialistBreak.specialist_id, SpecialistBreak.date,
                  SpecialistBreak.start_time, SpecialistBreak.end_time).where(
        SpecialistBreak.firm_id == firm_id, SpecialistBreak.specialist_id.in_(specialist_ids),
        SpecialistBreak.date.between(first, last))
    out: defaultdict[uuid.UUID, list[DatedBreak]] = defaultdict(list)
    for row in (await session.execute(stmt)).all():
        out[row.specialist_id].append(DatedBreak(row.date, row.start_time, row.end_time))
    return out


async def live_claims(session: AsyncSession, firm_id: uuid.UUID, *,
                      specialist_ids: Sequence[uuid.UUID], workplace_ids: Sequence[uuid.UUID],
                      low: dt.datetime, high: dt.datetime, now: dt.datetime,
                      ignored: Ignored) -> tuple[dict[uuid.UUID, list[Busy]],
                                                 dict[uuid.UUID, list[Busy]]]:
    """Claims overlapping ``[low, high)`` of the specialists and of the workplaces, by owner.

    A claim is live when an appointment owns it or its hold has not expired yet, so an
    expired hold stops blocking at once, before any cleanup runs. The database aggregates
    them into two arrays per resource: thousands of claims arrive in a few rows, which is
    several times faster than a row per claim.
    """
    lower = func.array_agg(_epoch_floor(func.lower(TimeClaim.during)))
    upper = func.array_agg(_epoch_ceil(func.upper(TimeClaim.during)))
    resources = [TimeClaim.specialist_id.in_(specialist_ids)] if specialist_ids else []
    if workplace_ids:
        resources.append(TimeClaim.workplace_id.in_(workplace_ids))
    if not resources:
        return {}, {}
    stmt = (
        select(TimeClaim.specialist_id, TimeClaim.workplace_id, lower, upper)
        .outerjoin(Hold, Hold.id == TimeClaim.hold_id)
        .where(TimeClaim.firm_id == firm_id,
               TimeClaim.during.op("&&")(func.tstzrange(low, high)),
               or_(*resources),
               or_(TimeClaim.appointment_id.is_not(None), Hold.expires_at > now))
        .group_by(TimeClaim.specialist_id, TimeClaim.workplace_id)
    )
    if ignored.appointment_id is not None:
        stmt = stmt.where(TimeClaim.appointment_id.is_distinct_from(ignored.appointment_id))
    if ignored.hold_id is not None:
        stmt = stmt.where(TimeClaim.hold_id.is_distinct_from(ignored.hold_id))
    by_specialist: dict[uuid.UUID, list[Busy]] = {}
    by_workplace: dict[uuid.UUID, list[Busy]] = {}
    for specialist_id, workplace_id, starts, ends in (await session.execute(stmt)).all():
        spans = list(zip(starts, ends, strict=True))
        if specialist_id is not None:
            by_specialist[specialist_id] = spans
        elif workplace_id is not None:
            by_workplace[workplace_id] = spans
    return by_specialist, by_workplace


async def location_bookings(session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID,
                            *, low: dt.datetime, high: dt.datetime, now: dt.datetime,
                            ignored: Ignored) -> list[Busy]:
    """Live appointments and live holds at the location overlapping ``[low, high)``."""
    appointments = select(_epoch_floor(Appointment.start_at),
                          _epoch_ceil(Appointment.end_at)).where(
        Appointment.firm_id == firm_id, Appointment.location_id == location_id,
        Appointment.status != "cancelled", Appointment.start_at < high,
        Appointment.end_at > low)
    holds = select(_epoch_floor(Hold.start_at), _epoch_ceil(Hold.end_at)).where(
        Hold.firm_id == firm_id, Hold.location_id == location_id, Hold.expires_at > now,
        Hold.start_at < high, Hold.end_at > low)
    if ignored.appointment_id is not None:
        appointments = appointments.where(Appointment.id != ignored.appointment_id)
    if ignored.hold_id is not None:
        holds = holds.where(Hold.id != ignored.hold_id)
    both = union_all(appointments, holds).subquery()
    start, end = both.c
    starts, ends = (await session.execute(
        select(func.array_agg(start), func.array_agg(end)))).one()
    return list(zip(starts or [], ends or [], strict=True))
