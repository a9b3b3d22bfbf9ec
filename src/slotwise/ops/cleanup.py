"""Housekeeping: expired holds, old login throttle counters, and retention of events, jobs
and sent notifications, each deleted by the queries of the package whose table it is.

Deletes run in batches, each in its own short transaction, so a large backlog (the first run
after an upgrade) never holds locks for long.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.auth import throttle
from slotwise.config import Settings
from slotwise.jobs import repository as job_queries
from slotwise.models import Hold
from slotwise.notifications import repository as outbox
from slotwise.realtime import repository as event_log

_BATCH = 5000
_DONE = ("succeeded", "cancelled", "aborted")


async def _delete_expired_holds(session: AsyncSession, before: datetime, limit: int) -> int:
    # Here until booking has a repository module of its own, where it belongs.
    old = select(Hold.id).where(Hold.expires_at < before).limit(limit)
    result = await session.execute(delete(Hold).where(Hold.id.in_(old)).returning(Hold.id))
    return len(result.all())


async def _in_batches(
    sessionmaker: async_sessionmaker[AsyncSession], step: Callable[[AsyncSession], Awaitable[int]]
) -> int:
    total = 0
    while True:
        async with sessionmaker.begin() as session:
            count = await step(session)
        total += count
        if count < _BATCH:
            return total


async def cleanup(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> dict[str, int]:
    """Deletes what has outlived its use; returns how many rows of each kind."""
    holds_before = now - timedelta(seconds=settings.hold_cleanup_grace_seconds)
    events_before = now - timedelta(days=settings.realtime_retention_days)
    notifications_before = now - timedelta(days=settings.notification_retention_days)
    jobs_before = now - timedelta(days=settings.job_retention_days)
    failed_before = now - timedelta(days=settings.failed_job_retention_days)
    # Login and public-API counters share the table: none is deleted inside its window.
    throttle_window = max(settings.login_window_seconds, settings.public_rate_window_seconds)
    throttles_before = now - timedelta(seconds=throttle_window)
    return {
        "holds": await _in_batches(
            sessionmaker, lambda s: _delete_expired_holds(s, holds_before, _BATCH)
        ),
        "events": await _in_batches(
            sessionmaker, lambda s: event_log.delete_old_events(s, events_before, _BATCH)
        ),
        "notifications": await _in_batches(
            sessionmaker, lambda s: outbox.purge_finished(s, notifications_before, _BATCH)
        ),
        "jobs": await _in_batches(
            sessionmaker,
            lambda s: job_queries.delete_finished_jobs(s, _DONE, jobs_before, _BATCH),
        ),
        "failed_jobs": await _in_batches(
            sessionmaker,
            lambda s: job_queries.delete_finished_jobs(s, ("failed",), failed_before, _BATCH),
        ),
        "login_throttles": await _in_batches(
            sessionmaker, lambda s: throttle.delete_expired(s, throttles_before, _BATCH)
        ),
    }
