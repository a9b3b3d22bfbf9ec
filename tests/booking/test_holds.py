"""Holds and their confirmation: the two-step booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import Appointment, Hold, TimeClaim
from tests.booking.helpers import at, hold, next_monday
from tests.factories import World


async def _count(app: FastAPI, model: type[Hold] | type[Appointment] | type[TimeClaim],
                 world: World) -> int:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        return int(await session.scalar(
            select(func.count()).select_from(model).where(model.firm_id == world.firm_id)) or 0)


async def test_hold_then_confirm(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    start = at(next_monday(), 10)
    before = datetime.now(UTC)
    resp = await hold(client, world, "client", start, specialist_id=world.specialist_a)
    assert resp.status_code == 201, resp.text
    held = resp.json()
    assert held["specialist_id"] == str(world.specialist_a)
    assert held["client_id"] == str(world.client_id)
    assert datetime.fromisoformat(held["start_at"]) == start
    assert datetime.fromisoformat(held["end_at"]) == start + timedelta(minutes=30)
    expires = datetime.fromisoformat(held["expires_at"])
    assert before + timedelta(seconds=110) < expires <= datetime.now(UTC) + timedelta(seconds=121)

    confirmed = await client.post("/api/v1/appointments", headers=world.headers("client"),
                                  json={"hold_id": held["id"], "notes": "first visit"})
    assert confirmed.status_code == 201, confirmed.text
    appointment = confirmed.json()
    assert appointment["workers"] == [{"id": str(world.specialist_a), "name": "Anna"}]
    assert [(s["name"], s["price"]) for s in appointment["services"]] == [("Haircut", "25.00")]
    assert appointment["client"]["id"] == str(world.client_id)
    assert appointment["source"] == "booking"
    assert datetime.fromisoformat(appointment["start_at"]) == start
    assert confirmed.headers["etag"] == '"1"'

    # The hold is consumed; its time now belongs to the appointment.
    gone = await client.get(f"/api/v1/holds/{held['id']}", headers=world.headers("client"))
    assert gone.status_code == 404
    assert await _count(app, Hold, world) == 0
    again = await client.post("/api/v1/appointments", headers=world.headers("client"),
                              json={"hold_id": held["id"]})
    assert again.status_code == 404


async def test_overlapping_hold_is_slot_taken_naming_the_range(
        client: httpx.AsyncClient, world: World) -> None:
    start = at(next_monday(), 11)
    first = await hold(client, world, "client", start, specialist_id=world.specialist_a)
    assert first.status_code == 201
    # 30 min + 10 min break after: 11:30 is still blocked for Anna; the next slot on the
    # 15-minute grid, 11:45, is free.
    for minutes in (0, 15, 30):
        taken = await hold(client, world, "director", start + timedelta(minutes=minutes),
                           specialist_id=world.specialist_a)
        assert taken.status_code == 409, taken.text
        body = taken.json()
        assert body["code"] == "slot_taken"
        assert body["details"][0]["kind"] == "hold"
        assert datetime.fromisoformat(body["details"][0]["start"]) == start
        assert datetime.fromisoformat(body["details"][0]["end"]) == start + timedelta(minutes=40)
        assert start.isoformat() in body["message"] or "from" in body["message"]
    free = await hold(client, world, "director", start + timedelta(minutes=45),
                      specialist_id=world.specialist_a)
    assert free.status_code == 201, free.text
    # "Any specialist" still finds Ben at 11:00.
    anyone = await hold(client, world, "director", start)
    assert anyone.status_code == 201, anyone.text
    assert anyone.json()["specialist_id"] == str(world.specialist_b)


async def test_hold_of_another_user_is_403(client: httpx.AsyncClient, world: World) -> None:
    held = (await hold(client, world, "client", at(next_monday(), 12))).json()
    resp = await client.post("/api/v1/appointments", headers=world.headers("director"),
                             json={"hold_id": held["id"]})
    assert resp.status_code == 403
    assert resp.json()["code"] == "hold_not_yours"


async def test_expired_hold_is_410_and_stops_blocking_at_once(
        client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    start = at(next_monday(), 13)
    held = (await hold(client, world, "client", start, specialist_id=world.specialist_a)).json()
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(update(Hold).where(Hold.firm_id == world.firm_id).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))

    expired = await client.post("/api/v1/appointments", headers=world.headers("client"),
                                json={"hold_id": held["id"]})
    assert expired.status_code == 410
    assert expired.json()["code"] == "hold_expired"

    # No cleanup job has run: the slot is offered and can be held again right away.
    day = start.date().isoformat()
    slots = await client.get("/api/v1/availability", headers=world.headers("client"), params={
        "service_id": str(world.service_id), "location_id": str(world.location_id),
        "from": day, "to": day, "specialist_id": str(world.specialist_a)})
    assert slots.status_code == 200, slots.text
    assert any(datetime.fromisoformat(s["start"]) == start for s in slots.json()["slots"])
    again = await hold(client, world, "director", start, specialist_id=world.specialist_a)
    assert again.status_code == 201, again.text


async def test_release_hold_frees_the_slot(client: httpx.AsyncClient, world: World) -> None:
    start = at(next_monday(), 14)
    held = (await hold(client, world, "client", start, specialist_id=world.specialist_a)).json()
    other = await client.delete(f"/api/v1/holds/{held['id']}", headers=world.headers("worker"))
    assert other.status_code == 404  # not theirs: reported like a missing hold
    released = await client.delete(f"/api/v1/holds/{held['id']}",
                                   headers=world.headers("client"))
    assert released.status_code == 204
    assert (await hold(client, world, "director", start,
                       specialist_id=world.specialist_a)).status_code == 201


async def test_workers_cannot_hold_and_clients_hold_for_themselves(
        client: httpx.AsyncClient, world: World) -> None:
    start = at(next_monday(), 15)
    assert (await hold(client, world, "worker", start)).status_code == 403
    other = await hold(client, world, "client", start, client_id=str(world.other_client_id))
    assert other.status_code == 403


async def test_slot_outside_hours_is_unavailable(client: httpx.AsyncClient,
                                                 world: World) -> None:
    sunday = at(next_monday() - timedelta(days=1), 10)
    resp = await hold(client, world, "client", sunday)
    assert resp.status_code == 409
    assert resp.json()["code"] == "slot_unavailable"
    too_soon = await hold(client, world, "client", datetime.now(UTC) + timedelta(minutes=5))
    assert too_soon.status_code == 409
    assert too_soon.json()["code"] == "slot_unavailable"


async def test_idempotent_hold_and_confirm(client: httpx.AsyncClient, app: FastAPI,
                                           world: World) -> None:
    start = at(next_monday(), 16)
    first = await hold(client, world, "client", start, key="hold-key-1")
    retry = await hold(client, world, "client", start, key="hold-key-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers.get("idempotent-replayed") == "true"
    assert await _count(app, Hold, world) == 1

    changed = await hold(client, world, "client", start + timedelta(hours=1), key="hold-key-1")
    assert changed.status_code == 422
    assert changed.json()["code"] == "idempotency_key_reused"

    headers = {**world.headers("client"), "Idempotency-Key": "confirm-1"}
    body = {"hold_id": first.json()["id"]}
    one = await client.post("/api/v1/appointments", headers=headers, json=body)
    two = await client.post("/api/v1/appointments", headers=headers, json=body)
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] == two.json()["id"]
    assert await _count(app, Appointment, world) == 1
