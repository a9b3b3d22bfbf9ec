"""``check_slot``, as the hold and booking endpoints call it, against rows in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from slotwise.availability.service import SlotChoice, check_slot, get_availability
from slotwise.errors import Conflict, NotFound
from slotwise.models import SpecialistSchedule, Workplace
from slotwise.models import WorkplaceServiceOverride as Override
from tests.availability.db import MONDAY, add_rows, at, book, far_horizon, hold, maker
from tests.factories import World

NOW = datetime(2029, 12, 1, tzinfo=UTC)


async def check(app: FastAPI, world: World, start: datetime, **kwargs: Any) -> SlotChoice:
    options: dict[str, Any] = {"specialist_id": None, "workplace_id": None, "now": NOW, **kwargs}
    async with maker(app)() as session:
        return await check_slot(
            session,
            world.firm_id,
            service_id=world.service_id,
            location_id=world.location_id,
            start_at=start,
            **options,
        )


async def refused(app: FastAPI, world: World, start: datetime, **kwargs: Any) -> str:
    with pytest.raises(Conflict) as caught:
        await check(app, world, start, **kwargs)
    return caught.value.code


async def test_choice_and_claim_range(app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    choice = await check(app, world, at(MONDAY, "10:00"))
    assert choice == SlotChoice(
        world.specialist_a,
        None,
        at(MONDAY, "10:00"),
        at(MONDAY, "10:30"),
        at(MONDAY, "10:00"),
        at(MONDAY, "10:40"),
    )
    ben = await check(app, world, at(MONDAY, "10:00"), specialist_id=world.specialist_b)
    assert ben.specialist_id == world.specialist_b
    for refused_start in (
        at(MONDAY, "17:30"),
        at(MONDAY, "10:05"),
        at(MONDAY, "08:45"),
        at(MONDAY + timedelta(days=5), "10:00"),
    ):
        assert await refused(app, world, refused_start) == "slot_unavailable"


async def test_claims_block_unless_ignored(app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    ten = at(MONDAY, "10:00")
    appointment = await book(
        app, world, world.specialist_a, ten, at(MONDAY, "10:30"), claim_end=at(MONDAY, "10:40")
    )
    assert (await check(app, world, ten)).specialist_id == world.specialist_b
    assert await refused(app, world, ten, specialist_id=world.specialist_a) == ("slot_unavailable")
    moved = await check(
        app,
        world,
        at(MONDAY, "10:15"),
        specialist_id=world.specialist_a,
        ignore_appointment_id=appointment,
    )
    assert moved.specialist_id == world.specialist_a

    live = await hold(
        app,
        world,
        world.specialist_b,
        ten,
        at(MONDAY, "10:40"),
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    await hold(
        app,
        world,
        world.specialist_c,
        ten,
        at(MONDAY, "10:40"),
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    now = datetime.now(UTC)
    assert (await check(app, world, ten, now=now)).specialist_id == world.specialist_c
    again = await check(
        app, world, ten, now=now, specialist_id=world.specialist_b, ignore_hold_id=live
    )
    assert again.specialist_id == world.specialist_b


async def test_notice_counts_from_notice_from(app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    ten = at(MONDAY, "10:00")
    assert await refused(app, world, ten, now=at(MONDAY, "09:30")) == "slot_unavailable"
    held_in_time = await check(
        app, world, ten, now=at(MONDAY, "09:30"), notice_from=at(MONDAY, "08:45")
    )
    assert held_in_time.start == ten


async def test_workplaces(app: FastAPI, world: World, other_world: World) -> None:
    await far_horizon(app, world)
    ten = at(MONDAY, "10:00")
    assert await refused(app, world, ten, workplace_id=world.workplace_id) == (
        "slot_unavailable"
    )  # the service needs no workplace
    chair2 = Workplace(firm_id=world.firm_id, location_id=world.location_id, name="Chair 2")
    await add_rows(app, [chair2])
    await add_rows(
        app,
        [
            Override(
                firm_id=world.firm_id,
                workplace_id=world.workplace_id,
                service_id=world.service_id,
                break_after_minutes=0,
            ),
            Override(
                firm_id=world.firm_id,
                workplace_id=chair2.id,
                service_id=world.service_id,
                duration_minutes=60,
            ),
        ],
    )
    first = await check(app, world, ten)
    assert (first.workplace_id, first.claim_end) == (world.workplace_id, at(MONDAY, "10:30"))
    pinned = await check(app, world, ten, workplace_id=chair2.id)
    assert (pinned.workplace_id, pinned.end, pinned.claim_end) == (
        chair2.id,
        at(MONDAY, "11:00"),
        at(MONDAY, "11:10"),
    )
    await book(
        app, world, world.specialist_c, ten, at(MONDAY, "10:30"), workplace_id=world.workplace_id
    )
    taken = await check(app, world, ten)
    assert taken.workplace_id == chair2.id
    with pytest.raises(NotFound):
        await check(app, world, ten, workplace_id=other_world.workplace_id)


async def test_schedule_at_a_workplace(app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    chair2 = Workplace(firm_id=world.firm_id, location_id=world.location_id, name="Chair 2")
    await add_rows(app, [chair2])
    await add_rows(
        app,
        [
            Override(firm_id=world.firm_id, workplace_id=wp, service_id=world.service_id)
            for wp in (world.workplace_id, chair2.id)
        ],
    )
    async with maker(app).begin() as session:
        moved = await session.scalars(
            update(SpecialistSchedule)
            .where(SpecialistSchedule.specialist_id == world.specialist_a)
            .values(workplace_id=chair2.id)
            .returning(SpecialistSchedule.id)
        )
        assert len(moved.all()) == 5
    anna = await check(app, world, at(MONDAY, "10:00"), specialist_id=world.specialist_a)
    assert anna.workplace_id == chair2.id
    assert (
        await refused(
            app,
            world,
            at(MONDAY, "10:00"),
            specialist_id=world.specialist_a,
            workplace_id=world.workplace_id,
        )
        == "slot_unavailable"
    )


async def test_other_firms_ids(app: FastAPI, world: World, other_world: World) -> None:
    with pytest.raises(NotFound):
        await check(app, world, at(MONDAY, "10:00"), specialist_id=other_world.specialist_a)
    async with maker(app)() as session:
        with pytest.raises(NotFound):
            await check_slot(
                session,
                world.firm_id,
                service_id=other_world.service_id,
                location_id=world.location_id,
                start_at=at(MONDAY, "10:00"),
                specialist_id=None,
                workplace_id=None,
                now=NOW,
            )


async def test_every_listed_slot_passes_the_check(app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    await book(
        app,
        world,
        world.specialist_a,
        at(MONDAY, "11:00"),
        at(MONDAY, "11:30"),
        claim_end=at(MONDAY, "11:40"),
    )
    async with maker(app)() as session:
        listed = await get_availability(
            session,
            world.firm_id,
            service_id=world.service_id,
            location_id=world.location_id,
            first=MONDAY,
            last=MONDAY + timedelta(days=1),
            now=NOW,
        )
    assert len(listed.slots) == 68
    for slot in listed.slots[::3]:
        for offered in slot.offers:
            choice = await check(app, world, slot.start, specialist_id=offered.specialist_id)
            assert (choice.start, choice.end) == (slot.start, slot.end)
    gaps = [at(MONDAY, clock) for clock in ("10:45", "11:00", "11:15")]
    for start in gaps:
        choice = await check(app, world, start)
        assert choice.specialist_id == world.specialist_b  # Anna is booked
