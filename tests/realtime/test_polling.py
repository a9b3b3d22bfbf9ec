"""Polling fallback: GET /events with the same filtering, limit and reset."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import delete

from slotwise.models import Event
from tests.appointments.helpers import change_appointment
from tests.factories import World
from tests.realtime.helpers import create, slot


async def _poll(
    client: httpx.AsyncClient, world: World, role: str, **params: int
) -> httpx.Response:
    return await client.get("/api/v1/events", headers=world.headers(role), params=params)


async def test_polling_filters_pages_and_resets(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    start = await _poll(client, world, "worker")
    assert start.status_code == 200
    assert start.json() == {"items": [], "last_seq": 0, "reset": False}

    shared = await create(
        client,
        world,
        [world.specialist_a, world.specialist_b],
        client_id=world.client_id,
        notes="internal",
    )  # 1
    await create(client, world, [world.specialist_b], start=slot(1))  # 2
    await change_appointment(client, world, shared, worker_ids=[str(world.specialist_b)])  # 3
    for hour in (9, 11, 13):  # 4, 5, 6
        await create(client, world, [world.specialist_a], start=slot(2, hour))

    worker = (await _poll(client, world, "worker", after=0)).json()
    assert [(e["seq"], e["type"]) for e in worker["items"]] == [
        (1, "appointment.created"),
        (3, "appointment.deleted"),
        (4, "appointment.created"),
        (5, "appointment.created"),
        (6, "appointment.created"),
    ]
    assert worker["items"][1]["appointment"] is None
    assert worker["last_seq"] == 6 and worker["reset"] is False

    # limit: a full page continues from its last item, nothing is skipped.
    page = (await _poll(client, world, "worker", after=0, limit=2)).json()
    assert [e["seq"] for e in page["items"]] == [1, 3]
    assert page["last_seq"] == 3
    rest = (await _poll(client, world, "worker", after=3, limit=2)).json()
    assert [e["seq"] for e in rest["items"]] == [4, 5] and rest["last_seq"] == 5
    tail = (await _poll(client, world, "worker", after=5, limit=2)).json()
    assert [e["seq"] for e in tail["items"]] == [6] and tail["last_seq"] == 6

    customer = (await _poll(client, world, "client", after=0)).json()
    assert [e["seq"] for e in customer["items"]] == [1, 3]
    assert all(e["actor"] is None and "notes" not in e["appointment"] for e in customer["items"])
    staff = (await _poll(client, world, "director", after=0)).json()
    assert [e["seq"] for e in staff["items"]] == [1, 2, 3, 4, 5, 6]
    assert staff["items"][0]["appointment"]["notes"] == "internal"
    assert staff["items"][0]["actor"]["name"] == "Director"

    async with app.state.sessionmaker.begin() as session:
        await session.execute(delete(Event).where(Event.firm_id == world.firm_id, Event.seq <= 2))
    assert (await _poll(client, world, "director", after=2)).json()["reset"] is False
    reset = (await _poll(client, world, "director", after=1)).json()
    assert reset == {"items": [], "last_seq": 6, "reset": True}


async def test_polling_rules(client: httpx.AsyncClient, world: World, other_world: World) -> None:
    assert (await client.get("/api/v1/events")).status_code == 401
    assert (await client.get("/openapi.json")).status_code == 200  # the stream documents
    assert (await _poll(client, world, "director", limit=0)).status_code == 422
    assert (await _poll(client, world, "director", after=-1)).status_code == 422
    # Another firm's events never show.
    await create(client, other_world, [other_world.specialist_a])
    mine = (await _poll(client, world, "director", after=0)).json()
    assert mine == {"items": [], "last_seq": 0, "reset": False}
