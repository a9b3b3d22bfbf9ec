"""Holds and their confirmation: the two-step booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import (
    Appointment,
    Event,
    Hold,
    SpecialistService,
    TimeClaim,
    WorkplaceServiceOverride,
)
from tests.booking.helpers import at, book, hold, next_monday
from tests.factories import World


async def _count(
    app: FastAPI, model: type[Hold] | type[Appointment] | type[TimeClaim], world: World
) -> int:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(model).where(model.firm_id == world.firm_id)
            )
            or 0
        )


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

    confirmed = await client.post(
        "/api/v1/appointments",
        headers=world.headers("client"),
        json={"hold_id": held["id"], "notes": "first visit"},
    )
    assert confirmed.status_code == 201, confirmed.text
    appointment = confirmed.json()
    assert appointment["workers"] == [{"id": str(world.specialist_a), "name": "Anna"}]
    assert [(s["name"], s["price"]) for s in appointment["services"]] == [("Haircut", "25.00")]
    assert appointment["client"]["id"] == str(world.client_id)
    assert appointment["source"] == "booking"
    assert datetime.fromisoformat(appointment["start_at"]) == start
    assert confirmed.headers["etag"] == '"1"'

    assert confirmed.headers["location"].endswith(f"/api/v1/appointments/{appointment['id']}")
    assert appointment["external_id"] == held["id"]

    # The hold is consumed; its time now belongs to the appointment.
    gone = await client.get(f"/api/v1/holds/{held['id']}", headers=world.headers("client"))
    assert gone.status_code == 404
    assert await _count(app, Hold, world) == 0
    # Nobody else can confirm it or learn what it became.
    other = await client.post(
        "/api/v1/appointments", headers=world.headers("director"), json={"hold_id": held["id"]}
    )
    assert (other.status_code, other.json()["code"]) == (404, "hold_not_found")


async def test_overlapping_hold_is_slot_taken_naming_the_range(
    client: httpx.AsyncClient, world: World
) -> None:
    start = at(next_monday(), 11)
    first = await hold(client, world, "client", start, specialist_id=world.specialist_a)
    assert first.status_code == 201
    # 30 min + 10 min break after: 11:30 is still blocked for Anna; the next slot on the
    # 15-minute grid, 11:45, is free.
    for minutes in (0, 15, 30):
        taken = await hold(
            client,
            world,
            "director",
            start + timedelta(minutes=minutes),
            specialist_id=world.specialist_a,
        )
        assert taken.status_code == 409, taken.text
        body = taken.json()
        assert body["code"] == "slot_taken"
        assert body["details"][0]["kind"] == "hold"
        assert datetime.fromisoformat(body["details"][0]["start"]) == start
        assert datetime.fromisoformat(body["details"][0]["end"]) == start + timedelta(minutes=40)
        assert start.isoformat() in body["message"] or "from" in body["message"]
    free = await hold(
        client, world, "director", start + timedelta(minutes=45), specialist_id=world.specialist_a
    )
    assert free.status_code == 201, free.text
    # "Any specialist" still finds Ben at 11:00.
    anyone = await hold(client, world, "director", start)
    assert anyone.status_code == 201, anyone.text
    assert anyone.json()["specialist_id"] == str(world.specialist_b)


async def test_hold_of_another_user_is_403(client: httpx.AsyncClient, world: World) -> None:
    held = (await hold(client, world, "client", at(next_monday(), 12))).json()
    resp = await client.post(
        "/api/v1/appointments", headers=world.headers("director"), json={"hold_id": held["id"]}
    )
    assert resp.status_code == 403
    assert resp.json()["code"] == "hold_not_yours"


async def test_expired_hold_is_410_and_stops_blocking_at_once(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    start = at(next_monday(), 13)
    held = (await hold(client, world, "client", start, specialist_id=world.specialist_a)).json()
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            update(Hold)
            .where(Hold.firm_id == world.firm_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    expired = await client.post(
        "/api/v1/appointments", headers=world.headers("client"), json={"hold_id": held["id"]}
    )
    assert expired.status_code == 410
    assert expired.json()["code"] == "hold_expired"

    # No cleanup job has run: the slot is offered and can be held again right away.
    day = start.date().isoformat()
    slots = await client.get(
        "/api/v1/availability",
        headers=world.headers("client"),
        params={
            "service_id": str(world.service_id),
            "location_id": str(world.location_id),
            "from": day,
            "to": day,
            "specialist_id": str(world.specialist_a),
        },
    )
    assert slots.status_code == 200, slots.text
    assert any(datetime.fromisoformat(s["start"]) == start for s in slots.json()["slots"])
    again = await hold(client, world, "director", start, specialist_id=world.specialist_a)
    assert again.status_code == 201, again.text


async def test_release_hold_frees_the_slot(client: httpx.AsyncClient, world: World) -> None:
    start = at(next_monday(), 14)
    held = (await hold(client, world, "client", start, specialist_id=world.specialist_a)).json()
    other = await client.delete(f"/api/v1/holds/{held['id']}", headers=world.headers("worker"))
    assert other.status_code == 404  # not theirs: reported like a missing hold
    released = await client.delete(f"/api/v1/holds/{held['id']}", headers=world.headers("client"))
    assert released.status_code == 204
    assert (
        await hold(client, world, "director", start, specialist_id=world.specialist_a)
    ).status_code == 201


async def test_workers_cannot_hold_and_clients_hold_for_themselves(
    client: httpx.AsyncClient, world: World
) -> None:
    start = at(next_monday(), 15)
    assert (await hold(client, world, "worker", start)).status_code == 403
    other = await hold(client, world, "client", start, client_id=str(world.other_client_id))
    assert other.status_code == 403


async def test_slot_outside_hours_is_unavailable(client: httpx.AsyncClient, world: World) -> None:
    sunday = at(next_monday() - timedelta(days=1), 10)
    resp = await hold(client, world, "client", sunday)
    assert resp.status_code == 409
    assert resp.json()["code"] == "slot_unavailable"
    too_soon = await hold(client, world, "client", datetime.now(UTC) + timedelta(minutes=5))
    assert too_soon.status_code == 409
    assert too_soon.json()["code"] == "slot_unavailable"


async def test_idempotent_hold_and_confirm(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
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
    assert two.json() == one.json()
    assert two.headers.get("idempotent-replayed") == "true"
    # The replay answers with the first answer's headers too.
    assert two.headers["etag"] == one.headers["etag"] == '"1"'
    assert two.headers["location"] == one.headers["location"]
    assert one.headers["location"].endswith(f"/api/v1/appointments/{one.json()['id']}")
    assert await _count(app, Appointment, world) == 1


async def test_confirming_again_returns_the_appointment(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """A confirmation whose response was lost can be sent again, with or without a key."""
    start = at(next_monday(), 10)
    held = (await hold(client, world, "client", start, specialist_id=world.specialist_a)).json()
    body = {"hold_id": held["id"]}
    first = await client.post("/api/v1/appointments", headers=world.headers("client"), json=body)
    assert first.status_code == 201, first.text

    plain = await client.post("/api/v1/appointments", headers=world.headers("client"), json=body)
    keyed = await client.post(
        "/api/v1/appointments",
        json=body,
        headers={**world.headers("client"), "Idempotency-Key": "retry-after-lost-response"},
    )
    for again in (plain, keyed):
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["location"] == first.headers["location"]
    replayed = await client.post(
        "/api/v1/appointments",
        json=body,
        headers={**world.headers("client"), "Idempotency-Key": "retry-after-lost-response"},
    )
    assert (replayed.status_code, replayed.headers["idempotent-replayed"]) == (200, "true")
    assert await _count(app, Appointment, world) == 1
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        events = await session.scalar(
            select(func.count()).select_from(Event).where(Event.firm_id == world.firm_id)
        )
    assert events == 1  # one appointment.created: the retries changed nothing


async def test_idempotent_direct_booking_replays_etag_and_location(
    client: httpx.AsyncClient, world: World
) -> None:
    start = at(next_monday(), 15)
    headers = {**world.headers("director"), "Idempotency-Key": "direct-1"}
    body = {
        "location_id": str(world.location_id),
        "start_at": start.isoformat(),
        "worker_ids": [str(world.specialist_b)],
        "services": [{"service_id": str(world.service_id)}],
    }
    one = await client.post("/api/v1/appointments", headers=headers, json=body)
    two = await client.post("/api/v1/appointments", headers=headers, json=body)
    assert one.status_code == two.status_code == 201, one.text
    assert two.headers["idempotent-replayed"] == "true"
    assert (two.headers["etag"], two.headers["location"]) == (
        one.headers["etag"],
        one.headers["location"],
    )
    assert one.headers["location"].endswith(f"/api/v1/appointments/{one.json()['id']}")


async def test_expired_hold_is_410_even_once_its_slot_is_taken(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    start = at(next_monday(), 13)
    held = (await hold(client, world, "client", start, specialist_id=world.specialist_a)).json()
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            update(Hold)
            .where(Hold.id == held["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    taken = await hold(client, world, "director", start, specialist_id=world.specialist_a)
    assert taken.status_code == 201, taken.text

    # The new hold freed the expired one's time; the expired row stays until the cleanup.
    async with maker() as session:
        assert await session.get(Hold, held["id"]) is not None
        owners = (
            await session.scalars(
                select(TimeClaim.hold_id).where(TimeClaim.firm_id == world.firm_id)
            )
        ).all()
    assert set(map(str, owners)) == {taken.json()["id"]}
    expired = await client.post(
        "/api/v1/appointments", headers=world.headers("client"), json={"hold_id": held["id"]}
    )
    assert (expired.status_code, expired.json()["code"]) == (410, "hold_expired")


async def test_any_specialist_on_a_fully_held_slot_is_slot_taken_naming_each(
    client: httpx.AsyncClient, world: World
) -> None:
    start = at(next_monday(), 11)
    held = [(await hold(client, world, "client", start)).json() for _ in range(3)]
    assert {h["specialist_id"] for h in held} == {
        str(world.specialist_a),
        str(world.specialist_b),
        str(world.specialist_c),
    }
    resp = await hold(client, world, "director", start)
    assert resp.status_code == 409, resp.text
    body = resp.json()
    assert body["code"] == "slot_taken"
    assert sorted(
        (
            d["kind"],
            d["resource"],
            d["resource_id"],
            datetime.fromisoformat(d["start"]),
            datetime.fromisoformat(d["end"]),
        )
        for d in body["details"]
    ) == sorted(
        ("hold", "specialist", h["specialist_id"], start, start + timedelta(minutes=40))
        for h in held
    )
    # The same slot refused for a reason other than a claim stays slot_unavailable.
    sunday = await hold(client, world, "director", start - timedelta(days=1))
    assert (sunday.status_code, sunday.json()["code"]) == (409, "slot_unavailable")
    assert "details" not in sunday.json()


async def test_slot_taken_names_the_claim_in_the_way_of_the_real_duration(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """Anna takes 60 minutes for a haircut (30 in the catalog): her 10:00 slot is taken by
    an appointment at 10:50, which the catalog's duration alone would never reach."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            update(SpecialistService)
            .where(
                SpecialistService.specialist_id == world.specialist_a,
                SpecialistService.service_id == world.service_id,
            )
            .values(custom_duration_minutes=60)
        )
    day = next_monday()
    booked = await book(client, world, at(day, 10, 50), 30, [world.specialist_a])
    assert booked.status_code == 201, booked.text
    resp = await hold(client, world, "client", at(day, 10), specialist_id=world.specialist_a)
    assert resp.status_code == 409, resp.text
    body = resp.json()
    assert body["code"] == "slot_taken"
    [detail] = body["details"]
    assert (detail["kind"], detail["resource_id"]) == ("appointment", str(world.specialist_a))
    assert datetime.fromisoformat(detail["start"]) == at(day, 10, 50)


