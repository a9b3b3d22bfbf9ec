"""Random bookings, holds and breaks written with the ORM: what the endpoint's service lists is
exactly what the cell-by-cell model allows, every listed slot passes ``check_slot``, and its
claims then fit in ``time_claims`` beside the existing ones (the exclusion constraints agree).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass

from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.availability.engine import (
    AvailabilityQuery,
    BookingRules,
    DatedBreak,
    LocationInput,
    ServiceTerms,
    Slot,
    SpecialistInput,
    epoch_range,
)
from slotwise.availability.service import check_slot, get_availability
from slotwise.models import Appointment, Hold, Location, Service, SpecialistBreak, TimeClaim
from tests.availability.builders import hours, weekly
from tests.availability.db import (
    BERLIN,
    MONDAY,
    add_rows,
    book,
    hold,
    maker,
    set_firm,
    update_row,
)
from tests.availability.oracle import Offer, expected_offers
from tests.factories import World, make_world

TUESDAY = MONDAY + dt.timedelta(days=1)


@dataclass(frozen=True)
class Busy:
    specialist: int  # 0, 1, 2: Anna, Ben, Cem
    start: dt.datetime
    minutes: int
    kind: str  # appointment | live hold | expired hold


@dataclass(frozen=True)
class Scenario:
    step: int
    break_after: int
    buffer_before: int
    buffer_after: int
    capacity: int | None
    busy: list[Busy]
    breaks: list[tuple[int, dt.time, dt.time]]


def _five(units: int) -> dt.datetime:
    return dt.datetime.combine(MONDAY, dt.time(8), BERLIN) + dt.timedelta(minutes=5 * units)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    busy: list[Busy] = []
    for _ in range(draw(st.integers(0, 10))):
        candidate = Busy(
            draw(st.integers(0, 2)),
            _five(draw(st.integers(0, 132))),
            5 * draw(st.integers(1, 18)),
            draw(st.sampled_from(("appointment", "live hold", "expired hold"))),
        )
        # One specialist's claims never overlap, whatever their state: the table forbids it.
        if not any(
            b.specialist == candidate.specialist
            and b.start < candidate.start + dt.timedelta(minutes=candidate.minutes)
            and candidate.start < b.start + dt.timedelta(minutes=b.minutes)
            for b in busy
        ):
            busy.append(candidate)
    breaks = []
    for _ in range(draw(st.integers(0, 3))):
        start = _five(draw(st.integers(12, 120)))
        end = start + dt.timedelta(minutes=5 * draw(st.integers(1, 12)))
        breaks.append((draw(st.integers(0, 2)), start.time(), end.time()))
    return Scenario(
        draw(st.sampled_from((10, 15, 30))),
        draw(st.sampled_from((0, 10))),
        draw(st.sampled_from((0, 5, 15))),
        draw(st.sampled_from((0, 5))),
        draw(st.sampled_from((None, 1, 2))),
        busy,
        breaks,
    )


async def _run(app: FastAPI, scenario: Scenario) -> None:
    world = await make_world(app)
    staff = [world.specialist_a, world.specialist_b, world.specialist_c]
    names = ["Anna", "Ben", "Cem"]
    await set_firm(app, world, booking_horizon_days=3660, slot_step_minutes=scenario.step)
    await update_row(
        app,
        Service,
        world.service_id,
        break_after_minutes=scenario.break_after,
        buffer_before_minutes=scenario.buffer_before,
        buffer_after_minutes=scenario.buffer_after,
    )
    await update_row(app, Location, world.location_id, capacity=scenario.capacity)
    now = dt.datetime.now(dt.UTC)
    live: dict[int, list[tuple[int, int]]] = {0: [], 1: [], 2: []}
    bookings = []
    for b in scenario.busy:
        end = b.start + dt.timedelta(minutes=b.minutes)
        if b.kind == "appointment":
            await book(app, world, staff[b.specialist], b.start, end)
        else:
            expires = now + dt.timedelta(minutes=10 if b.kind == "live hold" else -1)
            await hold(app, world, staff[b.specialist], b.start, end, expires_at=expires)
        if b.kind != "expired hold":
            live[b.specialist].append(epoch_range(b.start, end))
            bookings.append(epoch_range(b.start, end))
    await add_rows(
        app,
        [
            SpecialistBreak(
                firm_id=world.firm_id, specialist_id=staff[i], date=MONDAY, start_time=s, end_time=e
            )
            for i, s, e in scenario.breaks
        ],
    )

    async with maker(app)() as session:
        listed = await get_availability(
            session,
            world.firm_id,
            service_id=world.service_id,
            location_id=world.location_id,
            first=MONDAY,
            last=TUESDAY,
            now=now,
        )
    got: set[Offer] = {
        (int(s.start.timestamp()), int(s.end.timestamp()), o.specialist_id, None)
        for s in listed.slots
        for o in s.offers
    }
    model = AvailabilityQuery(
        LocationInput("Europe/Berlin", hours(), {}, scenario.capacity, bookings),
        ServiceTerms(30, scenario.break_after, scenario.buffer_before, scenario.buffer_after),
        BookingRules(scenario.step, 60, 3660),
        [
            SpecialistInput(
                staff[i],
                names[i],
                weekly(),
                None,
                [DatedBreak(MONDAY, s, e) for j, s, e in scenario.breaks if j == i],
                live[i],
            )
            for i in range(3)
        ],
        [],
        MONDAY,
        TUESDAY,
        now,
    )
    assert got == expected_offers(model)

    for slot in listed.slots[:: max(1, len(listed.slots) // 8)]:
        for offered in slot.offers:
            async with maker(app)() as session:
                choice = await check_slot(
                    session,
                    world.firm_id,
                    service_id=world.service_id,
                    location_id=world.location_id,
                    start_at=slot.start,
                    specialist_id=offered.specialist_id,
                    workplace_id=None,
                    now=now,
                )
                assert (choice.start, choice.end) == (slot.start, slot.end)
                # The claims fit beside every live one (expired holds make way first).
                await session.execute(
                    delete(Hold).where(Hold.firm_id == world.firm_id, Hold.expires_at <= now)
                )
                session.add(
                    TimeClaim(
                        firm_id=world.firm_id,
                        specialist_id=offered.specialist_id,
                        appointment_id=await _appointment(session, world, slot),
                        during=Range(choice.claim_start, choice.claim_end, bounds="[)"),
                    )
                )
                await session.flush()
                await session.rollback()


async def _appointment(session: AsyncSession, world: World, slot: Slot) -> uuid.UUID:
    """An appointment row for the test claim to belong to (rolled back with it)."""
    appointment = Appointment(
        firm_id=world.firm_id, location_id=world.location_id, start_at=slot.start, end_at=slot.end
    )
    session.add(appointment)
    await session.flush()
    return appointment.id


async def test_listed_slots_are_free_and_can_be_claimed(app: FastAPI) -> None:
    loop = asyncio.get_running_loop()

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(scenarios())
    def prop(scenario: Scenario) -> None:
        asyncio.run_coroutine_threadsafe(_run(app, scenario), loop).result(timeout=120)

    # Hypothesis drives the examples from a thread; the database work stays on this loop.
    await asyncio.to_thread(prop)
