"""Deferring jobs inside the caller's transaction.

procrastinate inserts the job on the connection it is given, so the job row commits or rolls
back together with the change that caused it: no job for a change that was rolled back, no
change without its job. procrastinate's query names its objects without a schema, so the
transaction gets ``procrastinate`` appended to its search path first (``set_config`` with
``is_local``: it ends with the transaction, and names of our own tables still resolve to
``public`` first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.jobs.app import job_app
from slotwise.jobs.schema import SCHEMA


async def _procrastinate_connection(session: AsyncSession) -> Any:
    path = func.current_setting("search_path")
    await session.execute(
        select(func.set_config("search_path", path + literal(f", {SCHEMA}"), True)).where(
            func.strpos(path, SCHEMA) == 0
        )
    )
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def defer(
    session: AsyncSession,
    task_name: str,
    *,
    queue: str,
    kwargs: dict[str, Any],
    schedule_at: datetime | None = None,
    lock: str | None = None,
    queueing_lock: str | None = None,
) -> int:
    """Defers one job in the session's transaction; returns its id."""
    connection = await _procrastinate_connection(session)
    deferrer = job_app.configure_task(
        name=task_name,
        queue=queue,
        schedule_at=schedule_at,
        lock=lock,
        queueing_lock=queueing_lock,
        connection=connection,
    )
    return await deferrer.defer_async(**kwargs)
