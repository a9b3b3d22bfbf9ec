"""One poll of a CalDAV connection against a real Radicale: the specialist's busy times
leave the offer, their appointments appear in the calendar and follow every change, and
the connection's health says what went wrong."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from slotwise.config import Settings
from slotwise.connections.secrets import encrypt_credentials
from slotwise.models import Connection, ExternalBusyTime
from slotwise.outbound import AllowList
from slotwise.sync.caldav_calendar import SLOTWISE_PROPERTY
from slotwise.sync.caldav_run import BACKOFF_SECONDS, run_caldav_connection
from slotwise.sync.run_outcomes import RunReport
from tests.appointments.helpers import change_appointment, created
from tests.availability.db import MONDAY, at, far_horizon, maker
from tests.availability.test_endpoint import get, slot_at, who
from tests.factories import World
from tests.notifications.channels.servers import closed_port
from tests.public.stream_helpers import go_public, public_stream
from tests.public.test_stream_live import DAY, slot
from tests.realtime.helpers import live
from tests.sync.importing import operator_notices
from tests.sync.radicale_server import RadicaleServer, phone_event, running_radicale

LOOPBACK = AllowList.parse(["127.0.0.1"])
USER, PASSWORD = "anna", "pw-anna-7"
# The poll's "now": the Sunday before the test world's Monday (its window starts a day back).
SUNDAY = datetime(2030, 1, 6, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
async def radicale(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RadicaleServer]:
    folder: Path = tmp_path_factory.mktemp("radicale-run")
    async with running_radicale(folder, {USER: PASSWORD}) as server:
        yield server


async def _connection(app: FastAPI, world: World, url: str, password: str = PASSWORD) -> uuid.UUID:
    async with maker(app).begin() as session:
        connection = Connection(
            firm_id=world.firm_id,
            kind="caldav",
            name=f"Anna's calendar {uuid.uuid4().hex[:6]}",
            location_id=world.location_id,
            specialist_id=world.specialist_a,
            settings={"url": url, "calendar": ""},
            credentials=encrypt_credentials(
                app.state.secret_key, {"username": USER, "password": password}
            ),
        )
        session.add(connection)
        await session.flush()
        return connection.id


async def _poll(app: FastAPI, connection_id: uuid.UUID, now: datetime = SUNDAY) -> RunReport:
    report = await run_caldav_connection(
        maker(app),
        connection_id,
        secret_key=app.state.secret_key,
        allowed=LOOPBACK,
        now=now,
        timeout=5,
    )
    assert report is not None
    return report


async def _row(app: FastAPI, connection_id: uuid.UUID) -> Connection:
    async with maker(app)() as session:
        row = await session.get(Connection, connection_id)
        assert row is not None
        return row


def _counts(report: RunReport) -> dict[str, Any]:
    run = report.run
    return {"outcome": run.outcome, "in": run.imported, "out": run.deleted, "written": run.updated}


async def _anna_at(client: httpx.AsyncClient, world: World, clock: str) -> bool:
    resp = await get(client, world)
    assert resp.status_code == 200, resp.text
    slot = slot_at(resp.json(), clock)
    return slot is not None and "Anna" in who(slot)


async def test_a_busy_event_removes_the_slots_it_covers_until_it_is_gone(
    client: httpx.AsyncClient, app: FastAPI, world: World, radicale: RadicaleServer
) -> None:
    await far_horizon(app, world)
    calendar = await radicale.make_calendar(USER)
    dentist = await radicale.put_event(
        USER, calendar, phone_event(at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    )
    connection_id = await _connection(app, world, calendar)
    assert await _anna_at(client, world, "10:15")

    first = await _poll(app, connection_id)
    assert _counts(first) == {"outcome": "ok", "in": 1, "out": 0, "written": 0}
    assert not await _anna_at(client, world, "10:15")
    assert not await _anna_at(client, world, "09:45")  # 30 minutes would run into it
    assert await _anna_at(client, world, "11:00")
    # The others are still offered at the dentist's time.
    resp = await get(client, world)
    slot = slot_at(resp.json(), "10:15")
    assert slot is not None and who(slot) == ["Ben", "Cem"]

    again = await _poll(app, connection_id)
    assert _counts(again) == {"outcome": "ok", "in": 0, "out": 0, "written": 0}

    await radicale.delete_event(USER, dentist)
    gone = await _poll(app, connection_id)
    assert _counts(gone) == {"outcome": "ok", "in": 0, "out": 1, "written": 0}
    assert await _anna_at(client, world, "10:15")
    async with maker(app)() as session:
        left = await session.scalar(
            select(func.count()).where(ExternalBusyTime.connection_id == connection_id)
        )
    assert left == 0


async def test_an_appointment_is_written_moved_and_removed_from_the_calendar(
    client: httpx.AsyncClient, app: FastAPI, world: World, radicale: RadicaleServer
) -> None:
    calendar = await radicale.make_calendar(USER)
    connection_id = await _connection(app, world, calendar)
    appointment = await created(client, world, start_at="2030-01-07T10:00:00+00:00")

    written = await _poll(app, connection_id)
    assert _counts(written) == {"outcome": "ok", "in": 0, "out": 0, "written": 1}
    [event] = await radicale.events(USER, calendar)
    assert str(event[SLOTWISE_PROPERTY]) == appointment["id"]
    assert event.start == datetime(2030, 1, 7, 10, tzinfo=UTC)
    assert "Haircut" in str(event["SUMMARY"])
    # Our own event is no busy time of the calendar: nothing came in.
    unchanged = await _poll(app, connection_id)
    assert _counts(unchanged) == {"outcome": "ok", "in": 0, "out": 0, "written": 0}

    moved = await change_appointment(
        client, world, appointment, start_at="2030-01-07T13:00:00+00:00"
    )
    # The change makes the calendar due at once (the poll above set its turn for 2030).
    next_run = (await _row(app, connection_id)).next_run_at
    assert next_run is not None and next_run <= datetime.now(UTC)
    assert _counts(await _poll(app, connection_id))["written"] == 1
    [event] = await radicale.events(USER, calendar)
    assert event.start == datetime(2030, 1, 7, 13, tzinfo=UTC)
    assert event.get("SEQUENCE") == moved["version"]

    await change_appointment(client, world, moved, status="cancelled")
    assert _counts(await _poll(app, connection_id))["written"] == 1
    assert await radicale.events(USER, calendar) == []


async def test_a_wrong_password_makes_the_connection_failing_and_tells_once(
    app: FastAPI, world: World, radicale: RadicaleServer
) -> None:
    calendar = await radicale.make_calendar(USER)
    connection_id = await _connection(app, world, calendar, password="wrong")

    first = await _poll(app, connection_id)
    second = await _poll(app, connection_id, SUNDAY + timedelta(minutes=1))
    row = await _row(app, connection_id)

    assert (first.run.outcome, first.tell_operators) == ("failed", True)
    assert (second.run.outcome, second.tell_operators) == ("failed", False)
    assert row.health == "failing"
    assert row.failure_reason is not None and "refused" in row.failure_reason
    assert first.run.error == row.failure_reason
    # The firm's owner and director are told once, not again at the second failing poll.
    assert await operator_notices(app, world, "connection_failing") == sorted(
        [world.emails["owner"], world.emails["director"]]
    )


async def test_a_server_that_is_away_backs_off_without_failing_the_connection(
    app: FastAPI, world: World
) -> None:
    connection_id = await _connection(
        app, world, f"http://127.0.0.1:{closed_port()}/anna/calendar/"
    )
    report = await _poll(app, connection_id)
    row = await _row(app, connection_id)

    assert (report.run.outcome, report.tell_operators) == ("failed", False)
    assert row.health == "new"
    assert row.next_run_at == SUNDAY + timedelta(seconds=BACKOFF_SECONDS)


async def test_a_busy_time_read_is_announced_to_open_booking_pages(
    client: httpx.AsyncClient,
    app: FastAPI,
    settings: Settings,
    world: World,
    radicale: RadicaleServer,
) -> None:
    await go_public(client, world)
    calendar = await radicale.make_calendar(USER)
    start = slot(0)
    await radicale.put_event(USER, calendar, phone_event(start, start + timedelta(hours=1)))
    connection_id = await _connection(app, world, calendar)
    with live(settings) as server:
        async with public_stream(server.url, world) as stream:
            report = await _poll(app, connection_id, datetime.now(UTC))
            days = await stream.change_with(DAY)
    assert _counts(report)["in"] == 1
    assert days is not None and DAY in days
