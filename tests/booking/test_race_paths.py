"""The loser of a race for a slot gets ``409 slot_taken`` naming the winner, whether it loses
at the friendly check or only at the exclusion constraint. Each path is forced by ordering two
transactions explicitly, not by racing for luck."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import service as appointment_service
from slotwise.appointments.schemas import AppointmentFromHold
from slotwise.auth.caller import Caller, Role
from slotwise.models import Hold, Location, SpecialistService, TimeClaim
from tests.booking.helpers import at, hold, next_monday
from tests.factories import World
from tests.jobs.support import maker, wait_for, waits_on


async def _hold_rows(session: AsyncSession, world: World, start: datetime, user_id: Any) -> Hold:
    """A hold of Anna's at ``start`` with its claim, written as ``create_hold`` writes it."""
    end = start + timedelta(minutes=30)
    held = Hold(
        firm_id=world.firm_id,
        user_id=user_id,
        location_id=world.location_id,
        specialist_id=world.specialist_a,
        service_id=world.service_id,
        start_at=start,
        end_at=end,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    session.add(held)
    await session.flush()
    session.add(
        TimeClaim(
            firm_id=world.firm_id,
            hold_id=held.id,
            specialist_id=world.specialist_a,
            during=Range(start, end + timedelta(minutes=10), bounds="[)"),
        )
    )
    await session.flush()
    return held


async def test_loser_at_the_check_gets_slot_taken(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """Only Anna offers the service; a second "any specialist" hold of her held slot."""
    async with maker(app).begin() as session:
        await session.execute(
            update(SpecialistService)
            .where(SpecialistService.specialist_id != world.specialist_a)
            .values(is_active=False)
        )
    start = at(next_monday(), 10)
    first = await hold(client, world, "client", start)
    assert first.status_code == 201, first.text
    second = await hold(client, world, "director", start)
    assert second.status_code == 409
    assert second.json()["code"] == "slot_taken"
    [detail] = second.json()["details"]
    assert (detail["kind"], detail["resource_id"]) == ("hold", str(world.specialist_a))


async def test_loser_at_the_constraint_gets_slot_taken(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """The winner's claim is written but not committed when the loser checks the slot (so
    the check passes); it commits while the loser's claim waits on it."""
    sessions = maker(app)
    async with sessions.begin() as session:
        # No capacity: hold requests would otherwise take turns on the location's lock.
        await session.execute(
            update(Location).where(Location.id == world.location_id).values(capacity=None)
        )
        user_id = await session.scalar(
            text("SELECT id FROM users WHERE email = :email"), {"email": world.emails["director"]}
        )
    start = at(next_monday(), 10)
    async with sessions() as winner:
        held = await _hold_rows(winner, world, start, user_id)
        winner_pid = await winner.scalar(text("SELECT pg_backend_pid()"))
        assert isinstance(winner_pid, int)
        # "Any specialist": Anna, first by name, is free as far as the check can see.
        loser = asyncio.create_task(hold(client, world, "client", start))
        await wait_for(lambda: waits_on(app, winner_pid))
        await winner.commit()
    resp = await loser
    assert resp.status_code == 409, resp.text
    body = resp.json()
    assert body["code"] == "slot_taken"
    [detail] = body["details"]
    assert (detail["kind"], detail["resource_id"]) == ("hold", str(world.specialist_a))
    assert datetime.fromisoformat(detail["start"]) == start
    assert datetime.fromisoformat(detail["end"]) == start + timedelta(minutes=40)
    async with sessions() as session:
        holds = (
            await session.scalars(
                text("SELECT id FROM holds WHERE firm_id = :firm"), {"firm": world.firm_id}
            )
        ).all()
    assert holds == [held.id]


async def test_bookings_claiming_workers_in_opposite_orders_do_not_deadlock(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """The winner claims its workers one after the other; the loser books the same two in
    the opposite order. Claims are always written in one order, so the loser waits for the
    winner's first claim instead of holding the second one the winner needs next."""
    sessions = maker(app)
    first, second = sorted([world.specialist_a, world.specialist_b])
    start = at(next_monday(), 10)
    during = Range(start, start + timedelta(minutes=30), bounds="[)")
    async with sessions.begin() as session:
        user_id = await session.scalar(
            text("SELECT id FROM users WHERE email = :email"), {"email": world.emails["director"]}
        )
    async with sessions() as winner:
        held = await _hold_rows(winner, world, start, user_id)
        winner_pid = await winner.scalar(text("SELECT pg_backend_pid()"))
        assert isinstance(winner_pid, int)
        await winner.execute(
            text("DELETE FROM time_claims WHERE hold_id = :hold"), {"hold": held.id}
        )
        winner.add(
            TimeClaim(firm_id=world.firm_id, hold_id=held.id, specialist_id=first, during=during)
        )
        await winner.flush()
        loser = asyncio.create_task(
            client.post(
                "/api/v1/appointments",
                headers=world.headers("director"),
                json={
                    "location_id": str(world.location_id),
                    "start_at": start.isoformat(),
                    "end_at": (start + timedelta(minutes=30)).isoformat(),
                    "worker_ids": [str(second), str(first)],
                    "services": [{"service_id": str(world.service_id)}],
                },
            )
        )
        await wait_for(lambda: waits_on(app, winner_pid))
        winner.add(
            TimeClaim(firm_id=world.firm_id, hold_id=held.id, specialist_id=second, during=during)
        )
        await winner.flush()  # would wait for the loser's claim on it: a deadlock
        await winner.commit()
    resp = await loser
    assert resp.status_code == 409, resp.text
    assert resp.json()["code"] == "slot_taken"
    [detail] = resp.json()["details"]
    assert (detail["kind"], detail["resource_id"]) == ("hold", str(first))


async def test_a_confirmation_sent_twice_at_once_books_once(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """The second confirmation waits for the first one's lock on the hold, then finds the
    appointment the hold became."""
    start = at(next_monday(), 10)
    held = (await hold(client, world, "client", start)).json()
    sessions = maker(app)
    async with sessions() as session:
        user_id = await session.scalar(
            text("SELECT id FROM users WHERE email = :email"), {"email": world.emails["client"]}
        )
    assert user_id is not None
    caller = Caller(
        user_id=user_id,
        firm_id=world.firm_id,
        role=Role.CLIENT,
        specialist_id=None,
        client_id=world.client_id,
        email=world.emails["client"],
        full_name="C",
    )
    async with sessions() as first:
        out, created = await appointment_service.confirm(
            first, caller, AppointmentFromHold(hold_id=held["id"])
        )
        first_pid = await first.scalar(text("SELECT pg_backend_pid()"))
        assert created and isinstance(first_pid, int)
        second = asyncio.create_task(
            client.post(
                "/api/v1/appointments",
                headers=world.headers("client"),
                json={"hold_id": held["id"]},
            )
        )
        await wait_for(lambda: waits_on(app, first_pid))
        await first.commit()
    resp = await second
    assert resp.status_code == 200, resp.text
    assert resp.json()["id"] == str(out.id)
    assert resp.headers["etag"] == '"1"'
    async with sessions() as session:
        count = await session.scalar(
            text("SELECT count(*) FROM appointments WHERE firm_id = :f"), {"f": world.firm_id}
        )
    assert count == 1
