"""Faults: a killed LISTEN backend, writers committing out of order, a client that stopped
reading."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from contextlib import AsyncExitStack

import httpx
import psycopg
from fastapi import FastAPI
from sqlalchemy import text

from slotwise.config import Settings
from slotwise.db import ApplicationName, libpq_dsn
from slotwise.realtime.events import record_appointment_change
from slotwise.records import AppointmentOut
from tests.appointments.helpers import change_appointment
from tests.factories import World
from tests.realtime.helpers import Live, bulk_events, create, live, slot, sse


async def _kill_listener(settings: Settings, server: Live) -> None:
    listener = server.app.state.listener
    pid = listener.backend_pid
    assert pid is not None
    async with await psycopg.AsyncConnection.connect(
        libpq_dsn(settings.database_url or ""), autocommit=True
    ) as conn:
        row = await (
            await conn.execute(
                "SELECT application_name, pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE pid = %s",
                (pid,),
            )
        ).fetchone()
    assert row == (ApplicationName.LISTENER, True)


async def _reconnected(server: Live, connections: int) -> None:
    async with asyncio.timeout(10):
        while server.app.state.listener.connections <= connections:
            await asyncio.sleep(0.02)


async def _waits_for_a_lock(settings: Settings, pid: int) -> None:
    """Until the backend ``pid`` waits for a lock another transaction holds."""
    async with (
        await psycopg.AsyncConnection.connect(
            libpq_dsn(settings.database_url or ""), autocommit=True
        ) as conn,
        asyncio.timeout(30),
    ):
        while (
            await (
                await conn.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
                )
            ).fetchone()
        ) != ("Lock",):
            await asyncio.sleep(0.02)


async def test_killed_listener_loses_nothing(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    with live(settings, realtime_liveness_interval_seconds=0.5) as server:
        async with AsyncExitStack() as stack:
            staff, worker, customer = [
                await stack.enter_async_context(sse(server.url, headers=world.headers(role)))
                for role in ("director", "worker", "client")
            ]
            expected: dict[str, list[int]] = {"staff": [], "worker": [], "client": []}

            async def produce(round_: int) -> None:
                for hour in range(9, 15):
                    workers = [world.specialist_a] if hour % 2 else [world.specialist_b]
                    customer_id = world.client_id if hour % 3 == 0 else None
                    appt = await create(
                        client, world, workers, client_id=customer_id, start=slot(round_, hour)
                    )
                    for _ in range(2):
                        seq = len(expected["staff"]) + 1
                        expected["staff"].append(seq)
                        if workers == [world.specialist_a]:
                            expected["worker"].append(seq)
                        if customer_id is not None:
                            expected["client"].append(seq)
                        if _ == 0:
                            appt = await change_appointment(
                                client, world, appt, notes=f"round {round_}"
                            )

            for round_ in range(3):  # the backend is killed while events are produced
                connections = server.app.state.listener.connections
                producing = asyncio.create_task(produce(round_))
                await asyncio.sleep(0.05)
                await _kill_listener(settings, server)
                await producing
                await _reconnected(server, connections)

            # Events whose NOTIFY never arrived (sent while no one listened): only the
            # catch-up after the next reconnect can deliver them.
            appt = await create(client, world, [world.specialist_a], start=slot(5))
            for _ in range(4):
                expected["staff"].append(len(expected["staff"]) + 1)
                expected["worker"].append(expected["staff"][-1])
            staff_seen = await staff.events(len(expected["staff"]) - 3)
            await bulk_events(settings, world, appt, 3, notify=False)
            connections = server.app.state.listener.connections
            await _kill_listener(settings, server)
            await _reconnected(server, connections)
            staff_seen += await staff.events(3)
            assert [e["seq"] for e in staff_seen] == expected["staff"]
            expected["staff"] = []

            # One more that everyone sees: nothing came twice if it is next for each.
            last = await create(
                client, world, [world.specialist_a], client_id=world.client_id, start=slot(6)
            )
            for name, reader in (("staff", staff), ("worker", worker), ("client", customer)):
                got = await reader.events(len(expected[name]) + 1)
                assert [e["seq"] for e in got[:-1]] == expected[name], name
                assert got[-1]["appointment_id"] == last["id"], name
    assert len(expected["client"]) >= 6


async def test_writers_commit_in_sequence_order(
    client: httpx.AsyncClient, settings: Settings, app: FastAPI, world: World
) -> None:
    appt = AppointmentOut.model_validate(await create(client, world, [world.specialist_a]))
    maker = app.state.sessionmaker
    with live(settings) as server:
        async with sse(
            server.url, headers=world.headers("director"), params={"last_event_id": 0}
        ) as stream:
            assert (await stream.event()).json()["seq"] == 1
            async with maker() as first, maker() as second:
                one = await record_appointment_change(
                    first, world.firm_id, appt, appt.model_copy(update={"notes": "first"}), None
                )
                assert one is not None and one.seq == 2

                async def take_second() -> int:
                    two = await record_appointment_change(
                        second, world.firm_id, appt, appt.model_copy(update={"notes": "2nd"}), None
                    )
                    assert two is not None
                    await second.commit()
                    return two.seq

                # The second writer tries to commit first: it cannot even get its number
                # until the first one committed.
                pid = (await second.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                second_writer = asyncio.create_task(take_second())
                await _waits_for_a_lock(settings, pid)
                assert not second_writer.done()
                await first.commit()
                assert await asyncio.wait_for(second_writer, 5) == 3
            got = [await stream.event() for _ in range(2)]
            assert [(m.json()["seq"], m.json()["appointment"]["notes"]) for m in got] == [
                (2, "first"),
                (3, "2nd"),
            ]


async def test_a_subscriber_that_stops_reading_is_dropped(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    appointment = await create(client, world, [world.specialist_a])
    with live(settings, realtime_queue_size=32) as server:
        host, port = server.url.removeprefix("http://").split(":")
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect((host, int(port)))
        stalled.sendall(
            f"GET /api/v1/events/stream HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {world.tokens['director']}\r\n\r\n".encode()
        )
        hub = server.app.state.hub
        try:
            async with sse(server.url, headers=world.headers("director")) as healthy:
                deadline = time.monotonic() + 5
                while hub.subscriber_count(world.firm_id) < 2:
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.02)
                count = 1500  # ~7.5 MB: more than the stalled socket's buffers hold
                await bulk_events(settings, world, appointment, count, notes_size=5000)
                seqs = [(await healthy.event()).json()["seq"] for _ in range(count)]
                assert seqs == list(range(2, count + 2))
                assert hub.dropped == 1
                assert hub.subscriber_count(world.firm_id) == 1  # only the healthy one left
            # The stalled client's stream was closed by the server: after what the buffers
            # held, it reads the end of the connection.
            stalled.settimeout(10)
            received = b""
            while chunk := stalled.recv(1 << 20):
                received += chunk
            assert received.startswith(b"HTTP/1.1 200")
            assert len(received) < count * 5000
            last_id = max(
                int(line.split(b": ")[1])
                for line in received.split(b"\n")
                if line.startswith(b"id: ")
            )
            assert last_id < count + 1  # it can resume from there
            assert json.loads(received.split(b"data: ")[1].split(b"\n")[0]) == {"seq": 1}
        finally:
            stalled.close()
