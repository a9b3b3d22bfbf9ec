"""Statuses move by time, each move a normal change with its event (actor: the system)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import select, update

from slotwise.appointments.changes import appointment_changed
from slotwise.appointments.present import present_one
from slotwise.jobs.transitions import advance_statuses
from slotwise.models import Appointment, Event
from tests.factories import World, add_appointment
from tests.jobs.support import maker
from tests.notifications.helpers import of, planned, slot


async def _state(app: FastAPI, appointment_id: object) -> tuple[str, int]:
    async with maker(app)() as session:
        row = await session.get(Appointment, appointment_id)
        assert row is not None
        return row.status, row.version


async def _events(app: FastAPI, world: World) -> list[Event]:
    async with maker(app)() as session:
        return list((await session.scalars(select(Event).where(
            Event.firm_id == world.firm_id).order_by(Event.seq))).all())


async def test_scheduled_to_in_progress_to_completed(app: FastAPI, world: World) -> None:
    start = slot(weeks=5)
    appointment_id = await add_appointment(app, world, workers=[world.specialist_a],
                                           client_id=world.client_id, start=start, minutes=45)
    run = maker(app)

    assert await advance_statuses(run, start - timedelta(seconds=1), firm_id=world.firm_id) == 0
    assert await _state(app, appointment_id) == ("scheduled", 1)

    assert await advance_statuses(run, start, firm_id=world.firm_id) == 1
    assert await _state(app, appointment_id) == ("in_progress", 2)
    # Running again at the same moment changes nothing (and writes no event).
    assert await advance_statuses(run, start + timedelta(minutes=1), firm_id=world.firm_id) == 0

    assert await advance_statuses(run, start + timedelta(minutes=45),
                                  firm_id=world.firm_id) == 1
    assert await _state(app, appointment_id) == ("completed", 3)

    events = await _events(app, world)
    assert [(e.type, e.changed, e.actor_id, e.data["status"]) for e in events] == [
        ("appointment.updated", ["status"], None, "in_progress"),
        ("appointment.updated", ["status"], None, "completed")]
    assert all(e.worker_ids == [world.specialist_a] for e in events)


async def test_past_both_times_goes_straight_to_completed(app: FastAPI, world: World) -> None:
    start = slot(weeks=6)
    done = await add_appointment(app, world, workers=[world.specialist_a], start=start)
    cancelled = await add_appointment(app, world, workers=[world.specialist_b], start=start)
    async with maker(app).begin() as session:
        await session.execute(update(Appointment).where(Appointment.id == cancelled)
                              .values(status="cancelled"))
    moved = await advance_statuses(maker(app), start + timedelta(hours=2),
                                   firm_id=world.firm_id, batch=1)
    assert moved == 1
    assert await _state(app, done) == ("completed", 2)
    assert await _state(app, cancelled) == ("cancelled", 1)
    [event] = await _events(app, world)
    assert event.data["status"] == "completed"


async def test_a_started_appointment_withdraws_its_remaining_messages(
        app: FastAPI, world: World) -> None:
    start = slot(weeks=7)
    appointment_id = await add_appointment(app, world, workers=[world.specialist_a],
                                           client_id=world.client_id, start=start)
    async with maker(app).begin() as session:
        row = await session.get(Appointment, appointment_id)
        assert row is not None
        await appointment_changed(session, world.firm_id, None,
                                  await present_one(session, world.firm_id, row), None,
                                  now=start - timedelta(hours=30))
    assert len(of(await planned(app, {"id": str(appointment_id)}), "reminder", "pending")) == 2
    await advance_statuses(maker(app), start + timedelta(minutes=1), firm_id=world.firm_id)
    rows = of(await planned(app, {"id": str(appointment_id)}), "reminder")
    assert {r.status for r in rows} == {"cancelled"}
