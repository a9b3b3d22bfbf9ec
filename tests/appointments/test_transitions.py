"""Statuses move by time, each move a normal change with its event (actor: the system), one
firm per transaction."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from fastapi import FastAPI
from psycopg import errors
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from slotwise.appointments.changes import appointment_changed
from slotwise.appointments.present import present_one
from slotwise.appointments.transitions import advance_statuses
from slotwise.models import Appointment, Event, Firm
from tests.factories import World, add_appointment, make_world
from tests.jobs.support import maker, wait_for, waits_on
from tests.notifications.helpers import book, of, planned, slot


async def _state(app: FastAPI, appointment_id: object) -> tuple[str, int]:
    async with maker(app)() as session:
        row = await session.get(Appointment, appointment_id)
        assert row is not None
        return row.status, row.version


async def _events(app: FastAPI, world: World) -> list[Event]:
    async with maker(app)() as session:
        return list(
            (
                await session.scalars(
                    select(Event).where(Event.firm_id == world.firm_id).order_by(Event.seq)
                )
            ).all()
        )


async def test_scheduled_to_in_progress_to_completed(app: FastAPI, world: World) -> None:
    start = slot(weeks=5)
    appointment_id = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id, start=start, minutes=45
    )
    run = maker(app)

    assert await advance_statuses(run, start - timedelta(seconds=1), firms=[world.firm_id]) == 0
    assert await _state(app, appointment_id) == ("scheduled", 1)

    assert await advance_statuses(run, start, firms=[world.firm_id]) == 1
    assert await _state(app, appointment_id) == ("in_progress", 2)
    # Running again at the same moment changes nothing (and writes no event).
    assert await advance_statuses(run, start + timedelta(minutes=1), firms=[world.firm_id]) == 0

    assert await advance_statuses(run, start + timedelta(minutes=45), firms=[world.firm_id]) == 1
    assert await _state(app, appointment_id) == ("completed", 3)

    events = await _events(app, world)
    assert [(e.type, e.changed, e.actor_id, e.data["status"]) for e in events] == [
        ("appointment.updated", ["status"], None, "in_progress"),
        ("appointment.updated", ["status"], None, "completed"),
    ]
    assert all(e.worker_ids == [world.specialist_a] for e in events)


async def test_past_both_times_goes_straight_to_completed(app: FastAPI, world: World) -> None:
    start = slot(weeks=6)
    done = await add_appointment(app, world, workers=[world.specialist_a], start=start)
    cancelled = await add_appointment(app, world, workers=[world.specialist_b], start=start)
    async with maker(app).begin() as session:
        await session.execute(
            update(Appointment).where(Appointment.id == cancelled).values(status="cancelled")
        )
    moved = await advance_statuses(
        maker(app), start + timedelta(hours=2), firms=[world.firm_id], batch=1
    )
    assert moved == 1
    assert await _state(app, done) == ("completed", 2)
    assert await _state(app, cancelled) == ("cancelled", 1)
    [event] = await _events(app, world)
    assert event.data["status"] == "completed"


async def test_a_started_appointment_withdraws_its_remaining_messages(
    app: FastAPI, world: World
) -> None:
    start = slot(weeks=7)
    appointment_id = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id, start=start
    )
    async with maker(app).begin() as session:
        row = await session.get(Appointment, appointment_id)
        assert row is not None
        await appointment_changed(
            session,
            world.firm_id,
            None,
            await present_one(session, world.firm_id, row),
            None,
            now=start - timedelta(hours=30),
        )
    assert len(of(await planned(app, {"id": str(appointment_id)}), "reminder", "pending")) == 2
    await advance_statuses(maker(app), start + timedelta(minutes=1), firms=[world.firm_id])
    rows = of(await planned(app, {"id": str(appointment_id)}), "reminder")
    assert {r.status for r in rows} == {"cancelled"}


async def _versions(app: FastAPI, ids: list[uuid.UUID]) -> list[tuple[str, int]]:
    return [await _state(app, appointment_id) for appointment_id in ids]


async def _event_counts(app: FastAPI, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    async with maker(app)() as session:
        rows = await session.execute(
            select(Event.appointment_id, func.count())
            .where(Event.appointment_id.in_(ids))
            .group_by(Event.appointment_id)
        )
        return {appointment_id: count for appointment_id, count in rows if appointment_id}


@contextlib.asynccontextmanager
async def _firm_event_lock(app: FastAPI, firm_id: uuid.UUID) -> AsyncIterator[int]:
    """Holds the row lock that recording an event of the firm takes (``next_seq``), so that
    whoever records one next waits inside its transaction; yields this backend's pid."""
    async with maker(app)() as holder:
        await holder.execute(
            select(Firm.id).where(Firm.id == firm_id).with_for_update(key_share=True)
        )
        pid = await holder.scalar(text("SELECT pg_backend_pid()"))
        assert isinstance(pid, int)
        yield pid
        await holder.rollback()


