"""The periodic jobs run on their schedules, and their history shows in the ops API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import World
from tests.jobs.fixtures import Isolated
from tests.jobs.support import SmtpSink, fast_settings, running_worker, wait_for

_TASKS = ("advance_statuses", "plan_reminders", "dispatch_notifications", "retry_stalled_jobs")


async def _history(http: httpx.AsyncClient, world: World) -> dict[str, list[dict[str, Any]]]:
    resp = await http.get(
        "/api/v1/ops/periodic", params={"runs": 50}, headers=world.headers("owner")
    )
    assert resp.status_code == 200, resp.text
    return {item["task"]: item["runs"] for item in resp.json()["items"]}


def _succeeded(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [run for run in runs if run["status"] == "succeeded"]


async def test_periodic_runs_are_recorded(
    iso: Isolated, iso_client: httpx.AsyncClient, iso_world: World, sink: SmtpSink
) -> None:
    async def two_runs_each() -> bool:
        # Two runs of every task (they are due every second), the first of them finished.
        history = await _history(iso_client, iso_world)
        return all(len(history.get(task, [])) >= 2 and _succeeded(history[task]) for task in _TASKS)

    async with running_worker(fast_settings(iso.settings), sink.channel_settings()):
        await wait_for(two_runs_each, timeout=60)
    history = await _history(iso_client, iso_world)
    for task in _TASKS:
        runs = history[task]
        assert all(
            run["duration_seconds"] is not None and run["duration_seconds"] >= 0
            for run in _succeeded(runs)
        )
        assert all(run["due_at"] is not None for run in runs)
        # Newest first.
        assert [run["job_id"] for run in runs] == sorted((r["job_id"] for r in runs), reverse=True)
    queues = await iso_client.get("/api/v1/ops/queues", headers=iso_world.headers("owner"))
    periodic = {q["queue"]: q for q in queues.json()["items"]}["periodic"]
    assert periodic["running"] == 0 and periodic["failed"] == 0
