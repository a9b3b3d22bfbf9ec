"""The operations API: who may use it, what it shows, and that it shows each firm its own."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from slotwise.config import Settings
from tests.booking.helpers import hold
from tests.factories import World
from tests.jobs.support import job_row, maker, serving
from tests.notifications.helpers import book, of, planned, slot

OPS = "/api/v1/ops"
ENDPOINTS = [
    ("GET", f"{OPS}/queues"),
    ("GET", f"{OPS}/jobs"),
    ("GET", f"{OPS}/jobs/1"),
    ("POST", f"{OPS}/jobs/1/retry"),
    ("GET", f"{OPS}/periodic"),
    ("GET", f"{OPS}/notifications"),
]


@pytest.mark.parametrize("role", ["manager", "worker", "client"])
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_only_owner_and_director(
    client: httpx.AsyncClient, world: World, role: str, method: str, path: str
) -> None:
    resp = await client.request(method, path, headers=world.headers(role))
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"
    assert (await client.request(method, path)).status_code == 401


async def _fail(app: FastAPI, job_id: int) -> None:
    async with maker(app).begin() as session:
        await session.execute(
            text("UPDATE procrastinate.procrastinate_jobs SET status = 'doing' WHERE id = :id"),
            {"id": job_id},
        )
        await session.execute(
            text(
                "UPDATE procrastinate.procrastinate_jobs "
                "SET status = 'failed', attempts = 8 WHERE id = :id"
            ),
            {"id": job_id},
        )


async def test_failed_jobs_are_listed_and_retried(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    mine = of(await planned(app, await book(client, world, slot())), "confirmation")[0]
    theirs = of(await planned(app, await book(client, other_world, slot())), "confirmation")[0]
    assert mine.job_id is not None and theirs.job_id is not None
    await _fail(app, mine.job_id)
    await _fail(app, theirs.job_id)

    for role in ("owner", "director"):
        resp = await client.get(
            f"{OPS}/jobs", params={"status": "failed"}, headers=world.headers(role)
        )
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert [job["id"] for job in page["items"]] == [mine.job_id]
        assert page["total"] == 1
    [job] = page["items"]
    assert job["task"] == "deliver_notification" and job["queue"] == "notifications"
    assert job["notification_id"] == str(mine.id) and job["attempts"] == 8
    assert job["deferred_at"] is not None and job["finished_at"] is not None

    # Another firm's job is not there, as if it did not exist.
    other = await client.post(f"{OPS}/jobs/{theirs.job_id}/retry", headers=world.headers("owner"))
    assert other.status_code == 404 and other.json()["code"] == "job_not_found"

    retried = await client.post(
        f"{OPS}/jobs/{mine.job_id}/retry", headers=world.headers("director")
    )
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "todo" and retried.json()["attempts"] == 9
    stored = await job_row(app, mine.job_id)
    assert stored is not None and stored["status"] == "todo"

    again = await client.post(f"{OPS}/jobs/{mine.job_id}/retry", headers=world.headers("director"))
    assert again.status_code == 409 and again.json()["code"] == "job_not_failed"
    bad = await client.get(
        f"{OPS}/jobs", params={"status": "broken"}, headers=world.headers("owner")
    )
    assert bad.status_code == 422


async def test_queue_statistics(settings: Settings, world: World) -> None:
    # An hour's grace delay: the delayed messages are still scheduled when the test looks,
    # however slowly it runs.
    hour = settings.model_copy(
        update={
            "confirmation_delay_seconds": 3600,
            "notice_delay_seconds": 3600,
            "notification_dispatch_horizon_seconds": 7200,
        }
    )
    async with serving(hour) as (_, client):
        await book(client, world, slot())  # two messages due in an hour: scheduled
        held = await hold(client, world, "client", slot(hour=15))
        before = datetime.now(UTC)
        confirmed = await client.post(
            "/api/v1/appointments",
            headers=world.headers("client"),
            json={"hold_id": held.json()["id"]},
        )
        # Its confirmation is due now (waiting); the worker's notice waits out the delay.
        assert confirmed.status_code == 201
        resp = await client.get(f"{OPS}/queues", headers=world.headers("owner"))
        after = datetime.now(UTC)
    assert resp.status_code == 200, resp.text
    queues = {q["queue"]: q for q in resp.json()["items"]}
    assert set(queues) == {"notifications", "periodic", "sync"}
    notifications = queues["notifications"]
    assert (
        notifications["waiting"],
        notifications["scheduled"],
        notifications["running"],
        notifications["failed"],
    ) == (1, 3, 0, 0)
    assert 0 <= notifications["oldest_waiting_seconds"] <= (after - before).total_seconds()
    assert queues["periodic"]["oldest_waiting_seconds"] is None


async def test_notification_log_of_an_appointment(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    appointment = await book(client, world, slot())
    resp = await client.get(
        f"{OPS}/notifications",
        params={"appointment_id": appointment["id"]},
        headers=world.headers("owner"),
    )
    assert resp.status_code == 200, resp.text
    log = resp.json()
    assert sorted(item["type"] for item in log["items"]) == [
        "confirmation",
        "reminder",
        "reminder",
        "worker_assigned",
    ]
    assert log["total"] == 4
    assert all(item["status"] == "pending" for item in log["items"])

    pending = await client.get(
        f"{OPS}/notifications", params={"status": "sent"}, headers=world.headers("director")
    )
    assert pending.json()["total"] == 0
    # Another firm's operators see nothing of it.
    elsewhere = await client.get(
        f"{OPS}/notifications",
        params={"appointment_id": appointment["id"]},
        headers=other_world.headers("owner"),
    )
    assert elsewhere.status_code == 200 and elsewhere.json()["items"] == []


async def test_periodic_schedules_are_listed(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.get(f"{OPS}/periodic", headers=world.headers("director"))
    assert resp.status_code == 200, resp.text
    schedules = {item["task"]: item["schedule"] for item in resp.json()["items"]}
    assert schedules == {
        "advance_statuses": "* * * * *",
        "plan_reminders": "*/5 * * * *",
        "dispatch_notifications": "* * * * *",
        "sweep_connections": "* * * * * */10",
        "retry_stalled_jobs": "* * * * *",
        "cleanup": "17 * * * *",
    }
