"""Every appointment change writes one event, in its own transaction, with a gap-free seq."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import Event
from tests.booking.helpers import at, book, hold, next_monday
from tests.factories import World


async def _events(app: FastAPI, world: World) -> list[Event]:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        return list(
            (
                await session.scalars(
                    select(Event).where(Event.firm_id == world.firm_id).order_by(Event.seq)
                )
            ).all()
        )


async def test_every_write_path_records_an_event(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    day = next_monday()
    created = (
        await book(client, world, at(day, 10), 30, [world.specialist_a, world.specialist_b])
    ).json()
    headers = {**world.headers("director"), "If-Match": '"1"'}
    moved = await client.patch(
        f"/api/v1/appointments/{created['id']}",
        headers=headers,
        json={"worker_ids": [str(world.specialist_b), str(world.specialist_c)]},
    )
    assert moved.status_code == 200
    # A request that changes nothing writes no event.
    same = await client.patch(
        f"/api/v1/appointments/{created['id']}",
        headers={**world.headers("director"), "If-Match": '"2"'},
        json={"notes": created["notes"]},
    )
    assert same.status_code == 200
    opened = await client.patch(
        f"/api/v1/appointments/{created['id']}",
        headers={**world.headers("worker_b"), "If-Match": '"2"'},
        json={"is_open": True},
    )
    assert opened.status_code == 200
    held = (await hold(client, world, "client", at(day, 14))).json()
    confirmed = await client.post(
        "/api/v1/appointments", headers=world.headers("client"), json={"hold_id": held["id"]}
    )
    assert confirmed.status_code == 201
    deleted = await client.delete(
        f"/api/v1/appointments/{created['id']}", headers=world.headers("director")
    )
    assert deleted.status_code == 204
    failed = await book(client, world, at(day, 14), 30, [world.specialist_a])  # 409: no event
    assert failed.status_code == 409

    events = await _events(app, world)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.type for e in events] == [
        "appointment.created",
        "appointment.updated",
        "appointment.updated",
        "appointment.created",
        "appointment.deleted",
    ]
    reassigned = events[1]
    assert set(reassigned.worker_ids_before) == {world.specialist_a, world.specialist_b}
    assert set(reassigned.worker_ids) == {world.specialist_b, world.specialist_c}
    assert reassigned.changed == ["worker_ids"]
    assert set(events[2].changed) == {"is_open", "opened_at"}
    assert events[2].actor_name == "Worker_B"  # who opened it, for "Ben started ..." toasts
    assert events[0].actor_name == "Director"
    assert events[2].data["is_open"] is True
    assert events[3].client_id == world.client_id
    assert events[4].data["id"] == created["id"]
    assert events[4].worker_ids == []
    assert set(events[4].worker_ids_before) == {world.specialist_b, world.specialist_c}
