"""What one poll does when YClients fails it: 401/403 mark the connection failing and tell the
operators once; 429, 5xx and no answer come back later, not before ``Retry-After``; the cursor
moves only with records applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import func, select, update

from slotwise.connections.secrets import encrypt_credentials
from slotwise.models import Connection, SyncRun
from slotwise.sync.caldav_run import BACKOFF_SECONDS
from tests.factories import World
from tests.notifications.channels.servers import closed_port
from tests.sync.importing import (
    add_connection,
    at,
    connection,
    imported,
    key,
    maker_of,
    operator_notices,
    poll,
    with_names,
)
from tests.sync.yclients_server import PARTNER_TOKEN, USER_TOKEN, FakeYclients


async def test_401_marks_the_connection_failing_and_tells_the_operators_once(
    app: FastAPI, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    fake.add_record(9, at(10))
    connection_id = await add_connection(app, world, fake, user_token="revoked-token")

    now = datetime.now(UTC)
    first = await poll(app, connection_id, now)
    assert first.run.outcome == "failed" and first.tell_operators
    assert first.run.error is not None and "401" in first.run.error
    assert "revoked-token" not in first.run.error
    failing = await connection(app, connection_id)
    assert failing.health == "failing" and failing.failure_reason == first.run.error
    # Tried again by itself after five minutes (new credentials make it due at once).
    assert failing.next_run_at == now + timedelta(seconds=300) and failing.cursor == {}
    operators = sorted([world.emails["owner"], world.emails["director"]])
    assert await operator_notices(app, world, "connection_failing") == operators

    second = await poll(app, connection_id)
    assert second.run.outcome == "failed" and not second.tell_operators
    assert (await connection(app, connection_id)).failing_since == failing.failing_since
    assert await operator_notices(app, world, "connection_failing") == operators  # once
    assert await imported(app, world) == []

    # Someone enters the right token: the next poll works and the failure is forgotten.
    async with maker_of(app).begin() as session:
        await session.execute(
            update(Connection)
            .where(Connection.id == connection_id)
            .values(
                credentials=encrypt_credentials(
                    app.state.secret_key,
                    {"partner_token": PARTNER_TOKEN, "user_token": USER_TOKEN},
                )
            )
        )
    healed = await poll(app, connection_id)
    assert (healed.run.outcome, healed.run.imported) == ("ok", 1)
    row = await connection(app, connection_id)
    assert (row.health, row.failure_reason, row.operators_told_at) == ("ok", None, None)


async def test_429_comes_back_after_retry_after_with_the_cursor_where_it_was(
    app: FastAPI, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    first_id = fake.add_record(9, at(10))
    connection_id = await add_connection(app, world, fake)
    assert (await poll(app, connection_id)).run.imported == 1
    cursor = (await connection(app, connection_id)).cursor
    assert cursor["changed_after"]

    second_id = fake.add_record(9, at(12), at=datetime.now(UTC) + timedelta(seconds=5))
    fake.fail_next(status=429, retry_after="120")
    now = datetime.now(UTC)
    report = await poll(app, connection_id, now)
    assert report.run.outcome == "failed" and not report.tell_operators
    assert report.run.error is not None and "429" in report.run.error
    row = await connection(app, connection_id)
    assert row.next_run_at == now + timedelta(seconds=120)
    assert row.cursor == cursor and row.health == "ok"

    later = await poll(app, connection_id, now + timedelta(seconds=120))
    assert (later.run.outcome, later.run.imported) == ("ok", 1)
    assert [a.external_id for a in await imported(app, world)] == [key(first_id), key(second_id)]
    assert (await connection(app, connection_id)).cursor["changed_after"] > cursor["changed_after"]


async def test_5xx_and_no_answer_are_tried_again_at_the_next_turn(
    app: FastAPI, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    connection_id = await add_connection(app, world, fake)
    fake.fail_next(status=502)
    now = datetime.now(UTC)
    report = await poll(app, connection_id, now)
    assert report.run.outcome == "failed" and not report.tell_operators
    row = await connection(app, connection_id)
    assert row.next_run_at == now + timedelta(seconds=row.poll_interval_seconds)
    assert row.health == "new"

    # Nobody listens on the port any more.
    async with maker_of(app).begin() as session:
        await session.execute(
            update(Connection)
            .where(Connection.id == connection_id)
            .values(settings={**row.settings, "base_url": "http://127.0.0.1:9"})
        )
    unreachable = await poll(app, connection_id, now)
    assert unreachable.run.outcome == "failed" and not unreachable.tell_operators
    assert (await connection(app, connection_id)).health == "new"


async def test_an_answer_that_is_not_the_apis_marks_it_failing(
    app: FastAPI, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    connection_id = await add_connection(app, world, fake)
    fake.break_json_next()
    report = await poll(app, connection_id)
    assert report.run.outcome == "failed" and report.tell_operators
    assert (await connection(app, connection_id)).health == "failing"


async def test_a_disabled_connection_is_not_polled(
    app: FastAPI, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    fake.add_record(9, at(10))
    connection_id = await add_connection(app, world, fake)
    async with maker_of(app).begin() as session:
        await session.execute(
            update(Connection).where(Connection.id == connection_id).values(enabled=False)
        )
    report = await poll(app, connection_id)
    assert report.run.outcome == "skipped"
    assert fake.requests == [] and await imported(app, world) == []


async def test_a_calendar_connection_goes_to_the_caldav_poll(app: FastAPI, world: World) -> None:
    async with maker_of(app).begin() as session:
        calendar = Connection(
            firm_id=world.firm_id,
            kind="caldav",
            name="Anna's calendar",
            location_id=world.location_id,
            specialist_id=world.specialist_a,
            # Nobody listens there: the CalDAV poll finds the server away.
            settings={"url": f"http://127.0.0.1:{closed_port()}/anna/"},
            credentials=encrypt_credentials(
                app.state.secret_key, {"username": "anna", "password": "secret"}
            ),
        )
        session.add(calendar)
        await session.flush()
        calendar_id = calendar.id
    now = datetime.now(UTC)
    report = await poll(app, calendar_id, now)
    assert report.run.outcome == "failed" and not report.tell_operators
    row = await connection(app, calendar_id)
    assert row.next_run_at == now + timedelta(seconds=BACKOFF_SECONDS)
    async with maker_of(app)() as session:
        runs = await session.scalar(
            select(func.count()).where(SyncRun.connection_id == calendar_id)
        )
    assert runs == 1
