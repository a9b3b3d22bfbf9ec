"""The poller: a sweep every few seconds hands each connection whose turn has come one job,
which polls it once (``yclients_run.run_connection``).

The sweep claims a connection by moving its ``next_run_at`` a lease ahead in the same
transaction that defers its job, so the next sweeps leave it alone; the run then sets the real
next time (the polling interval, or a backoff honouring ``Retry-After``). A worker that dies
mid-run costs a lease, never a lost or doubled run: the job's ``lock`` (one per connection)
keeps two runs of one connection from ever overlapping, whatever queued them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from procrastinate import JobContext

from slotwise.connections import repository
from slotwise.connections.settings import ConnectionSettings
from slotwise.jobs.app import QUEUE_PERIODIC, QUEUE_SYNC, job_app
from slotwise.jobs.periodic import periodic
from slotwise.jobs.queue import defer
from slotwise.jobs.runtime import JobRuntime, WorkerResource, job_runtime
from slotwise.outbound import AllowList
from slotwise.sync.yclients_run import ApiOptions, run_connection

log = logging.getLogger(__name__)

SYNC_TASK = "sync_connection"
# How long a claimed connection waits for its run before a sweep may claim it again.
LEASE = timedelta(minutes=10)
_SYNCING = "slotwise.sync.tasks"


@dataclass(frozen=True)
class SyncRuntime:
    secret_key: str
    allowed: AllowList
    api_options: ApiOptions


def syncing(settings: ConnectionSettings, api_options: ApiOptions | None = None) -> WorkerResource:
    """The worker's resource for the poller: the secret key (read once, when the worker
    starts), the hosts that connection URLs may reach although internal, and how the
    clients talk to their providers."""

    @asynccontextmanager
    async def open_syncing(runtime: JobRuntime) -> AsyncIterator[Mapping[str, object]]:
        yield {
            _SYNCING: SyncRuntime(
                runtime.settings.resolved_secret_key(),
                settings.allow_list(),
                api_options or ApiOptions(),
            )
        }

    return open_syncing


@periodic(cron=lambda settings: settings.cron_sync_sweep)
@job_app.task(
    name="sweep_connections",
    queue=QUEUE_PERIODIC,
    pass_context=True,
    queueing_lock="sweep_connections",
    lock="sweep_connections",
)
async def sweep_connections(context: JobContext, timestamp: int) -> str:
    now = datetime.now(UTC)
    async with job_runtime(context).sessionmaker() as session, session.begin():
        due = await repository.due_connections(session, now)
        for connection in due:
            connection.next_run_at = now + LEASE
            await defer(
                session,
                SYNC_TASK,
                queue=QUEUE_SYNC,
                kwargs={"connection_id": str(connection.id)},
                lock=f"connection:{connection.id}",
            )
    return f"{len(due)} connections to poll"


@job_app.task(name=SYNC_TASK, queue=QUEUE_SYNC, pass_context=True)
async def sync_connection(context: JobContext, connection_id: str) -> str:
    syncing_runtime = context.additional_context.get(_SYNCING)
    if not isinstance(syncing_runtime, SyncRuntime):
        raise RuntimeError("The worker was started without the sync resource")
    report = await run_connection(
        job_runtime(context).sessionmaker,
        uuid.UUID(connection_id),
        secret_key=syncing_runtime.secret_key,
        allowed=syncing_runtime.allowed,
        now=datetime.now(UTC),
        api_options=syncing_runtime.api_options,
    )
    run = report.run
    if report.tell_operators:
        # The connection's status says it is failing, with the reason, from now on.
        log.warning("connection %s is failing: %s", connection_id, run.error)
    return (
        f"{run.outcome}: {run.imported} imported, {run.updated} updated, "
        f"{run.deleted} deleted, {run.conflicts} conflicts, {run.errors} errors"
    )
