"""Housekeeping with a controllable clock, in a database of its own (it is global)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, text, update

from slotwise.models import Event, Hold, Notification
from slotwise.ops.cleanup import cleanup
from tests.booking.helpers import hold
from tests.factories import World
from tests.jobs.fixtures import Isolated
from tests.jobs.support import maker
from tests.notifications.helpers import book, of, planned, slot


async def _count(iso: Isolated, stmt: object) -> int:
    async with maker(iso.app)() as session:
        return int(await session.scalar(stmt) or 0)  # type: ignore[call-overload]


async def test_cleanup_keeps_what_is_still_needed(
    iso: Isolated, iso_client: httpx.AsyncClient, iso_world: World
) -> None:
    world = iso_world
    held = await hold(iso_client, world, "client", slot(weeks=3, hour=9))
    assert held.status_code == 201, held.text
    appointment = await book(iso_client, world, slot(weeks=3, hour=12))
    rows = await planned(iso.app, appointment)
    [confirmation] = of(rows, "confirmation")
    async with maker(iso.app).begin() as session:
        await session.execute(
            update(Notification).where(Notification.id == confirmation.id).values(status="sent")
        )
        # A finished job of the past.
        await session.execute(
            text("UPDATE procrastinate.procrastinate_jobs SET status = 'succeeded' WHERE id = :id"),
            {"id": confirmation.job_id},
        )
    now = datetime.now(UTC)
    holds = select(func.count()).select_from(Hold).where(Hold.firm_id == world.firm_id)
    events = select(func.count()).select_from(Event).where(Event.firm_id == world.firm_id)
    notifications = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.appointment_id == appointment["id"])
    )
    job = text("SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE id = :id").bindparams(
        id=confirmation.job_id
    )

    soon = await cleanup(maker(iso.app), iso.settings, now + timedelta(minutes=30))
    assert soon["holds"] == 0 and soon["events"] == 0
    assert await _count(iso, holds) == 1 and await _count(iso, events) == 1

    later = await cleanup(maker(iso.app), iso.settings, now + timedelta(days=8))
    assert later["holds"] >= 1 and later["events"] >= 1 and later["jobs"] >= 1
    assert await _count(iso, holds) == 0 and await _count(iso, events) == 0
    assert await _count(iso, job) == 0
    # A client resuming from before the deleted events is told to start afresh.
    polled = await iso_client.get(
        "/api/v1/events", headers=world.headers("director"), params={"after": 0}
    )
    assert polled.json() == {"items": [], "last_seq": 1, "reset": True}
    assert await _count(iso, notifications) == len(rows)  # kept for 90 days

    await cleanup(maker(iso.app), iso.settings, now + timedelta(days=91))
    # The sent one is gone; those still waiting (reminders, the worker's notice) stay.
    assert await _count(iso, notifications) == len(rows) - 1
