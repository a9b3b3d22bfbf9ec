"""SSE details: the first message, ids, retry, keepalive, resume, reset, and the tokens."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack

import httpx
from fastapi import FastAPI
from sqlalchemy import delete

from slotwise.config import Settings
from slotwise.models import Event
from slotwise.realtime import repository
from slotwise.realtime.views import ALL, deliver
from slotwise.security import create_access_token
from tests.appointments.helpers import change_appointment
from tests.factories import World
from tests.realtime.helpers import bulk_events, create, live, slot, sse, stream_token


async def test_connected_then_events_with_ids_and_keepalive(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    first = await create(client, world, [world.specialist_a])  # before connecting: not sent
    with live(settings, realtime_keepalive_seconds=0.3) as server:
        async with sse(server.url, headers=world.headers("director"), connected=False) as s:
            hello = await s.next()
            assert hello.retry == 3000
            assert hello.event == "connected"
            assert hello.json() == {"seq": 1}
            assert hello.id == "1"
            keepalive = await s.next(timeout=2)
            assert keepalive.comments == ["keepalive"] and keepalive.event is None

            moved = await change_appointment(client, world, first, start_at=slot(0, 12).isoformat())
            message = await s.event()
            assert message.id == "2"
            assert message.event == "appointment.updated"
            envelope = message.json()
            assert envelope["seq"] == 2
            assert envelope["appointment_id"] == first["id"]
            assert envelope["changed"] == ["end_at", "start_at"]
            assert envelope["actor"]["name"] == "Director"
            assert envelope["appointment"]["start_at"] == moved["start_at"]
            assert envelope["appointment"]["version"] == moved["version"]


async def test_tokens(
    client: httpx.AsyncClient, settings: Settings, app: FastAPI, world: World
) -> None:
    with live(settings) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            none = await http.get("/api/v1/events/stream")
            assert none.status_code == 401
            assert none.json()["code"] == "not_authenticated"
            # The access token itself is never accepted in a URL.
            access = world.tokens["worker"]
            in_url = await http.get("/api/v1/events/stream", params={"token": access})
            assert in_url.status_code == 401
            assert in_url.json()["code"] == "invalid_token"
            # Nor a stream token as a bearer token for the REST API.
            token = await stream_token(client, world, "worker")
            rest = await client.get(
                "/api/v1/appointments", headers={"Authorization": f"Bearer {token}"}
            )
            assert rest.status_code == 401
            me = (await client.get("/api/v1/me", headers=world.headers("worker"))).json()
            expired, _ = create_access_token(
                user_id=uuid.UUID(me["id"]),
                firm_id=world.firm_id,
                role="worker",
                secret=app.state.secret_key,
                ttl_seconds=-5,
                purpose="stream",
            )
            old = await http.get("/api/v1/events/stream", params={"token": expired})
            assert old.status_code == 401
        async with sse(server.url, params={"token": token}) as stream:
            assert stream.connected.json() == {"seq": 0}
            await create(client, world, [world.specialist_a])
            assert (await stream.event()).event == "appointment.created"


async def test_resume_with_last_event_id_gets_exactly_what_was_missed(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    with live(settings) as server:
        headers = world.headers("worker")
        async with sse(server.url, headers=headers) as s:
            a = await create(client, world, [world.specialist_a], start=slot(0, 9))
            received = await s.event()
            assert received.id == "1"
        # While the worker is away: two of theirs, one of someone else's, one change.
        b = await create(client, world, [world.specialist_a], start=slot(0, 11))
        await create(client, world, [world.specialist_b], start=slot(0, 13))
        await change_appointment(client, world, a, notes="moved chair")
        async with sse(server.url, headers={**headers, "Last-Event-ID": received.id}) as s:
            assert s.connected.json() == {"seq": 4}
            assert s.connected.id == "1"  # the stream starts where the client was
            missed = [await s.event() for _ in range(2)]
            assert [(m.id, m.event, m.json()["appointment_id"]) for m in missed] == [
                ("2", "appointment.created", b["id"]),
                ("4", "appointment.updated", a["id"]),
            ]
            c = await create(client, world, [world.specialist_a], start=slot(0, 15))
            live_one = await s.event()
            assert (live_one.id, live_one.json()["appointment_id"]) == ("5", c["id"])
            # Nothing twice: the next event to come is the next one written.
            await create(client, world, [world.specialist_a], start=slot(0, 17))
            assert (await s.event()).id == "6"
        # The query parameter works the same (EventSource's first connection cannot set
        # the header); the header wins when both are there.
        async with sse(server.url, headers=headers, params={"last_event_id": 2}) as s:
            assert [m["seq"] for m in await s.events(2)] == [4, 5]
        async with sse(
            server.url, headers={**headers, "Last-Event-ID": "4"}, params={"last_event_id": 0}
        ) as s:
            assert [m["seq"] for m in await s.events(1)] == [5]


async def test_reset_when_the_position_is_older_than_retention(
    client: httpx.AsyncClient, settings: Settings, app: FastAPI, world: World
) -> None:
    for hour in (9, 11, 13):
        await create(client, world, [world.specialist_a], start=slot(0, hour))
    async with app.state.sessionmaker.begin() as session:  # retention purged 1 and 2
        await session.execute(delete(Event).where(Event.firm_id == world.firm_id, Event.seq < 3))
    with live(settings) as server:
        headers = world.headers("director")
        async with sse(server.url, headers={**headers, "Last-Event-ID": "0"}, connected=False) as s:
            assert (await s.next()).event == "connected"
            reset = await s.next()
            assert reset.event == "reset"
            assert reset.json() == {"seq": 3}
            assert reset.id == "3"
            await create(client, world, [world.specialist_b])
            assert (await s.event()).id == "4"
        # Resuming right before the oldest retained event is complete: no reset.
        async with sse(server.url, headers={**headers, "Last-Event-ID": "2"}) as s:
            assert [m["seq"] for m in await s.events(2)] == [3, 4]
        # A position from the future (another database) is reset too.
        async with sse(
            server.url, headers={**headers, "Last-Event-ID": "99"}, connected=False
        ) as s:
            await s.next()
            assert (await s.next()).event == "reset"
        async with httpx.AsyncClient(base_url=server.url) as http:
            bad = await http.get(
                "/api/v1/events/stream", headers={**headers, "Last-Event-ID": "abc"}
            )
            assert bad.status_code == 422
            assert bad.json()["code"] == "invalid_last_event_id"


async def test_disconnected_clients_leave_the_hub(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    with live(settings, realtime_keepalive_seconds=0.2) as server:
        async with sse(server.url, headers=world.headers("client")):
            assert server.app.state.hub.subscriber_count(world.firm_id) == 1
        for _ in range(50):
            if server.app.state.hub.subscriber_count(world.firm_id) == 0:
                break
            await asyncio.sleep(0.05)
        assert server.app.state.hub.subscriber_count(world.firm_id) == 0


async def test_many_streams_open_at_once_on_a_small_pool(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    """Opening a stream holds one pooled connection at a time (never a second one while
    others wait for the first), so a rush of subscribers cannot exhaust the pool."""
    with live(settings, db_pool_size=2, db_max_overflow=0) as server:
        async with AsyncExitStack() as stack, asyncio.timeout(15):
            roles = ["director", "worker", "worker_b", "client"] * 4
            readers = await asyncio.gather(
                *(
                    stack.enter_async_context(sse(server.url, headers=world.headers(role)))
                    for role in roles
                )
            )
            await create(client, world, [world.specialist_a], client_id=world.client_id)
            for role, reader in zip(roles, readers, strict=True):
                if role != "worker_b":
                    assert (await reader.event()).json()["seq"] == 1


class _RawStream:
    """An event stream read as the HTTP chunks the server wrote (uvicorn frames a body
    without a length as chunked transfer encoding)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str, token: str) -> _RawStream:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            f"GET /api/v1/events/stream HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head
        return cls(reader, writer)

    async def chunk(self) -> bytes:
        async with asyncio.timeout(5):
            size = int((await self.reader.readline()).strip(), 16)
            data = await self.reader.readexactly(size)
            assert await self.reader.readexactly(2) == b"\r\n"
        return data


