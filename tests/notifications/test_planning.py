"""Which messages an appointment change plans, written in the change's own transaction."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from slotwise.appointments.changes import appointment_changed
from slotwise.appointments.present import present_one
from slotwise.config import Settings
from slotwise.models import Appointment
from tests.appointments.helpers import change_appointment, delete_appointment
from tests.booking.helpers import hold
from tests.factories import World, add_appointment
from tests.jobs.support import job_row, maker, serving
from tests.notifications.helpers import (
    book,
    count_firm_notifications,
    count_jobs,
    delayed_from,
    mark_sent,
    of,
    planned,
    slot,
)


async def test_staff_booking_plans_a_delayed_confirmation_with_its_job(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    before = datetime.now(UTC)
    appointment = await book(client, world, slot())
    after = datetime.now(UTC)
    rows = await planned(app, appointment)

    [confirmation] = of(rows, "confirmation")
    assert confirmation.status == "pending"
    assert confirmation.client_id == world.client_id
    assert delayed_from(confirmation.send_after, before, after, timedelta(seconds=30))
    # Due within the dispatch horizon: its job was deferred in the same transaction.
    assert confirmation.job_id is not None
    job = await job_row(app, confirmation.job_id)
    assert job is not None
    assert job["status"] == "todo"
    assert job["task_name"] == "deliver_notification"
    assert job["args"] == {"notification_id": str(confirmation.id), "firm_id": str(world.firm_id)}
    assert job["scheduled_at"] == confirmation.send_after

    [assigned] = of(rows, "worker_assigned")
    assert assigned.specialist_id == world.specialist_a and assigned.status == "pending"

    # Reminders at the firm's default offsets, far ahead: no job yet (the sweep gives one).
    reminders = sorted(of(rows, "reminder"), key=lambda r: r.send_after)
    start = datetime.fromisoformat(appointment["start_at"])
    assert [r.offset_minutes for r in reminders] == [1440, 60]
    assert [r.send_after for r in reminders] == [
        start - timedelta(days=1),
        start - timedelta(hours=1),
    ]
    assert all(r.job_id is None and r.planned_start_at == start for r in reminders)


async def test_edits_within_the_delay_keep_one_confirmation(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment = await book(client, world, slot())
    moved = await change_appointment(
        client, world, appointment, notes="window seat", start_at=slot(hour=14).isoformat()
    )
    moved = await change_appointment(client, world, moved, start_at=slot(hour=15).isoformat())
    rows = await planned(app, moved)

    assert len(of(rows, "confirmation")) == 1
    assert of(rows, "confirmation", "pending")
    # The confirmation renders the final state when it goes out: no change notice.
    assert of(rows, "change") == []
    # Reminders follow the appointment: those for the old times are withdrawn.
    pending = of(rows, "reminder", "pending")
    assert {r.planned_start_at for r in pending} == {slot(hour=15)}
    assert len(of(rows, "reminder", "cancelled")) == 4


async def test_deleted_within_the_delay_sends_nothing(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment = await book(client, world, slot())
    await delete_appointment(client, world, appointment)
    rows = await planned(app, appointment)

    assert rows, "the log of what was planned outlives the appointment"
    assert all(r.status == "cancelled" for r in rows)
    [confirmation] = of(rows, "confirmation")
    assert confirmation.last_error == "the appointment was cancelled before it was confirmed"
    # The client and the worker were never told, so they are not told that it is gone.
    assert of(rows, "cancellation") == [] and of(rows, "worker_removed") == []


async def test_after_the_confirmation_a_move_and_a_cancel_are_announced(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment = await book(client, world, slot())
    rows = await planned(app, appointment)
    await mark_sent(app, *[r.id for r in rows if r.type in ("confirmation", "worker_assigned")])

    moved = await change_appointment(client, world, appointment, start_at=slot(hour=16).isoformat())
    [notice] = of(await planned(app, moved), "change")
    assert notice.status == "pending"
    assert datetime.fromisoformat(notice.data["previous"]["start_at"]) == slot()

    # A second move while the notice waits: still one notice (it renders the final time).
    moved = await change_appointment(client, world, moved, start_at=slot(hour=17).isoformat())
    assert len(of(await planned(app, moved), "change")) == 1

    cancelled = await change_appointment(client, world, moved, status="cancelled")
    rows = await planned(app, cancelled)
    assert [r.status for r in of(rows, "change")] == ["cancelled"]
    [cancellation] = of(rows, "cancellation")
    assert cancellation.status == "pending" and cancellation.client_id == world.client_id
    assert datetime.fromisoformat(cancellation.data["appointment"]["start_at"]) == slot(hour=17)
    assert of(rows, "reminder", "pending") == []
    # The worker, who was told, hears that they are no longer needed.
    [removed] = of(rows, "worker_removed")
    assert removed.specialist_id == world.specialist_a


async def test_worker_changes_notify_only_those_who_were_told(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment = await book(client, world, slot(), workers=[world.specialist_a])
    # A is swapped for B before A's notice went out: A hears nothing, B is told.
    swapped = await change_appointment(
        client, world, appointment, worker_ids=[str(world.specialist_b)]
    )
    rows = await planned(app, swapped)
    by_worker = {(r.type, r.specialist_id): r.status for r in rows if r.specialist_id}
    assert by_worker == {
        ("worker_assigned", world.specialist_a): "cancelled",
        ("worker_assigned", world.specialist_b): "pending",
    }

    await mark_sent(app, *[r.id for r in of(rows, "worker_assigned", "pending")])
    back = await change_appointment(client, world, swapped, worker_ids=[str(world.specialist_a)])
    rows = await planned(app, back)
    assert [r.specialist_id for r in of(rows, "worker_removed", "pending")] == [world.specialist_b]
    assert {r.specialist_id for r in of(rows, "worker_assigned", "pending")} == {world.specialist_a}


async def test_each_app_plans_with_its_own_settings(settings: Settings, world: World) -> None:
    """Two apps running at once in one process, on one database, with different confirmation
    delays: a booking's confirmation waits as long as the app that took it says."""
    delays = (7, 900)
    async with contextlib.AsyncExitStack() as stack:
        served = [
            await stack.enter_async_context(
                serving(settings.model_copy(update={"confirmation_delay_seconds": delay}))
            )
            for delay in delays
        ]
        for hour, (application, http), delay in zip((9, 12), served, delays, strict=True):
            before = datetime.now(UTC)
            appointment = await book(http, world, slot(weeks=3, hour=hour))
            after = datetime.now(UTC)
            [confirmation] = of(await planned(application, appointment), "confirmation")
            assert delayed_from(confirmation.send_after, before, after, timedelta(seconds=delay))


