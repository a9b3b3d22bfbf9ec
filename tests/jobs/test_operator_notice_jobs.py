"""The operators' notices go out through the worker like every message: planned in the
poller's transaction with their delivery jobs, sent once to each owner and director."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from slotwise.connections import health
from slotwise.models import Connection, Notification
from slotwise.notifications import operator_notices
from tests.factories import World, add_connection
from tests.jobs.fixtures import Isolated
from tests.jobs.support import SmtpSink, fast_settings, job_row, maker, running_worker, wait_for

pytestmark = pytest.mark.slow


async def _all_sent(iso: Isolated, world: World) -> bool:
    """Every notice sent and its job finished: nothing can send it again from here on."""
    async with maker(iso.app)() as session:
        rows = (
            await session.scalars(select(Notification).where(Notification.firm_id == world.firm_id))
        ).all()
    if len(rows) != 2 or any(row.status != "sent" or row.job_id is None for row in rows):
        return False
    jobs = [await job_row(iso.app, row.job_id) for row in rows if row.job_id is not None]
    return all(job is not None and job["status"] == "succeeded" for job in jobs)


async def test_a_failing_connection_reaches_each_operator_through_the_worker(
    iso: Isolated, iso_world: World, sink: SmtpSink
) -> None:
    world = iso_world
    connection_id = await add_connection(iso.app, world)
    async with running_worker(fast_settings(iso.settings), sink.channel_settings()):
        async with maker(iso.app).begin() as session:
            connection = await session.get(Connection, connection_id, with_for_update=True)
            assert connection is not None
            now = datetime.now(UTC)
            if health.mark_failing(connection, "The server refused the login", now):
                await operator_notices.plan_connection_failing(session, connection, now)
        await wait_for(lambda: _all_sent(iso, world), timeout=30)
    assert [len(sink.to(world.emails[role])) for role in ("owner", "director")] == [1, 1]
    assert len(sink.messages) == 2
    assert {str(mail["Subject"]) for mail in sink.messages} == {"Verbindung gestört: YClients"}