async def _firm_event_lock_is_free(app: FastAPI, firm_id: uuid.UUID) -> bool:
    async with maker(app)() as probe:
        try:
            await probe.execute(
                select(Firm.id)
                .where(Firm.id == firm_id)
                .with_for_update(key_share=True, nowait=True)
            )
        except DBAPIError as error:
            if isinstance(error.orig, errors.LockNotAvailable):
                return False
            raise
        finally:
            await probe.rollback()
        return True


async def test_a_run_holds_one_firm_at_a_time(
    app: FastAPI, client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    """The run is stopped inside firm A's transaction (A's event lock is taken here first);
    meanwhile firm B's event lock is free and an API write in firm B commits. B's appointment
    starts first, so a run that took the due rows of all firms in time order would be
    holding firm B by then."""
    start = slot(weeks=8)
    in_b = await add_appointment(app, other_world, workers=[other_world.specialist_a], start=start)
    in_a = await add_appointment(
        app, world, workers=[world.specialist_a], start=start + timedelta(hours=1)
    )
    firms = [world.firm_id, other_world.firm_id]
    async with _firm_event_lock(app, world.firm_id) as blocker:
        run = asyncio.create_task(
            advance_statuses(maker(app), start + timedelta(hours=3), firms=firms)
        )
        await wait_for(lambda: waits_on(app, blocker))
        assert await _firm_event_lock_is_free(app, other_world.firm_id)
        booked = await book(client, other_world, slot(weeks=9))
        assert not run.done()
    assert await run == 2
    assert await _versions(app, [in_a, in_b]) == [("completed", 2), ("completed", 2)]
    assert await _event_counts(app, [in_a, in_b, uuid.UUID(booked["id"])]) == {
        in_a: 1,
        in_b: 1,
        uuid.UUID(booked["id"]): 1,
    }


async def test_concurrent_runs_share_the_firms_and_move_each_appointment_once(
    app: FastAPI, world: World, other_world: World
) -> None:
    """Run 1 is stopped in the first firm (in id order, the order runs take firms in); run 2
    skips the rows run 1 holds, does the other firm and finishes while run 1 still waits."""
    first, second = sorted([world, other_world], key=lambda w: w.firm_id)
    start = slot(weeks=10)
    ids = {
        w.firm_id: [
            await add_appointment(
                app, w, workers=[w.specialist_a], start=start + timedelta(hours=hour)
            )
            for hour in (0, 1)
        ]
        for w in (first, second)
    }
    now, firms = start + timedelta(hours=3), list(ids)
    async with _firm_event_lock(app, first.firm_id) as blocker:
        run_1 = asyncio.create_task(advance_statuses(maker(app), now, firms=firms))
        await wait_for(lambda: waits_on(app, blocker))
        assert await advance_statuses(maker(app), now, firms=firms) == 2
        assert await _versions(app, ids[second.firm_id]) == [("completed", 2)] * 2
        assert not run_1.done()
    assert await run_1 == 2
    every = ids[first.firm_id] + ids[second.firm_id]
    assert await _versions(app, every) == [("completed", 2)] * 4
    assert await _event_counts(app, every) == dict.fromkeys(every, 1)


async def test_many_runs_at_once_neither_deadlock_nor_move_twice(app: FastAPI) -> None:
    worlds = [await make_world(app) for _ in range(3)]
    start = slot(weeks=11)
    every = [
        await add_appointment(app, w, workers=[w.specialist_a], start=start + timedelta(hours=hour))
        for hour in (0, 1, 2)
        for w in reversed(worlds)
    ]
    firms = [w.firm_id for w in worlds]
    runs = [
        advance_statuses(maker(app), start + timedelta(hours=4), firms=firms, batch=2)
        for _ in range(4)
    ]
    assert sum(await asyncio.gather(*runs)) == len(every)
    assert await _versions(app, every) == [("completed", 2)] * len(every)
    assert await _event_counts(app, every) == dict.fromkeys(every, 1)
