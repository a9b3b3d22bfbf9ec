"""Rows for availability tests, written straight through the ORM."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import (
    Appointment,
    AppointmentWorker,
    Firm,
    Hold,
    Location,
    LocationHours,
    SpecialistSchedule,
    TimeClaim,
    User,
)
from tests.factories import World

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday far enough ahead for any test run; the firm's horizon is widened to reach it.
MONDAY = date(2030, 1, 7)


def maker(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    return sessions


def at(day: date, clock: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), zone)


async def set_firm(app: FastAPI, world: World, **values: Any) -> None:
    async with maker(app).begin() as session:
        await session.execute(update(Firm).where(Firm.id == world.firm_id).values(**values))


async def far_horizon(app: FastAPI, world: World) -> None:
    await set_firm(app, world, booking_horizon_days=3660)


async def update_row(app: FastAPI, model: Any, row_id: uuid.UUID, **values: Any) -> None:
    async with maker(app).begin() as session:
        await session.execute(update(model).where(model.id == row_id).values(**values))


async def add_rows(app: FastAPI, rows: Iterable[Any]) -> None:
    async with maker(app).begin() as session:
        session.add_all(list(rows))


async def user_id(app: FastAPI, world: World, role: str = "owner") -> uuid.UUID:
    async with maker(app)() as session:
        found = await session.scalar(select(User.id).where(User.email == world.emails[role]))
        assert found is not None
        return found


async def book(
    app: FastAPI,
    world: World,
    specialist_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    claim_end: datetime | None = None,
    workplace_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """An appointment with its claims, as the booking endpoints write it."""
    async with maker(app).begin() as session:
        appt = Appointment(
            firm_id=world.firm_id,
            location_id=location_id or world.location_id,
            workplace_id=workplace_id,
            start_at=start,
            end_at=end,
        )
        session.add(appt)
        await session.flush()
        session.add(
            AppointmentWorker(
                firm_id=world.firm_id, appointment_id=appt.id, specialist_id=specialist_id
            )
        )
        during = Range(start, claim_end or end, bounds="[)")
        session.add(
            TimeClaim(
                firm_id=world.firm_id,
                appointment_id=appt.id,
                specialist_id=specialist_id,
                during=during,
            )
        )
        if workplace_id is not None:
            session.add(
                TimeClaim(
                    firm_id=world.firm_id,
                    appointment_id=appt.id,
                    workplace_id=workplace_id,
                    during=during,
                )
            )
        return appt.id


async def hold(
    app: FastAPI,
    world: World,
    specialist_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    expires_at: datetime,
    workplace_id: uuid.UUID | None = None,
) -> uuid.UUID:
    owner = await user_id(app, world)
    async with maker(app).begin() as session:
        row = Hold(
            firm_id=world.firm_id,
            user_id=owner,
            location_id=world.location_id,
            workplace_id=workplace_id,
            specialist_id=specialist_id,
            service_id=world.service_id,
            start_at=start,
            end_at=end,
            expires_at=expires_at,
        )
        session.add(row)
        await session.flush()
        session.add(
            TimeClaim(
                firm_id=world.firm_id,
                hold_id=row.id,
                specialist_id=specialist_id,
                during=Range(start, end, bounds="[)"),
            )
        )
        return row.id


async def add_location(
    app: FastAPI,
    world: World,
    *,
    name: str,
    time_zone: str,
    opening: tuple[str, str],
    days: Iterable[int] = range(7),
    capacity: int | None = None,
) -> uuid.UUID:
    """A location open ``opening`` on ``days``, where specialist A works the same hours."""
    async with maker(app).begin() as session:
        location = Location(
            firm_id=world.firm_id, name=name, time_zone=time_zone, capacity=capacity
        )
        session.add(location)
        await session.flush()
        start, end = (time.fromisoformat(v) for v in opening)
        for day in days:
            session.add(
                LocationHours(
                    firm_id=world.firm_id,
                    location_id=location.id,
                    day_of_week=day,
                    start_time=start,
                    end_time=end,
                )
            )
            session.add(
                SpecialistSchedule(
                    firm_id=world.firm_id,
                    specialist_id=world.specialist_a,
                    location_id=location.id,
                    day_of_week=day,
                    start_time=start,
                    end_time=end,
                )
            )
        return location.id
