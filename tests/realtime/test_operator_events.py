"""A sync conflict that opens is an event for the firm's owners and directors on the staff
stream (live, on resume and by polling), and for nobody else: not managers, workers,
clients, nor another firm."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from slotwise.config import Settings
from slotwise.connections import repository
from slotwise.models import Connection, SyncConflict
from slotwise.realtime.events import conflict_view, record_sync_conflict
from tests.factories import World, add_connection
from tests.realtime.helpers import create, live, slot, sse

CONFLICT = "sync.conflict_opened"


async def _conflict(
    app: FastAPI, world: World, connection_id: uuid.UUID, appointment: dict[str, Any]
) -> uuid.UUID:
    """A record over the appointment, as the poller records it: the conflict, and its event
    when it is new."""
    start = slot(0) + timedelta(minutes=15)
    async with app.state.sessionmaker.begin() as session:
        connection = await session.get(Connection, connection_id)
        assert connection is not None
        opened = await repository.open_conflict(
            session,
            connection,
            external_id="4564:9001",
            appointment_id=uuid.UUID(appointment["id"]),
            reason="The specialist is already claimed by an appointment",
            payload={"record": {"id": 9001, "datetime": start.isoformat(), "seance_length": 2700}},
        )
        assert opened.created
        await record_sync_conflict(session, world.firm_id, opened.conflict)
        return opened.conflict.id


def _check(envelope: dict[str, Any], conflict_id: uuid.UUID, appointment_id: str) -> None:
    assert envelope["type"] == CONFLICT
    assert envelope["appointment_id"] is None and envelope["appointment"] is None
    conflict = envelope["conflict"]
    assert conflict["id"] == str(conflict_id)
    assert conflict["appointment_id"] == appointment_id
    assert conflict["connection_name"] == "YClients" and conflict["connection_kind"] == "yclients"
    assert conflict["status"] == "open" and conflict["external_id"] == "4564:9001"
    # 10:15 to 11:00 UTC, written as the API writes times.
    assert (conflict["start_at"], conflict["end_at"]) == (
        "2031-01-06T10:15:00Z",
        "2031-01-06T11:00:00Z",
    )


async def test_the_conflict_reaches_owners_and_directors_only(
    client: httpx.AsyncClient, settings: Settings, app: FastAPI, world: World, other_world: World
) -> None:
    connection_id = await add_connection(app, world)
    appointment = await create(client, world, [world.specialist_a], client_id=world.client_id)
    with live(settings) as server:
        async with AsyncExitStack() as stack:
            readers = {
                role: await stack.enter_async_context(sse(server.url, headers=world.headers(role)))
                for role in ("owner", "director", "manager", "worker", "client")
            }
            outsider = await stack.enter_async_context(
                sse(server.url, headers=other_world.headers("director"))
            )
            conflict_id = await _conflict(app, world, connection_id, appointment)
            for role in ("owner", "director"):
                message = await readers[role].event()
                assert message.event == CONFLICT and message.id == "2"
                _check(message.json(), conflict_id, appointment["id"])
            # The others' next event is the next appointment change: the conflict never came.
            later = await create(client, world, [world.specialist_a], start=slot(1))
            for role in ("manager", "worker", "owner"):
                message = await readers[role].event()
                assert message.event == "appointment.created", role
                assert message.json()["appointment_id"] == later["id"]
            other = await create(client, other_world, [other_world.specialist_a])
            assert (await outsider.event()).json()["appointment_id"] == other["id"]

        # Resuming from before it replays it to a director, not to a manager.
        async with sse(
            server.url, headers=world.headers("director"), params={"last_event_id": 1}
        ) as director:
            assert [m["type"] for m in await director.events(2)] == [
                CONFLICT,
                "appointment.created",
            ]
        async with sse(
            server.url, headers=world.headers("manager"), params={"last_event_id": 1}
        ) as manager:
            assert (await manager.event()).json()["appointment_id"] == later["id"]

    # Polling: the same envelopes.
    polled = await client.get(
        "/api/v1/events", headers=world.headers("director"), params={"after": 0}
    )
    assert polled.status_code == 200, polled.text
    items = polled.json()["items"]
    types = [item["type"] for item in items]
    assert types == ["appointment.created", CONFLICT, "appointment.created"]
    _check(items[1], conflict_id, appointment["id"])
    assert "conflict" not in items[0]  # only an event about a conflict carries one
    for role in ("manager", "worker"):
        seen = await client.get("/api/v1/events", headers=world.headers(role), params={"after": 0})
        assert CONFLICT not in [item["type"] for item in seen.json()["items"]], role
        assert seen.json()["last_seq"] == 3


def test_the_record_time_is_read_from_the_payload_in_utc() -> None:
    connection = Connection(id=uuid.uuid4(), firm_id=uuid.uuid4(), kind="yclients", name="YClients")
    conflict = SyncConflict(
        id=uuid.uuid4(),
        firm_id=connection.firm_id,
        connection_id=connection.id,
        external_id="1:2",
        reason="overlap",
        status="open",
        created_at=datetime(2031, 1, 6, 9, 0, tzinfo=UTC),
        payload={"record": {"datetime": "2031-01-06T13:15:00+03:00", "seance_length": 2700}},
    )
    view = conflict_view(conflict, connection)
    assert (view["start_at"], view["end_at"]) == ("2031-01-06T10:15:00Z", "2031-01-06T11:00:00Z")
    for payload in (
        {},
        {"record": {"datetime": "2031-01-06T13:15:00", "seance_length": 2700}},  # no offset
        {"record": {"datetime": "2031-01-06T13:15:00+03:00", "seance_length": 0}},
        {"record": {"datetime": "soon", "length": 60}},
        {"record": {"datetime": "2031-01-06T13:15:00+03:00", "seance_length": [1]}},
    ):
        conflict.payload = payload
        assert conflict.record_span() is None, payload
        assert conflict_view(conflict, connection)["start_at"] is None
    conflict.payload = {"record": {"datetime": "2031-01-06T13:15:00+03:00", "length": "600"}}
    assert conflict.record_span() == (
        datetime(2031, 1, 6, 10, 15, tzinfo=UTC),
        datetime(2031, 1, 6, 10, 25, tzinfo=UTC),
    )