async def test_slot_taken_names_the_workplace_the_option_needs(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """Anna is free, but the only chair that offers the service (a 45-minute haircut there)
    is claimed by Ben's appointment."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        session.add(
            WorkplaceServiceOverride(
                firm_id=world.firm_id,
                workplace_id=world.workplace_id,
                service_id=world.service_id,
                duration_minutes=45,
            )
        )
    day = next_monday()
    booked = await client.post(
        "/api/v1/appointments",
        headers=world.headers("director"),
        json={
            "location_id": str(world.location_id),
            "workplace_id": str(world.workplace_id),
            "start_at": at(day, 10, 40).isoformat(),
            "end_at": at(day, 11, 10).isoformat(),
            "worker_ids": [str(world.specialist_b)],
            "services": [{"service_id": str(world.service_id)}],
        },
    )
    assert booked.status_code == 201, booked.text
    resp = await hold(client, world, "client", at(day, 10), specialist_id=world.specialist_a)
    assert resp.status_code == 409, resp.text
    body = resp.json()
    assert body["code"] == "slot_taken"
    [detail] = body["details"]
    assert (detail["resource"], detail["resource_id"]) == ("workplace", str(world.workplace_id))
    assert datetime.fromisoformat(detail["start"]) == at(day, 10, 40)


async def test_starts_at_the_calendars_ends_are_422(
    client: httpx.AsyncClient, world: World
) -> None:
    for start in (
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:30:00+01:00",
        "3000-01-01T10:00:00+00:00",
    ):
        resp = await client.post(
            "/api/v1/holds",
            headers=world.headers("client"),
            json={
                "service_id": str(world.service_id),
                "location_id": str(world.location_id),
                "start_at": start,
            },
        )
        assert resp.status_code == 422, (start, resp.text)
        assert [d["loc"] for d in resp.json()["details"]] == [["body", "start_at"]]
