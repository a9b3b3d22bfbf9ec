"""Administrative actions behind the CLI, against the real database."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.admin import get_or_create_firm
from slotwise.db import create_sessionmaker, create_tool_engine
from slotwise.models import Firm
from tests.conftest import TESTS_APPLICATION_NAME


async def _wait_until_blocked(observer: AsyncSession, pid: int) -> None:
    """Until the backend ``pid`` waits for a lock another transaction holds."""
    while (
        await observer.scalar(
            text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
            {"pid": pid},
        )
        is not True
    ):
        await asyncio.sleep(0.01)


async def test_creating_the_same_new_firm_twice_at_once_gives_both_the_firm(
    database_url: str,
) -> None:
    """Two ``createuser`` runs for one new firm: the second waits for the first's insert and
    then gets that firm, where it used to fail on the unique slug."""
    engine = create_tool_engine(database_url, application_name=TESTS_APPLICATION_NAME)
    maker = create_sessionmaker(engine)
    try:
        async with maker() as first, maker() as second, maker() as observer:
            mine = await get_or_create_firm(first, "race-firm", time_zone="Europe/Paris")
            second_pid = await second.scalar(text("SELECT pg_backend_pid()"))
            assert second_pid is not None
            racing = asyncio.create_task(
                get_or_create_firm(second, "race-firm", time_zone="Europe/Paris")
            )
            await _wait_until_blocked(observer, second_pid)
            await first.commit()
            theirs = await racing
            await second.commit()
            assert theirs.id == mine.id
            assert theirs.time_zone == "Europe/Paris"
            assert (
                await observer.scalar(
                    select(func.count()).select_from(Firm).where(Firm.slug == "race-firm")
                )
                == 1
            )
    finally:
        await engine.dispose()
