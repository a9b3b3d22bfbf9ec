"""What operators read of the sync: status, runs, conflicts and held records (written here
through the repository as the poller will), "sync now", and the health the poller reports."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections import health, repository
from slotwise.models import Connection
from tests.connections.helpers import API, connection_row, create, yclients_body
from tests.factories import World, add_appointment

T0 = datetime(2030, 1, 7, 9, tzinfo=UTC)


async def _with_connection(
    app: FastAPI,
    world: World,
    connection_id: str,
    work: Callable[[AsyncSession, Connection], Awaitable[Any]],
) -> Any:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        connection = await repository.get_connection(
            session, world.firm_id, uuid.UUID(connection_id), for_update=True
        )
        return await work(session, connection)


async def _get(client: httpx.AsyncClient, world: World, path: str) -> Any:
    resp = await client.get(f"{API}/{path}", headers=world.headers("director"))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_status_and_runs(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    created = await create(client, world, yclients_body(world))
    cid = created["id"]
    status = await _get(client, world, f"{cid}/status")
    assert status["latest_run"] is None and status["health"] == "new"
    assert status["totals"] == dict.fromkeys(
        ("requests", "imported", "updated", "deleted", "conflicts", "errors"), 0
    )

    async def two_runs(session: AsyncSession, connection: Connection) -> None:
        first = await repository.start_run(session, connection, T0)
        await repository.finish_run(
            session, first, outcome="ok", now=T0 + timedelta(seconds=2), requests=3, imported=5
        )
        second = await repository.start_run(session, connection, T0 + timedelta(minutes=1))
        await repository.finish_run(
            session,
            second,
            outcome="partial",
            now=T0 + timedelta(minutes=1, seconds=1),
            error="record 12: no datetime",
            requests=1,
            updated=2,
            deleted=1,
            errors=1,
        )
        health.mark_ok(connection, T0 + timedelta(minutes=1), {"changed_after": "2030-01-07T09:01"})
        health.schedule_next(connection, T0 + timedelta(minutes=1))

    await _with_connection(app, world, cid, two_runs)
    status = await _get(client, world, f"{cid}/status")
    assert status["health"] == "ok"
    assert status["cursor"] == {"changed_after": "2030-01-07T09:01"}
    assert status["last_success_at"] == "2030-01-07T09:01:00Z"
    assert status["last_run_at"] == "2030-01-07T09:01:00Z"
    assert status["next_run_at"] == "2030-01-07T09:02:00Z"
    latest = status["latest_run"]
    assert latest["outcome"] == "partial" and latest["error"] == "record 12: no datetime"
    assert (latest["requests"], latest["updated"], latest["deleted"], latest["errors"]) == (
        1,
        2,
        1,
        1,
    )
    assert status["totals"] == {
        "requests": 4,
        "imported": 5,
        "updated": 2,
        "deleted": 1,
        "conflicts": 0,
        "errors": 1,
    }
    runs = await _get(client, world, f"{cid}/runs")
    assert runs["total"] == 2
    assert [run["outcome"] for run in runs["items"]] == ["partial", "ok"]
    page = await _get(client, world, f"{cid}/runs?limit=1&offset=1")
    assert [run["outcome"] for run in page["items"]] == ["ok"] and page["total"] == 2


async def test_conflicts_open_once_and_resolve(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    cid = created["id"]
    appointment = await add_appointment(app, world, workers=[world.specialist_a])

    async def conflicts(session: AsyncSession, connection: Connection) -> None:
        opened = [
            await repository.open_conflict(
                session,
                connection,
                external_id="501",
                appointment_id=appointment,
                reason=reason,
                payload={"id": 501, "staff_id": 17},
            )
            for reason in ("overlaps an appointment", "still overlaps")
        ]
        # The second one refreshes the first: the same row, and it says it is not new.
        assert [o.created for o in opened] == [True, False]
        assert opened[0].conflict.id == opened[1].conflict.id
        assert opened[1].conflict.reason == "still overlaps"
        await repository.open_conflict(
            session, connection, external_id="502", appointment_id=None, reason="r", payload={}
        )
        assert await repository.resolve_conflict(session, connection, "502", T0)
        assert not await repository.resolve_conflict(session, connection, "502", T0)

    await _with_connection(app, world, cid, conflicts)
    open_ = await _get(client, world, f"{cid}/conflicts")
    assert open_["total"] == 1
    item = open_["items"][0]
    assert item["external_id"] == "501" and item["reason"] == "still overlaps"
    assert item["appointment_id"] == str(appointment)
    assert item["payload"] == {"id": 501, "staff_id": 17} and item["status"] == "open"
    resolved = await _get(client, world, f"{cid}/conflicts?status=resolved")
    assert [c["external_id"] for c in resolved["items"]] == ["502"]
    assert resolved["items"][0]["resolved_at"] == "2030-01-07T09:00:00Z"
    assert (await _get(client, world, f"{cid}/conflicts?status=all"))["total"] == 2
    assert (await _get(client, world, f"{cid}/status"))["open_conflicts"] == 1

    # A conflict outlives the appointment in the way, without it.
    await client.delete(f"/api/v1/appointments/{appointment}", headers=world.headers("owner"))
    assert (await _get(client, world, f"{cid}/conflicts"))["items"][0]["appointment_id"] is None


async def test_held_records(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    created = await create(client, world, yclients_body(world))
    cid = created["id"]

    async def hold(session: AsyncSession, connection: Connection) -> None:
        await repository.hold_record(
            session,
            connection,
            external_id="601",
            reason="needs_mapping",
            detail="staff 18 is not mapped",
            payload={"id": 601},
        )
        await repository.hold_record(
            session, connection, external_id="602", reason="malformed", detail="x", payload={}
        )
        await repository.hold_record(
            session, connection, external_id="603", reason="malformed", detail="y", payload={}
        )
        await repository.release_record(session, connection, "603")

    await _with_connection(app, world, cid, hold)
    held = await _get(client, world, f"{cid}/held")
    assert {row["external_id"] for row in held["items"]} == {"601", "602"}
    needs = await _get(client, world, f"{cid}/held?reason=needs_mapping")
    assert [row["detail"] for row in needs["items"]] == ["staff 18 is not mapped"]
    assert needs["items"][0]["payload"] == {"id": 601}
    status = await _get(client, world, f"{cid}/status")
    assert status["held"] == {"needs_mapping": 1, "malformed": 1}


async def test_sync_now_makes_the_connection_due(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    cid = created["id"]

    async def later(session: AsyncSession, connection: Connection) -> None:
        health.schedule_next(connection, datetime.now(UTC), delay_seconds=3600)

    await _with_connection(app, world, cid, later)
    before = datetime.now(UTC)
    resp = await client.post(f"{API}/{cid}/sync", headers=world.headers("owner"))
    assert resp.status_code == 202, resp.text
    due = datetime.fromisoformat(resp.json()["next_run_at"])
    assert before <= due <= datetime.now(UTC)
    row = await connection_row(app, cid)
    assert row.next_run_at == due and row.version == 1
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        assert row.id in {
            c.id for c in await repository.due_connections(session, datetime.now(UTC))
        }

    headers = {**world.headers("owner"), "If-Match": '"1"'}
    await client.patch(f"{API}/{cid}", json={"enabled": False}, headers=headers)
    resp = await client.post(f"{API}/{cid}/sync", headers=world.headers("owner"))
    assert (resp.status_code, resp.json()["code"]) == (409, "connection_disabled")
    async with maker() as session:
        assert row.id not in {
            c.id for c in await repository.due_connections(session, datetime.now(UTC))
        }


async def test_operators_are_told_once_per_failure(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))

    async def fail_twice_recover_fail(session: AsyncSession, connection: Connection) -> list[bool]:
        told = [
            health.mark_failing(connection, "401 Unauthorized", T0),
            health.mark_failing(connection, "401 again", T0 + timedelta(minutes=1)),
        ]
        assert connection.failing_since == T0 and connection.failure_reason == "401 again"
        health.mark_ok(connection, T0 + timedelta(minutes=2))
        told.append(health.mark_failing(connection, "403", T0 + timedelta(minutes=3)))
        return told

    assert await _with_connection(app, world, created["id"], fail_twice_recover_fail) == [
        True,
        False,
        True,
    ]
    status = await _get(client, world, f"{created['id']}/status")
    assert status["health"] == "failing" and status["failure_reason"] == "403"
    assert status["failing_since"] == "2030-01-07T09:03:00Z"


async def test_deleting_a_connection_takes_its_history(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    appointment = await add_appointment(app, world, workers=[world.specialist_a])

    async def record(session: AsyncSession, connection: Connection) -> None:
        await repository.start_run(session, connection, T0)
        await repository.link(
            session,
            connection,
            appointment_id=appointment,
            external_id="701",
            direction="imported",
            external_version="2030-01-07T08:00:00+03:00",
            now=T0,
        )
        link = await repository.link_of_external(session, connection, "701")
        assert link is not None and link.appointment_id == appointment
        assert await repository.link_of_appointment(session, connection, appointment) is not None

    await _with_connection(app, world, created["id"], record)
    resp = await client.delete(f"{API}/{created['id']}", headers=world.headers("owner"))
    assert resp.status_code == 204
    kept = await client.get(f"/api/v1/appointments/{appointment}", headers=world.headers("owner"))
    assert kept.status_code == 200
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        for table in ("sync_runs", "sync_links"):
            left = await session.scalar(
                text(f"SELECT count(*) FROM {table} WHERE connection_id = :id"),
                {"id": created["id"]},
            )
            assert left == 0, table
