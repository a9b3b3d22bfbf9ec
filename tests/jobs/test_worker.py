"""The worker end to end: real API, real PostgreSQL, real SMTP server on loopback, workers in
this process or as ``slotwise worker`` subprocesses (killed, stopped, several at once)."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from slotwise.models import Notification
from slotwise.notifications.templates.locales import CATALOGS
from tests.appointments.helpers import change_appointment
from tests.factories import World
from tests.jobs.fixtures import Isolated
from tests.jobs.support import (
    SmtpSink,
    fast_settings,
    job_row,
    maker,
    running_worker,
    spawn_worker,
    stop_process,
    wait_for,
    worker_env,
)
from tests.notifications.helpers import book, delayed_from, of, planned, slot

pytestmark = pytest.mark.slow


def clara(world: World) -> str:
    return f"clara-{world.slug}@example.com"


async def _delivered(
    iso: Isolated, appointment: dict[str, Any], type_: str = "confirmation"
) -> Notification | None:
    """The message once it is sent and its job has finished: from then on nothing can send
    it again, so what the SMTP server holds is final."""
    [row] = of(await planned(iso.app, appointment), type_)
    if row.status != "sent" or row.job_id is None:
        return None
    job = await job_row(iso.app, row.job_id)
    return row if job is not None and job["status"] == "succeeded" else None


async def _job_events(iso: Isolated, job_id: int) -> list[tuple[str, datetime]]:
    async with maker(iso.app)() as session:
        rows = await session.execute(
            text(
                "SELECT type::text, at FROM procrastinate.procrastinate_events WHERE job_id = :id "
                "ORDER BY id"
            ),
            {"id": job_id},
        )
        return [(kind, at) for kind, at in rows]


async def _workers_delivering(iso: Isolated) -> int:
    """How many workers have a message job running right now."""
    async with maker(iso.app)() as session:
        count = await session.scalar(
            text(
                "SELECT count(DISTINCT worker_id) FROM procrastinate.procrastinate_jobs "
                "WHERE status = 'doing' AND task_name = 'deliver_notification'"
            )
        )
        return int(count or 0)


async def _event_types(iso: Isolated, job_id: int) -> list[str]:
    return [kind for kind, _ in await _job_events(iso, job_id)]


async def test_booking_through_the_api_is_confirmed_once_after_the_delay(
    iso: Isolated, iso_client: httpx.AsyncClient, iso_world: World, sink: SmtpSink
) -> None:
    world = iso_world
    resp = await iso_client.patch(
        f"/api/v1/clients/{world.client_id}",
        headers=world.headers("director"),
        json={"locale": "ru"},
    )
    assert resp.status_code == 200, resp.text
    async with running_worker(fast_settings(iso.settings), sink.channel_settings()):
        before = datetime.now(UTC)
        appointment = await book(iso_client, world, slot(hour=10))
        after = datetime.now(UTC)
        # Edited right away: the one confirmation carries the final time.
        await change_appointment(iso_client, world, appointment, start_at=slot(hour=11).isoformat())
        row = await wait_for(lambda: _delivered(iso, appointment), timeout=30)

    [mail] = sink.to(clara(world))
    # Not sent before the grace delay was over: its job started no earlier than that.
    assert delayed_from(row.send_after, before, after, timedelta(seconds=1))
    assert row.job_id is not None
    started = [at for kind, at in await _job_events(iso, row.job_id) if kind == "started"]
    assert len(started) == 1 and started[0] >= row.send_after
    # Nothing else is on its way to the client: only the reminders wait, days ahead.
    waiting = [
        r
        for r in await planned(iso.app, appointment)
        if r.client_id == world.client_id and r.status in ("pending", "sending")
    ]
    assert waiting and all(
        r.type == "reminder" and r.send_after > after + timedelta(days=1) for r in waiting
    )
    # 11:00 Berlin time, whatever the zone of the server, in the client's Russian.
    start = slot(hour=11)
    month = CATALOGS["ru"].months[start.month - 1]
    assert str(mail["Subject"]) == (
        f"Запись подтверждена: понедельник, {start.day} {month} {start.year}, 11:00"
    )
    assert (row.status, row.attempts, row.channel) == ("sent", 1, "email")


async def test_smtp_down_is_retried_with_backoff_and_delivered_once_it_is_back(
    iso: Isolated, iso_client: httpx.AsyncClient, iso_world: World, sink: SmtpSink
) -> None:
    world = iso_world
    sink.stop()
    async with running_worker(fast_settings(iso.settings), sink.channel_settings()):
        appointment = await book(iso_client, world, slot())
        [row] = of(await planned(iso.app, appointment), "confirmation")

        async def attempts() -> int:
            [current] = of(await planned(iso.app, appointment), "confirmation")
            return current.attempts if current.attempts >= 2 else 0

        await wait_for(attempts, timeout=20)
        [waiting] = of(await planned(iso.app, appointment), "confirmation")
        assert waiting.status in ("pending", "sending")
        assert waiting.last_error is not None and "SMTP" in waiting.last_error
        sink.start()
        await wait_for(lambda: _delivered(iso, appointment), timeout=30)

    assert len(sink.to(clara(world))) == 1
    [sent] = of(await planned(iso.app, appointment), "confirmation")
    assert sent.status == "sent" and sent.attempts >= 3
    assert row.job_id is not None
    job = await job_row(iso.app, row.job_id)
    assert job is not None and job["status"] == "succeeded"
    events = await _event_types(iso, row.job_id)
    assert events.count("deferred_for_retry") == sent.attempts - 1


async def test_a_killed_worker_s_job_runs_again_and_sends_once(
    iso: Isolated, iso_client: httpx.AsyncClient, iso_world: World, sink: SmtpSink, tmp_path: Path
) -> None:
    world = iso_world
    env = worker_env(iso.settings, sink)
    sink.handler.stall.set()
    first = spawn_worker(env, tmp_path / "worker.log", "doomed")
    second = None
    try:
        appointment = await book(iso_client, world, slot())
        [row] = of(await planned(iso.app, appointment), "confirmation")
        # The worker is talking to the SMTP server, in the middle of this very message.
        await wait_for(sink.handler.stalled.is_set, timeout=30)
        [sending] = of(await planned(iso.app, appointment), "confirmation")
        assert sending.status == "sending" and sending.sending_job_id == row.job_id
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        sink.handler.stall.clear()
        assert sink.to(clara(world)) == []

        second = spawn_worker(env, tmp_path / "worker.log", "survivor")
        await wait_for(lambda: _delivered(iso, appointment), timeout=60)
    finally:
        sink.handler.stall.clear()
        stop_process(first)
        if second is not None:
            stop_process(second)

    assert len(sink.to(clara(world))) == 1
    [sent] = of(await planned(iso.app, appointment), "confirmation")
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert row.job_id is not None
    events = await _event_types(iso, row.job_id)
    assert events.count("started") == 2  # the same job, run again after its worker died
    job = await job_row(iso.app, row.job_id)
    assert job is not None and job["status"] == "succeeded"


async def test_sigterm_lets_the_running_job_finish(
    iso: Isolated, iso_client: httpx.AsyncClient, iso_world: World, sink: SmtpSink, tmp_path: Path
) -> None:
    world = iso_world
    sink.handler.stall.set()
    log = tmp_path / "worker.log"
    worker = spawn_worker(worker_env(iso.settings, sink), log, "graceful")
    try:
        appointment = await book(iso_client, world, slot())
        await wait_for(sink.handler.stalled.is_set, timeout=30)
        worker.send_signal(signal.SIGTERM)
        # The worker has taken the stop request and still waits for its job.
        await wait_for(lambda: "Stop requested" in log.read_text(), timeout=30)
        assert worker.poll() is None, "stopped before its job finished"
        sink.handler.stall.clear()
        assert await asyncio.to_thread(worker.wait, 30) == 0
    finally:
        sink.handler.stall.clear()
        stop_process(worker)
    assert len(sink.to(clara(world))) == 1
    [sent] = of(await planned(iso.app, appointment), "confirmation")
    assert (sent.status, sent.attempts) == ("sent", 1)


async def test_several_workers_share_the_work_and_send_each_message_once(
    iso: Isolated, iso_client: httpx.AsyncClient, iso_world: World, sink: SmtpSink, tmp_path: Path
) -> None:
    world = iso_world
    env = worker_env(iso.settings, sink)
    # While the SMTP server stalls, each worker is stuck with the jobs it took (at most its
    # concurrency), so the others must take the rest: every worker gets some, by design.
    sink.handler.stall.set()
    workers = [spawn_worker(env, tmp_path / f"worker-{n}.log", f"w{n}") for n in range(3)]
    try:
        appointments = []
        for week in (2, 3, 4):
            for hour in (9, 10, 11, 12, 13, 14):
                appointments.append(
                    await book(
                        iso_client, world, slot(weeks=week, hour=hour), workers=[world.specialist_b]
                    )
                )
        expected = 2 * len(appointments)  # a confirmation and a worker's notice each

        async def all_delivering() -> bool:
            return await _workers_delivering(iso) == len(workers)

        await wait_for(all_delivering, timeout=90)
        sink.handler.stall.clear()

        async def delivered() -> bool:
            return all(
                [
                    await _delivered(iso, appointment, type_)
                    for appointment in appointments
                    for type_ in ("confirmation", "worker_assigned")
                ]
            )

        await wait_for(delivered, timeout=90)
    finally:
        sink.handler.stall.clear()
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            await asyncio.to_thread(worker.wait, 30)
            stop_process(worker)

    mine = [m for m in sink.messages if world.slug in str(m["To"])]
    ids = [str(m["Message-ID"]).strip() for m in mine]
    assert len(mine) == expected and len(set(ids)) == expected
    assert len(sink.to(clara(world))) == len(appointments)
    assert len(sink.to(world.emails["worker_b"])) == len(appointments)
