"""Reminders with a controllable clock: the planner and delivery are given ``now``."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from slotwise.models import Appointment, Firm, Notification
from slotwise.notifications import reminders
from slotwise.notifications.delivery import DeliveryRuntime, deliver
from tests.appointments.helpers import change_appointment
from tests.factories import World, add_appointment
from tests.jobs.support import SmtpSink, maker
from tests.notifications.helpers import book, of, planned, slot


async def run_due(app: FastAPI, runtime: DeliveryRuntime, world: World, now: datetime) -> list[str]:
    """What a worker would do at ``now``: deliver every reminder of the firm that is due."""
    async with maker(app)() as session:
        due = (
            await session.scalars(
                select(Notification.id)
                .where(
                    Notification.firm_id == world.firm_id,
                    Notification.type == "reminder",
                    Notification.status == "pending",
                    Notification.send_after <= now,
                )
                .order_by(Notification.send_after)
            )
        ).all()
    return [await deliver(runtime, notification_id, now=now) for notification_id in due]


async def sweep(app: FastAPI, world: World, now: datetime) -> int:
    async with maker(app).begin() as session:
        _, planned_rows = await reminders.sweep(session, now, 2, firm_id=world.firm_id)
    return len(planned_rows)


def subjects(sink: SmtpSink, world: World) -> list[str]:
    return [str(m["Subject"]) for m in sink.to(f"clara-{world.slug}@example.com")]


async def test_one_reminder_at_each_offset(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    appointment = await book(client, world, slot())
    start = datetime.fromisoformat(appointment["start_at"])

    assert await run_due(app, runtime, world, start - timedelta(hours=24, minutes=1)) == []
    at_day_before = start - timedelta(hours=24) + timedelta(seconds=30)
    assert await run_due(app, runtime, world, at_day_before) == ["sent"]
    assert await run_due(app, runtime, world, at_day_before + timedelta(minutes=5)) == []
    # The sweep running meanwhile plans nothing twice.
    assert await sweep(app, world, start - timedelta(hours=20)) == 0
    at_hour_before = start - timedelta(minutes=59)
    assert await run_due(app, runtime, world, at_hour_before) == ["sent"]
    assert await run_due(app, runtime, world, start - timedelta(minutes=10)) == []
    assert await sweep(app, world, start - timedelta(minutes=30)) == 0

    # The firm writes German; the lead is the offset, not the minute it happened to go out.
    assert subjects(sink, world) == [
        "Erinnerung: Ihr Termin beginnt in 24 Stunden",
        "Erinnerung: Ihr Termin beginnt in 1 Stunde",
    ]


async def test_no_reminder_after_a_cancellation(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    appointment = await book(client, world, slot())
    start = datetime.fromisoformat(appointment["start_at"])
    await change_appointment(client, world, appointment, status="cancelled")
    rows = of(await planned(app, appointment), "reminder")
    assert rows and all(r.status == "cancelled" for r in rows)

    assert await sweep(app, world, start - timedelta(hours=30)) == 0
    for now in (start - timedelta(hours=23), start - timedelta(minutes=30)):
        assert await run_due(app, runtime, world, now) == []
    assert subjects(sink, world) == []


async def test_a_cancellation_the_planner_missed_is_caught_at_send_time(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    appointment = await book(client, world, slot())
    start = datetime.fromisoformat(appointment["start_at"])
    async with maker(app).begin() as session:  # not through the API: no re-planning
        await session.execute(
            update(Appointment)
            .where(Appointment.id == appointment["id"])
            .values(status="cancelled")
        )
    assert await run_due(app, runtime, world, start - timedelta(minutes=59)) == [
        "cancelled",
        "cancelled",
    ]
    assert subjects(sink, world) == []


async def test_moved_appointment_is_reminded_at_its_new_time(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    appointment = await book(client, world, slot(hour=10))
    old_start = datetime.fromisoformat(appointment["start_at"])
    moved = await change_appointment(
        client, world, appointment, start_at=slot(weeks=3, hour=15).isoformat()
    )
    new_start = datetime.fromisoformat(moved["start_at"])

    assert await run_due(app, runtime, world, old_start - timedelta(minutes=59)) == []
    assert await run_due(app, runtime, world, new_start - timedelta(minutes=59)) == [
        "sent",
        "sent",
    ]  # both offsets are due by then; each goes out once
    mails = sink.to(f"clara-{world.slug}@example.com")
    assert len(mails) == 2
    for mail in mails:
        body = mail.get_body(("plain",))
        assert body is not None and "15:00" in body.get_content()

    # Moved back to the old time: reminders for it are planned again (none was sent).
    back = await change_appointment(client, world, moved, start_at=slot(hour=10).isoformat())
    pending = of(await planned(app, back), "reminder", "pending")
    assert {r.planned_start_at for r in pending} == {old_start}
    assert len(pending) == 2


async def test_reminders_only_at_offsets_still_ahead(app: FastAPI, world: World) -> None:
    start = slot(weeks=3)
    appointment_id = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id, start=start
    )
    async with maker(app).begin() as session:
        # Booked three hours ahead: the day-before reminder's time has passed.
        rows = await reminders.replan_appointment(
            session, world.firm_id, appointment_id, start - timedelta(hours=3)
        )
    assert [r.send_after for r in rows] == [start - timedelta(hours=1)]


async def test_the_sweep_follows_the_firms_offsets(app: FastAPI, world: World) -> None:
    start = slot(weeks=3)
    appointment_id = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id, start=start
    )
    now = start - timedelta(days=1, hours=1)
    assert await sweep(app, world, now) == 2  # written straight to the table: found here
    async with maker(app).begin() as session:
        await session.execute(
            update(Firm).where(Firm.id == world.firm_id).values(reminder_offsets_minutes=[120])
        )
    assert await sweep(app, world, now) == 1
    rows = await planned(app, {"id": str(appointment_id)})
    assert {(r.offset_minutes, r.status) for r in rows} == {
        (1440, "cancelled"),
        (60, "cancelled"),
        (120, "pending"),
    }
