"""The public availability stream announces every hold, booking and release, and expiries."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from slotwise.config import Settings
from tests.appointments.helpers import change_appointment
from tests.booking.helpers import at, next_monday
from tests.factories import World
from tests.public.stream_helpers import (
    API,
    expire_soon,
    go_public,
    hold,
    offered,
    public_stream,
)
from tests.realtime.helpers import create, live


def slot(week: int, hour: int = 11) -> datetime:
    """A Monday ``week`` weeks after the next one, at ``hour`` in Berlin."""
    return at(next_monday(week + 1), hour)


def day(week: int, days: int = 0) -> str:
    return (next_monday(week + 1) + timedelta(days=days)).isoformat()


DAY = day(0)


async def test_a_hold_and_its_release_are_announced_for_the_local_day(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    with live(settings) as server:
        async with public_stream(server.url, world) as stream:
            held = await hold(client, world, slot(0))
            assert await stream.change() == [DAY]
            released = await client.delete(
                f"{API}/holds/{held['id']}", headers=world.headers("client")
            )
            assert released.status_code == 204
            assert await stream.change_with(DAY) == [DAY]


async def test_appointments_created_moved_cancelled_and_deleted_are_announced(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    with live(settings) as server:
        async with public_stream(server.url, world) as stream:
            appointment = await create(client, world, [world.specialist_a], start=slot(0))
            assert await stream.change_with(DAY) == [DAY]
            # Moved a week on: both the day it left and the day it went to.
            moved = await change_appointment(
                client,
                world,
                appointment,
                start_at=slot(1).isoformat(),
                end_at=(slot(1) + timedelta(minutes=30)).isoformat(),
            )
            seen: set[str] = set()
            while not {DAY, day(1)} <= seen:
                seen.update(await stream.change() or [])
            cancelled = await change_appointment(client, world, moved, status="cancelled")
            assert cancelled["status"] == "cancelled"
            assert await stream.change_with(day(1)) == [day(1)]

            other = await create(client, world, [world.specialist_b], start=slot(2))
            assert await stream.change_with(day(2)) == [day(2)]
            deleted = await client.delete(
                f"{API}/appointments/{other['id']}", headers=world.headers("director")
            )
            assert deleted.status_code == 204, deleted.text
            assert await stream.change_with(day(2)) == [day(2)]


async def test_a_confirmed_hold_is_announced(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    with live(settings) as server:
        async with public_stream(server.url, world) as stream:
            held = await hold(client, world, slot(0))
            assert await stream.change_with(DAY) == [DAY]
            confirmed = await client.post(
                f"{API}/appointments", headers=world.headers("client"), json={"hold_id": held["id"]}
            )
            assert confirmed.status_code == 201, confirmed.text
            assert await stream.change_with(DAY) == [DAY]


async def test_an_expired_hold_is_announced_when_it_stops_blocking(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    with live(settings) as server:
        async with public_stream(server.url, world) as stream:
            held = await hold(client, world, slot(0))
            expires = await expire_soon(app, held["id"], 1)
            assert not await offered(client, world, slot(0), world.specialist_a)
            # Nothing else is written: the announcement that comes after the expiry is the
            # hub's own, and then the slot is offered again.
            while True:
                days = await stream.change(timeout=10)
                if datetime.now(UTC) >= expires:
                    break
            assert days == [DAY]
            assert await offered(client, world, slot(0), world.specialist_a)


async def test_a_hold_made_before_the_stream_opened_is_announced_at_its_expiry(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    # Keepalives while the stream waits, well within the reader's 10 s read timeout.
    with live(settings, realtime_keepalive_seconds=2) as server:
        held = await hold(client, world, slot(0))
        # Far enough ahead that the stream is surely open before it (a loaded machine may
        # take seconds to open one): the hold must be read as live, with a timer.
        expires = await expire_soon(app, held["id"], 15)
        async with public_stream(server.url, world) as stream:
            assert datetime.now(UTC) < expires
            assert server.app.state.public_hub.pending_expiries() >= 1
            days = await stream.change(timeout=40)
            assert datetime.now(UTC) >= expires
            assert days == [DAY]


async def test_a_specialist_working_at_two_locations_is_announced_at_both(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    director = world.headers("director")
    created = await client.post(
        f"{API}/locations",
        headers=director,
        json={"name": "Shibuya", "time_zone": "Asia/Tokyo", "address": "x"},
    )
    assert created.status_code == 201, created.text
    second = created.json()["id"]
    # Anna also works there on Saturdays, besides Berlin.
    weekly = await client.get(f"{API}/specialists/{world.specialist_a}/schedules", headers=director)
    entries = [*weekly.json()]
    entries.append(
        {"location_id": second, "day_of_week": 5, "start_time": "09:00", "end_time": "17:00"}
    )
    schedule = await client.put(
        f"{API}/specialists/{world.specialist_a}/schedules", headers=director, json=entries
    )
    assert schedule.status_code == 200, schedule.text
    with live(settings) as server:
        async with (
            public_stream(server.url, world) as here,
            public_stream(server.url, world, location_id=created.json()["id"]) as there,
        ):
            # Anna held in Berlin at 17:00 on Monday is busy in Tokyo at 01:00 on Tuesday...
            await hold(client, world, slot(0, 17))
            assert await here.change_with(DAY) == [DAY]
            assert await there.change_with(day(0, 1)) == [day(0, 1)]
            # ... and Ben, who only works in Berlin, is not announced in Tokyo.
            await hold(client, world, slot(3), specialist_id=world.specialist_b)
            assert await here.change_with(day(3)) == [day(3)]
            await hold(client, world, slot(1, 17))
            while (days := await there.change()) != [day(1, 1)]:
                assert days == [day(0, 1)]


async def test_another_firms_changes_are_never_sent(
    client: httpx.AsyncClient, settings: Settings, world: World, other_world: World
) -> None:
    await go_public(client, world)
    await go_public(client, other_world)
    with live(settings) as server:
        async with public_stream(server.url, world) as stream:
            await hold(client, other_world, slot(0))
            await create(client, other_world, [other_world.specialist_b], start=slot(1))
            started = time.monotonic()
            await hold(client, world, slot(2))
            # The first announcement is this firm's own (checked by ``change``: its
            # location, this day), though the other firm's came first.
            assert await stream.change() == [day(2)]
            assert time.monotonic() - started < 5


async def test_a_firm_without_public_booking_sends_no_signal(
    client: httpx.AsyncClient, settings: Settings, world: World, other_world: World
) -> None:
    await go_public(client, world)
    with live(settings) as server:
        hub = server.app.state.public_hub
        async with public_stream(server.url, world) as stream:
            before = hub.signals
            await hold(client, other_world, slot(0))  # not public: the triggers stay silent
            await hold(client, world, slot(0))
            assert await stream.change() == [DAY]
            await asyncio.sleep(0)
            # Only this firm's signals reached the process (a hold and its claim).
            assert hub.signals - before <= 2
