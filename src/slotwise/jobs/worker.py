"""The worker process: procrastinate's worker on our database, with our periodic jobs.

Several may run at once, on one machine or many: jobs are taken with ``SKIP LOCKED``,
periodic ticks are deferred once per tick (procrastinate keeps a unique row per tick), and
each periodic job takes its rows with ``SKIP LOCKED`` too. SIGTERM, SIGINT and SIGHUP stop
taking jobs and let running ones finish (up to the shutdown timeout, after which they are
aborted and later retried). A worker that dies without a word stops sending heartbeats; the
others' ``retry_stalled_jobs`` then gives its running jobs back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterable, Sequence

from procrastinate import PsycopgConnector
from procrastinate.exceptions import ConnectorException
from procrastinate.worker import Worker

from slotwise.config import Settings
from slotwise.db import ApplicationName, create_engine, create_sessionmaker, libpq_dsn
from slotwise.jobs import periodic
from slotwise.jobs.app import job_app
from slotwise.jobs.runtime import JobRuntime, WorkerResource, runtime_context
from slotwise.jobs.schema import SCHEMA

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_FIRST_RESTART_DELAY, _MAX_RESTART_DELAY = 0.2, 10.0


def connector_for(database_url: str, pool_size: int) -> PsycopgConnector:
    # procrastinate's queries name its objects without a schema.
    return PsycopgConnector(
        conninfo=libpq_dsn(database_url, ApplicationName.WORKER),
        min_size=1,
        max_size=pool_size,
        kwargs={"options": f"-c search_path={SCHEMA},public"},
    )


async def _run_through_outages(
    make_worker: Callable[[], Worker], name: str, handle_signals: bool
) -> None:
    """Runs procrastinate workers until a stop signal. procrastinate stops a worker as soon
    as its LISTEN connection, heartbeat or periodic deferrer fails, which a database
    restart does to all three: such a worker is replaced (once the database answers again)
    instead of ending the process. Jobs the old one was running when the database went are
    given back by ``retry_stalled_jobs``."""
    stopping = asyncio.Event()
    current = make_worker()

    def stop() -> None:
        stopping.set()
        current.stop()  # type: ignore[no-untyped-call]

    loop = asyncio.get_running_loop()
    if handle_signals:
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stop)
    delay = _FIRST_RESTART_DELAY
    try:
        while True:
            try:
                await current.run()  # type: ignore[no-untyped-call]
            except ConnectorException as exc:  # it could not even register itself
                log.warning("worker %s cannot reach the database: %s", name, exc.__cause__)
            else:
                delay = _FIRST_RESTART_DELAY  # it had been running
            if stopping.is_set():
                return
            log.warning(
                "worker %s lost its database connection; starting again in %.1f s", name, delay
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stopping.wait()
            if stopping.is_set():
                return
            delay = min(delay * 2, _MAX_RESTART_DELAY)
            current = make_worker()
    finally:
        if handle_signals:
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)


async def run_worker(
    database_url: str,
    settings: Settings,
    *,
    resources: Sequence[WorkerResource] = (),
    name: str = "worker",
    queues: Iterable[str] | None = None,
    handle_signals: bool = True,
) -> None:
    """Runs until a stop signal (or, with ``handle_signals=False``, until cancelled).

    ``resources``: what the domains' tasks need besides the database and the settings (see
    ``runtime.py``), opened in this order and closed when the worker stops."""
    periodic.register(settings)  # imports every task module first
    # No pre-ping on checkout (a round trip per transaction, two per message): a connection
    # that died with a database restart fails its job with a transient error, the pool
    # replaces it, and the job is retried (or the periodic job runs again on its next tick).
    engine = create_engine(
        database_url, settings, application_name=ApplicationName.WORKER, pool_pre_ping=False
    )
    connector = connector_for(database_url, settings.worker_concurrency + 4)
    runtime = JobRuntime(create_sessionmaker(engine, settings), settings)
    try:
        async with contextlib.AsyncExitStack() as stack:
            context = runtime_context(runtime)
            for resource in resources:
                context.update(await stack.enter_async_context(resource(runtime)))
            stack.enter_context(job_app.replace_connector(connector))
            await stack.enter_async_context(job_app.open_async())

            def make_worker() -> Worker:
                return Worker(
                    job_app,
                    queues=list(queues) if queues else None,
                    name=name,
                    concurrency=settings.worker_concurrency,
                    fetch_job_polling_interval=settings.worker_poll_seconds,
                    shutdown_graceful_timeout=settings.worker_shutdown_timeout_seconds,
                    update_heartbeat_interval=settings.worker_heartbeat_seconds,
                    stalled_worker_timeout=settings.worker_stalled_seconds,
                    additional_context=context,
                    install_signal_handlers=False,
                )

            await _run_through_outages(make_worker, name, handle_signals)
    finally:
        await engine.dispose()
    log.info("worker %s stopped", name)