async def test_a_client_booking_is_confirmed_at_once(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    held = await hold(client, world, "client", slot(hour=11))
    assert held.status_code == 201, held.text
    before = datetime.now(UTC)
    confirmed = await client.post(
        "/api/v1/appointments", headers=world.headers("client"), json={"hold_id": held.json()["id"]}
    )
    after = datetime.now(UTC)
    assert confirmed.status_code == 201, confirmed.text
    [confirmation] = of(await planned(app, confirmed.json()), "confirmation")
    assert delayed_from(confirmation.send_after, before, after)
    assert confirmation.job_id is not None
    job = await job_row(app, confirmation.job_id)
    assert job is not None and job["status"] == "todo"


async def test_a_failed_change_plans_nothing_and_defers_no_job(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await book(client, world, slot())
    notifications, jobs = await count_firm_notifications(app, world.firm_id), await count_jobs(app)
    # The same worker at the same time: refused by the exclusion constraint after the
    # appointment row was written, so the whole transaction rolls back.
    resp = await client.post(
        "/api/v1/appointments",
        headers=world.headers("director"),
        json={
            "location_id": str(world.location_id),
            "start_at": slot().isoformat(),
            "worker_ids": [str(world.specialist_a)],
            "services": [{"service_id": str(world.service_id)}],
            "client_id": str(world.other_client_id),
        },
    )
    assert resp.status_code == 409
    assert await count_firm_notifications(app, world.firm_id) == notifications
    assert await count_jobs(app) == jobs


async def test_messages_and_jobs_roll_back_with_their_change(app: FastAPI, world: World) -> None:
    appointment_id = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id, start=slot()
    )
    jobs_before = await count_jobs(app)
    async with maker(app)() as session:
        row = await session.get(Appointment, appointment_id)
        assert row is not None
        out = await present_one(session, world.firm_id, row)
        await appointment_changed(session, world.firm_id, None, out, None)
        inside = await session.scalar(
            text(
                "SELECT count(*) FROM procrastinate.procrastinate_jobs j JOIN notifications n "
                "ON n.job_id = j.id WHERE n.appointment_id = :id"
            ),
            {"id": appointment_id},
        )
        assert inside == 2  # the confirmation and the worker's notice, due within minutes
        await session.rollback()
    assert await planned(app, {"id": str(appointment_id)}) == []
    assert await count_jobs(app) == jobs_before
