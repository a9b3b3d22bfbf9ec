"""The periodic jobs run on their schedules, and their history shows in the ops API."""

from __future__ import annotations

import asyncio

import httpx

from tests.factories import World
from tests.jobs.fixtures import Isolated
from tests.jobs.support import SmtpSink, fast_settings, running_worker


async def test_periodic_runs_are_recorded(iso: Isolated, iso_client: httpx.AsyncClient,
                                          iso_world: World, sink: SmtpSink) -> None:
    async with running_worker(fast_settings(iso.settings), sink.channel_settings()):
        await asyncio.sleep(3.5)
    resp = await iso_client.get("/api/v1/ops/periodic", params={"runs": 50},
                                headers=iso_world.headers("owner"))
    assert resp.status_code == 200, resp.text
    history = {item["task"]: item["runs"] for item in resp.json()["items"]}
    for task in ("advance_statuses", "plan_reminders", "dispatch_notifications",
                 "retry_stalled_jobs"):
        runs = history[task]
        assert len(runs) >= 2, task  # one per second
        done = [run for run in runs if run["status"] == "succeeded"]
        assert done, task
        assert all(run["duration_seconds"] is not None and run["duration_seconds"] >= 0
                   for run in done)
        assert all(run["due_at"] is not None for run in runs)
        # Newest first.
        assert [run["job_id"] for run in runs] == sorted((r["job_id"] for r in runs),
                                                         reverse=True)
    queues = await iso_client.get("/api/v1/ops/queues", headers=iso_world.headers("owner"))
    periodic = {q["queue"]: q for q in queues.json()["items"]}["periodic"]
    assert periodic["running"] == 0 and periodic["failed"] == 0
