"""A PostgreSQL restart under load, on a server of the test's own so that it can be stopped:
the API answers 503 while it is down, and afterwards the event streams catch up and every
message committed before the stop goes out exactly once."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.embedded.server import EmbeddedPostgres
from slotwise.migrate import upgrade
from slotwise.models import Event, Notification
from slotwise.realtime.ws import CLOSE_TRY_AGAIN
from tests.factories import World, make_world
from tests.jobs.support import fast_settings, running_worker, smtp_sink, wait_for
from tests.notifications.helpers import slot
from tests.realtime.helpers import SseReader, live, recv, sse, ws

pytestmark = pytest.mark.slow

# Only bounds for a test that went wrong; nothing here waits for them.
_GENEROUS = 120.0
_FINISHED = ("sent", "skipped", "cancelled", "failed")


@pytest.fixture
def own_server() -> Iterator[EmbeddedPostgres]:
    # A short path: the socket then lives in the data directory and keeps its address
    # across restarts.
    data_dir = Path(tempfile.mkdtemp(prefix="sw-restart-"))
    server = EmbeddedPostgres(data_dir, database="slotwise_restart")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


async def _book(http: httpx.AsyncClient, world: World, week: int) -> httpx.Response:
    return await http.post(
        "/api/v1/appointments",
        headers=world.headers("director"),
        json={
            "location_id": str(world.location_id),
            "start_at": slot(weeks=week).isoformat(),
            "worker_ids": [str(world.specialist_a)],
            "services": [{"service_id": str(world.service_id)}],
            "client_id": str(world.client_id),
        },
    )


async def _events_until(reader: SseReader, last: int) -> list[int]:
    seqs: list[int] = []
    while not seqs or seqs[-1] < last:
        seqs.append(int((await reader.event(timeout=_GENEROUS)).json()["seq"]))
    return seqs


async def _firm_rows(app: FastAPI, world: World) -> tuple[list[int], list[Notification]]:
    """The events and the due outbox rows of the firm (reminders wait for their day), as
    the database has them."""
    async with app.state.sessionmaker() as session:
        seqs = list(
            (
                await session.scalars(
                    select(Event.seq).where(Event.firm_id == world.firm_id).order_by(Event.seq)
                )
            ).all()
        )
        rows = list(
            (
                await session.scalars(
                    select(Notification).where(
                        Notification.firm_id == world.firm_id,
                        Notification.send_after <= func.now(),
                    )
                )
            ).all()
        )
    return seqs, rows


@pytest.fixture
async def restartable(
    own_server: EmbeddedPostgres, tmp_path: Path
) -> AsyncIterator[tuple[Settings, FastAPI, World]]:
    """Settings and an app (for looking at the database) on the test's own server, and a
    firm there."""
    await asyncio.to_thread(upgrade, own_server.url)
    settings = Settings(
        database_url=own_server.url,
        data_dir=tmp_path,
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        confirmation_delay_seconds=0,
        notice_delay_seconds=0,
        # The listener notices a dead connection quickly.
        realtime_liveness_interval_seconds=0.5,
        realtime_liveness_timeout_seconds=2.0,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield settings, app, await make_world(app)


async def test_a_database_restart_is_survived(
    own_server: EmbeddedPostgres, restartable: tuple[Settings, FastAPI, World]
) -> None:
    settings, app, world = restartable
    statuses: list[int] = []
    writing = asyncio.Event()

    async def keep_writing(http: httpx.AsyncClient, first_week: int) -> None:
        week = first_week
        while writing.is_set():
            statuses.append((await _book(http, world, week)).status_code)
            week += 1
            await asyncio.sleep(0.02)

    with live(settings) as server, smtp_sink() as sink:
        # The mail server is away too: the messages committed before the stop wait in the
        # outbox (retried) and none can be half-sent when the database goes.
        sink.stop()
        worker_settings = fast_settings(settings, notification_max_attempts=50)
        async with (
            running_worker(worker_settings, sink.channel_settings()),
            httpx.AsyncClient(base_url=server.url, timeout=_GENEROUS) as http,
            sse(server.url, headers=world.headers("director")) as staff,
            sse(server.url, headers=world.headers("worker")) as specialist,
            ws(server.url, headers=world.headers("manager")) as board,
        ):
            for week in (2, 3, 4):
                assert (await _book(http, world, week)).status_code == 201
            writing.set()
            writer = asyncio.create_task(keep_writing(http, 10))
            await wait_for(lambda: len(statuses) >= 2, timeout=_GENEROUS)
            await asyncio.to_thread(own_server.stop)

            down = await http.get("/api/v1/appointments", headers=world.headers("director"))
            assert down.status_code == 503, down.text
            assert down.json()["code"] == "database_unavailable"
            assert int(down.headers["Retry-After"]) > 0
            refused = await _book(http, world, 100)
            assert refused.status_code == 503, refused.text
            stream = await http.get("/api/v1/events/stream", headers=world.headers("director"))
            assert stream.status_code == 503, stream.text
            # A subscription needs the database: the socket is closed with "try again".
            await board.send(json.dumps({"type": "subscribe", "id": "a", "since": 0}))
            with pytest.raises(ConnectionClosed) as closed:
                await recv(board, timeout=_GENEROUS)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == CLOSE_TRY_AGAIN

            await asyncio.to_thread(own_server.start)
            writing.clear()
            await writer
            # Writes in flight got an answer, never a 500: done, or "retry later".
            assert set(statuses) <= {201, 503}, statuses
            sink.start()
            after = await _book(http, world, 101)
            assert after.status_code == 201, after.text

            seqs, _ = await _firm_rows(app, world)
            for reader in (staff, specialist):
                # Every committed event once, in order (the connected message said 0).
                assert await _events_until(reader, seqs[-1]) == seqs

            async def all_delivered() -> bool:
                _, rows = await _firm_rows(app, world)
                return bool(rows) and all(row.status in _FINISHED for row in rows)

            await wait_for(all_delivered, timeout=_GENEROUS, interval=0.3)
        # The worker has stopped: nothing more can be sent.

    _, rows = await _firm_rows(app, world)
    assert {row.status for row in rows} == {"sent"}, [(r.type, r.status) for r in rows]
    mine = [m for m in sink.messages if world.slug in str(m["To"])]
    ids = [str(m["Message-ID"]).strip() for m in mine]
    assert len(mine) == len(rows) and len(set(ids)) == len(ids)
