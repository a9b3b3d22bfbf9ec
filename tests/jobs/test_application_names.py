"""Every connection says which process opened it, so ``pg_stat_activity`` tells them apart."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.admin import UserSpec, create_user
from slotwise.jobs.runtime import JobRuntime
from slotwise.jobs.worker import run_worker
from slotwise.migrate import check_schema, upgrade
from tests.jobs.fixtures import Isolated
from tests.jobs.support import fast_settings, maker, wait_for

_OWN = text("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
_ALL = text(
    "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database()"
)


@contextlib.contextmanager
def _names_of_new_connections() -> Iterator[list[str]]:
    """The ``application_name`` that ``pg_stat_activity`` shows for every connection any
    SQLAlchemy engine (sync or async) opens within the block, asked on the connection itself."""
    names: list[str] = []

    def record(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(str(_OWN))
            names.append(cursor.fetchone()[0])
        finally:
            cursor.close()
        dbapi_connection.rollback()

    event.listen(Engine, "connect", record)
    try:
        yield names
    finally:
        event.remove(Engine, "connect", record)


async def _own_name(session: AsyncSession) -> str:
    name = await session.scalar(_OWN)
    assert isinstance(name, str)
    return name


async def test_the_server_and_the_worker_name_their_connections(iso: Isolated) -> None:
    async with maker(iso.app)() as session:
        assert await _own_name(session) == "slotwise-server"

    worker_names: list[str] = []

    @contextlib.asynccontextmanager
    async def probe(runtime: JobRuntime) -> AsyncIterator[Mapping[str, object]]:
        async with runtime.sessionmaker() as session:
            worker_names.append(await _own_name(session))
        yield {}

    async def names_with_the_worker() -> set[str] | None:
        async with maker(iso.app)() as session:
            names = set((await session.scalars(_ALL)).all())
        return names if "slotwise-worker" in names else None

    settings = fast_settings(iso.settings)
    assert settings.database_url is not None
    task = asyncio.create_task(
        run_worker(settings.database_url, settings, resources=[probe], handle_signals=False)
    )
    try:
        # The worker's engine, and procrastinate's connections (a LISTEN one among them).
        await wait_for(lambda: worker_names)
        every = await wait_for(names_with_the_worker)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert worker_names == ["slotwise-worker"]
    assert {"slotwise-server", "slotwise-listener", "slotwise-worker"} <= every


def test_the_migrations_name_their_connections(make_database: Callable[[], str]) -> None:
    url = make_database()
    with _names_of_new_connections() as names:
        upgrade(url)  # the connection check, then Alembic's own engine
        check_schema(url)
    assert len(names) >= 3
    assert set(names) == {"slotwise-migrate"}


async def test_createuser_names_its_connection(database_url: str) -> None:
    with _names_of_new_connections() as names:
        await create_user(
            database_url,
            UserSpec(
                firm_slug=f"named-{uuid.uuid4().hex[:8]}",
                email=f"{uuid.uuid4().hex[:8]}@example.com",
                password="long-enough-password",
                role="manager",
            ),
        )
    assert names == ["slotwise-admin"]
