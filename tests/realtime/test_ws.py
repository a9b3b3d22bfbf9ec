"""The WebSocket endpoint: handshake auth, subscribe/unsubscribe, topics, resume."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from slotwise.config import Settings
from slotwise.models import Location
from tests.appointments.helpers import change_appointment
from tests.factories import World
from tests.realtime.helpers import create, live, recv, slot, stream_token, subscribe, ws


async def nothing_pending(conn: ClientConnection) -> None:
    """Asserts that no event queued for the connection so far is still to come: a command
    is handled after every delivery queued before it, so the next messages are its acks."""
    await subscribe(conn, "probe")
    await conn.send(json.dumps({"type": "unsubscribe", "id": "probe"}))
    ack = await recv(conn)
    assert ack["type"] == "ack" and ack["id"] == "probe", ack


async def test_handshake_needs_a_stream_token(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    with live(settings) as server:
        for token in (None, world.tokens["director"], "nonsense"):
            async with ws(server.url, token) as conn:
                with pytest.raises(ConnectionClosed) as closed:
                    await recv(conn)
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == 4401
        # Non-browser clients may send the access token as a header instead.
        async with ws(server.url, headers=world.headers("worker")) as conn:
            assert (await subscribe(conn, "a"))["seq"] == 0


async def test_subscribe_events_unsubscribe_and_errors(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    with live(settings) as server:
        token = await stream_token(client, world, "worker")
        async with ws(server.url, token) as conn:
            assert await subscribe(conn, "all") == {"type": "ack", "id": "all", "seq": 0}
            appt = await create(client, world, [world.specialist_a, world.specialist_b])
            message = await recv(conn)
            assert message["type"] == "event" and message["subscription"] == "all"
            assert message["event"]["seq"] == 1
            assert message["event"]["type"] == "appointment.created"
            assert message["event"]["appointment"]["id"] == appt["id"]

            # The same filtering as the stream: removed from it, A gets the id only.
            await change_appointment(client, world, appt, worker_ids=[str(world.specialist_b)])
            removal = (await recv(conn))["event"]
            assert removal["type"] == "appointment.deleted"
            assert removal["appointment"] is None and removal["actor"] is None
            await create(client, world, [world.specialist_b], start=slot(1))  # not A's
            # Events arrive in order: the next one A sees comes first, not seq 3.
            await create(client, world, [world.specialist_a], start=slot(3))
            assert (await recv(conn))["event"]["seq"] == 4

            for bad, code in (
                ("not json", "invalid_message"),
                ("[1]", "invalid_message"),
                ('{"type": "dance", "id": "x"}', "unknown_type"),
                ('{"type": "subscribe", "id": "all"}', "duplicate_subscription"),
                ('{"type": "subscribe", "id": "t", "topic": "colour:red"}', "invalid_topic"),
                ('{"type": "subscribe", "id": "t", "topic": "location:zz"}', "invalid_topic"),
                ('{"type": "subscribe", "id": "t", "since": -1}', "invalid_message"),
                ('{"type": "unsubscribe", "id": "nope"}', "unknown_subscription"),
            ):
                await conn.send(bad)
                error = await recv(conn)
                assert error["type"] == "error" and error["code"] == code, (bad, error)

            await conn.send(json.dumps({"type": "unsubscribe", "id": "all"}))
            assert await recv(conn) == {"type": "ack", "id": "all", "seq": 4}
            await create(client, world, [world.specialist_a], start=slot(2))  # seq 5
            # A later subscription sees seq 6; "all" getting seq 5 would have come first.
            assert (await subscribe(conn, "later"))["seq"] == 5
            await create(client, world, [world.specialist_a], start=slot(4))
            message = await recv(conn)
            assert (message["subscription"], message["event"]["seq"]) == ("later", 6)


async def test_topics_and_resume(
    client: httpx.AsyncClient, settings: Settings, app: FastAPI, world: World
) -> None:
    async with app.state.sessionmaker.begin() as session:
        other = Location(
            firm_id=world.firm_id,
            name="Nord",
            address="Nordstr. 2",
            time_zone="Europe/Berlin",
            capacity=2,
        )
        session.add(other)
        await session.flush()
        other_id = other.id
    first = await create(client, world, [world.specialist_a], start=slot(0))  # seq 1
    with live(settings) as server:
        token = await stream_token(client, world, "director")
        async with ws(server.url, token) as conn:
            await subscribe(conn, "nord", f"location:{other_id}")
            week = f"range:{slot(3, 0).isoformat()}/{slot(3, 23).isoformat()}"
            await subscribe(conn, "week3", week)
            # Resume: what came after seq 0, then live, for this subscription only.
            assert (await subscribe(conn, "since", since=0))["seq"] == 1
            replayed = await recv(conn)
            assert (replayed["subscription"], replayed["event"]["seq"]) == ("since", 1)

            nord = await create(
                client, world, [world.specialist_b], start=slot(1), location_id=other_id
            )
            got = [await recv(conn) for _ in range(2)]
            assert {(m["subscription"], m["event"]["appointment_id"]) for m in got} == {
                ("nord", nord["id"]),
                ("since", nord["id"]),
            }
            third = await create(client, world, [world.specialist_c], start=slot(3, 10))
            got = [await recv(conn) for _ in range(2)]
            assert {(m["subscription"], m["event"]["seq"]) for m in got} == {
                ("week3", 3),
                ("since", 3),
            }
            # Moving an appointment out of the range still reaches the range's subscription,
            # so a client can drop it.
            await change_appointment(client, world, third, start_at=slot(4, 10).isoformat())
            got = [await recv(conn) for _ in range(2)]
            assert {m["subscription"] for m in got} == {"week3", "since"}
            await nothing_pending(conn)  # "nord" did not get it
        # A reconnect with since gets exactly what it missed.
        await change_appointment(client, world, first, notes="while away")  # seq 5
        async with ws(server.url, await stream_token(client, world, "client")) as conn:
            ack = await subscribe(conn, "mine", since=0)
            assert ack == {"type": "ack", "id": "mine", "seq": 5}
            await nothing_pending(conn)  # none of the five is the client's
        async with ws(server.url, token) as conn:
            await subscribe(conn, "again", since=3)
            assert [(await recv(conn))["event"]["seq"] for _ in range(2)] == [4, 5]
            await nothing_pending(conn)
