"""How a poll that did not get to apply anything is recorded: a run that could not happen at
all (not stored), and a failed run with the connection's health and next turn."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections import health, repository
from slotwise.models import SyncRun
from slotwise.notifications import operator_notices

# How soon a failing connection (401/403, a broken answer) is tried again by itself.
FAILING_RETRY_SECONDS = 300.0


@dataclass(frozen=True)
class RunReport:
    """The run as recorded (a run of a connection that could not be polled at all, deleted
    or of a kind this poller does not serve, is not stored: ``outcome`` says "skipped");
    ``tell_operators``: the connection has just started failing, tell them now."""

    run: SyncRun
    tell_operators: bool = False


def skipped_run(connection_id: uuid.UUID, now: datetime, why: str) -> RunReport:
    run = SyncRun(
        connection_id=connection_id,
        started_at=now,
        finished_at=now,
        outcome="skipped",
        error=why,
        requests=0,
        imported=0,
        updated=0,
        deleted=0,
        conflicts=0,
        errors=0,
    )
    return RunReport(run)


async def failed_run(
    sessionmaker: async_sessionmaker[AsyncSession],
    connection_id: uuid.UUID,
    run_id: uuid.UUID | None,
    now: datetime,
    *,
    reason: str,
    failing: bool,
    delay_seconds: float | None = None,
    requests: int = 0,
) -> RunReport:
    """Closes the run as failed; ``failing``: the connection needs a person (its health
    says so, and the operators are told once), otherwise it is tried again later."""
    async with sessionmaker.begin() as session:
        connection = await repository.connection_to_run(session, connection_id)
        if connection is None:
            return skipped_run(connection_id, now, "the connection was deleted during its run")
        run = await session.get(SyncRun, run_id) if run_id is not None else None
        if run is None:
            run = await repository.start_run(session, connection, now)
        await repository.finish_run(
            session, run, outcome="failed", now=now, error=reason, requests=requests
        )
        tell = health.mark_failing(connection, reason, now) if failing else False
        if tell:
            await operator_notices.plan_connection_failing(session, connection, now)
        if failing and delay_seconds is None:
            # Asking again every minute changes nothing until a person acts, and new
            # credentials or settings make the connection due at once anyway.
            delay_seconds = max(float(connection.poll_interval_seconds), FAILING_RETRY_SECONDS)
        health.schedule_next(connection, now, delay_seconds=delay_seconds)
        return RunReport(run, tell_operators=tell)