async def test_every_stream_of_a_view_writes_the_shared_bytes_and_waiting_events_in_one_chunk(
    client: httpx.AsyncClient, settings: Settings, app: FastAPI, world: World
) -> None:
    with live(settings) as server:
        streams = [await _RawStream.open(server.url, world.tokens["director"]) for _ in range(2)]
        try:
            for stream in streams:
                assert b"event: connected" in await stream.chunk()
            appointment = await create(client, world, [world.specialist_a])

            async def shared() -> list[bytes]:
                async with app.state.sessionmaker() as session:
                    stored = await repository.read_visible(session, world.firm_id, ALL, 0, 10)
                return [d.sse for event in stored if (d := deliver(event, ALL)) is not None]

            [created] = await shared()
            assert created.startswith(b"id: 1\nevent: appointment.created\ndata: {")
            # Each stream has written it before the next events exist (else a busy hub may
            # read them all at once, and rightly write them in one chunk).
            for stream in streams:
                assert await stream.chunk() == created
            # Three events in one transaction: the hub reads and queues them together, and
            # each stream writes what is waiting in one send.
            await bulk_events(settings, world, appointment, 3)
            events = await shared()
            assert [e.split(b"\n", 1)[0] for e in events] == [
                b"id: 1",
                b"id: 2",
                b"id: 3",
                b"id: 4",
            ]
            for stream in streams:
                assert await stream.chunk() == b"".join(events[1:])
        finally:
            for stream in streams:  # closed before the server stops, which waits for them
                stream.writer.close()
                await stream.writer.wait_closed()
