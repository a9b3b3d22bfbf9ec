"""Where the public availability signals come from: the database, whatever path wrote it.

Rows written straight in SQL (as any future code path would, a guest hold or a calendar
sync), catalog rules, the signal's own payload, and a lost LISTEN connection.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta

import httpx
import psycopg

from slotwise.config import Settings
from slotwise.db import libpq_dsn
from slotwise.public.live import AVAILABILITY_CHANNEL, parse
from tests.factories import World
from tests.public.stream_helpers import API, go_public, hold, public_stream
from tests.public.test_stream_live import DAY, day, slot
from tests.realtime.helpers import create, live
from tests.realtime.test_faults import _kill_listener, _reconnected


async def _connect(settings: Settings) -> psycopg.AsyncConnection[tuple[object, ...]]:
    return await psycopg.AsyncConnection.connect(
        libpq_dsn(settings.database_url or ""), autocommit=True
    )


async def test_a_hold_written_by_any_code_is_announced_and_so_is_its_expiry(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    start = slot(0)
    with live(settings) as server:
        async with public_stream(server.url, world) as stream, await _connect(settings) as conn:
            # A hold and its claim as some other module might write them (no app code).
            async with conn.transaction():
                row = await (
                    await conn.execute(
                        "INSERT INTO holds (id, firm_id, user_id, location_id, specialist_id,"
                        " service_id, start_at, end_at, expires_at)"
                        " SELECT gen_random_uuid(), f.id, u.id, %(loc)s, %(spec)s, %(svc)s,"
                        " %(start)s, %(end)s, now() + interval '1 second'"
                        " FROM firms f JOIN users u ON u.firm_id = f.id"
                        " WHERE f.id = %(firm)s AND u.role = 'client' RETURNING id",
                        {
                            "firm": world.firm_id,
                            "loc": world.location_id,
                            "spec": world.specialist_a,
                            "svc": world.service_id,
                            "start": start,
                            "end": start + timedelta(minutes=30),
                        },
                    )
                ).fetchone()
                assert row is not None
                await conn.execute(
                    "INSERT INTO time_claims (id, firm_id, hold_id, specialist_id, during)"
                    " VALUES (gen_random_uuid(), %s, %s, %s, tstzrange(%s, %s))",
                    (
                        world.firm_id,
                        row[0],
                        world.specialist_a,
                        start,
                        start + timedelta(minutes=40),
                    ),
                )
            assert await stream.change() == [DAY]
            # It runs out by itself, and the page hears of it.
            assert await stream.change_with(DAY) == [DAY]
            assert server.app.state.public_hub.pending_expiries() == 0
            # Cleaning the expired hold up frees nothing: nothing is announced for it, and
            # the next announcement is of the next change.
            await conn.execute("DELETE FROM holds WHERE id = %s", (row[0],))
            await create(client, world, [world.specialist_b], start=slot(2))
            assert await stream.change() == [day(2)]


async def test_the_signal_names_only_the_firm_locations_days_and_an_expiry(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    async with await _connect(settings) as conn:
        await conn.execute(f"LISTEN {AVAILABILITY_CHANNEL}")
        held = await hold(client, world, slot(0))
        payloads: list[dict[str, object]] = []
        async with asyncio.timeout(5):
            async for note in conn.notifies():
                payloads.append(json.loads(note.payload))
                # The hold's and its claim's are the same: PostgreSQL sends them as one.
                break
        await conn.execute(f"UNLISTEN {AVAILABILITY_CHANNEL}")
    for payload in payloads:
        assert set(payload) == {"f", "l", "x"}, payload
        assert payload["f"] == str(world.firm_id)
        assert isinstance(payload["l"], dict)
        [(location, (zone, low, high))] = payload["l"].items()
        assert (location, zone) == (str(world.location_id), "Europe/Berlin")
        # The hold's own time, widened by the longest a slot can reach (30 + 10 min + 1).
        assert low == slot(0).timestamp() - 41 * 60
        assert high == slot(0).timestamp() + (30 + 41) * 60
        assert payload["x"] is not None
    text = json.dumps(payloads)
    for private in (held["id"], world.specialist_a, world.client_id, world.service_id):
        assert str(private) not in text


async def test_catalog_rules_are_announced(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    director = world.headers("director")
    with live(settings) as server:
        async with public_stream(server.url, world) as stream:
            monday = slot(1).date()
            holiday = await client.post(
                f"{API}/locations/{world.location_id}/holidays",
                headers=director,
                json={"date": monday.isoformat(), "description": "closed"},
            )
            assert holiday.status_code == 201, holiday.text
            days = await stream.change()
            assert days is not None and day(1) in days and len(days) <= 3

            brk = await client.post(
                f"{API}/specialists/{world.specialist_b}/breaks",
                headers=director,
                json={"date": day(2), "start_time": "12:00", "end_time": "13:00"},
            )
            assert brk.status_code == 201, brk.text
            days = await stream.change()
            assert days is not None and day(2) in days and len(days) <= 3

            hours = await client.put(
                f"{API}/locations/{world.location_id}/hours",
                headers=director,
                json=[{"day_of_week": 0, "start_time": "10:00", "end_time": "16:00"}],
            )
            assert hours.status_code == 200, hours.text
            assert await stream.change() is None  # any day may have changed

            service = await client.patch(
                f"{API}/services/{world.service_id}",
                headers=director,
                json={"duration_minutes": 45},
            )
            assert service.status_code == 200, service.text
            assert await stream.change() is None

            rules = await client.patch(
                f"{API}/firm", headers=director, json={"slot_step_minutes": 30}
            )
            assert rules.status_code == 200, rules.text
            assert await stream.change() is None


async def test_the_stream_survives_a_lost_listener_and_says_anything_may_have_changed(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    with live(settings, realtime_liveness_interval_seconds=0.5) as server:
        async with public_stream(server.url, world) as stream:
            connections = server.app.state.listener.connections
            await _kill_listener(settings, server)
            await _reconnected(server, connections)
            # Signals sent while it was away are lost: the page refetches everything.
            assert await stream.change() is None
            await create(client, world, [world.specialist_b], start=slot(2))
            assert await stream.change_with(day(2)) == [day(2)]


async def test_streams_of_other_locations_hear_nothing(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    created = await client.post(
        f"{API}/locations",
        headers=world.headers("director"),
        json={"name": "Elsewhere", "time_zone": "Europe/Berlin"},
    )
    assert created.status_code == 201, created.text
    elsewhere = uuid.UUID(created.json()["id"])
    with live(settings) as server:
        async with (
            public_stream(server.url, world, location_id=elsewhere) as there,
            public_stream(server.url, world) as here,
        ):
            await hold(client, world, slot(0))  # nobody works at the new location
            assert await here.change() == [DAY]
            holiday = await client.post(
                f"{API}/locations/{elsewhere}/holidays",
                headers=world.headers("director"),
                json={"date": day(1)},
            )
            assert holiday.status_code == 201, holiday.text
            # The first thing it hears is its own holiday, not the hold before it.
            days = await there.change()
            assert days is not None and day(1) in days


def test_a_signal_becomes_local_days_and_an_unknown_zone_every_day() -> None:
    firm, here, there = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # 2026-03-28 23:30 to 2026-03-29 01:30 UTC: in Berlin the night the clocks go forward.
    low, high = 1774740600, 1774747800
    signal = parse(
        json.dumps(
            {
                "f": str(firm),
                "l": {str(here): ["Europe/Berlin", low, high], str(there): ["No/Such_Zone", 0, 1]},
                "x": None,
            }
        )
    )
    assert signal.firm_id == firm and signal.expires_at is None
    assert dict(signal.locations or ()) == {
        here: (date(2026, 3, 29), date(2026, 3, 29)),
        there: None,
    }
    assert parse(json.dumps({"f": str(firm), "l": None, "x": 1.5})).locations is None
