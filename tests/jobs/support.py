"""Shared by the job, notification and ops tests: a real SMTP server on loopback, workers
(in this process or as ``slotwise worker`` subprocesses) and quick looks at the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.connections.settings import ConnectionSettings
from slotwise.jobs.runtime import WorkerResource
from slotwise.jobs.worker import run_worker
from slotwise.models import Notification
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.delivery import DeliveryRuntime
from slotwise.notifications.tasks import delivery
from slotwise.sync.tasks import syncing
from tests.live_server import free_port

SLOTWISE = [sys.executable, "-m", "slotwise"]


@dataclass
class _Handler:
    messages: list[EmailMessage] = field(default_factory=list)
    # While set, RCPT waits: the sender is stuck in the middle of a send.
    stall: threading.Event = field(default_factory=threading.Event)
    stalled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        while self.stall.is_set():
            self.stalled.set()
            await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 2.0.0 Accepted"


class SmtpSink:
    """An aiosmtpd server in its own thread on a fixed loopback port, so that it can be
    stopped ("the SMTP server is down") and started again where senders expect it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Handler()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def channel_settings(self) -> ChannelSettings:
        return ChannelSettings(
            smtp_host="127.0.0.1",
            smtp_port=self.port,
            smtp_from_address="bookings@slotwise.example",
            smtp_timeout_seconds=10,
        )

    def env(self) -> dict[str, str]:
        return {
            "SLOTWISE_SMTP_HOST": "127.0.0.1",
            "SLOTWISE_SMTP_PORT": str(self.port),
            "SLOTWISE_SMTP_FROM_ADDRESS": "bookings@slotwise.example",
        }


@contextlib.contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.handler.stall.clear()
        sink.stop()


def fast_settings(settings: Settings, **overrides: Any) -> Settings:
    """Settings for a worker under test: everything happens within seconds."""
    values: dict[str, Any] = {
        "worker_concurrency": 4,
        "worker_poll_seconds": 0.2,
        "worker_heartbeat_seconds": 0.5,
        "worker_stalled_seconds": 3.0,
        "worker_shutdown_timeout_seconds": 10.0,
        "notification_retry_base_seconds": 0.3,
        "notification_retry_max_seconds": 2.0,
        "notification_max_attempts": 6,
        "cron_status_transitions": "* * * * * */1",
        "cron_reminders": "* * * * * */1",
        "cron_dispatch": "* * * * * */1",
        "cron_sync_sweep": "* * * * * */1",
        "cron_stalled_jobs": "* * * * * */1",
        "cron_cleanup": "* * * * * */30",
    }
    values.update(overrides)
    return settings.model_copy(update=values)


def worker_env(settings: Settings, sink: SmtpSink, **extra: str) -> dict[str, str]:
    """The environment of a ``slotwise worker`` subprocess with ``fast_settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTWISE_")}
    fast = fast_settings(settings)
    env.update(
        {
            "SLOTWISE_DATABASE_URL": str(settings.database_url),
            "SLOTWISE_DATA_DIR": str(settings.data_dir),
            "SLOTWISE_SECRET_KEY": str(settings.secret_key),
            **{
                f"SLOTWISE_{name.upper()}": str(getattr(fast, name))
                for name in (
                    "worker_concurrency",
                    "worker_poll_seconds",
                    "worker_heartbeat_seconds",
                    "worker_stalled_seconds",
                    "worker_shutdown_timeout_seconds",
                    "notification_retry_base_seconds",
                    "notification_retry_max_seconds",
                    "notification_max_attempts",
                    "cron_status_transitions",
                    "cron_reminders",
                    "cron_dispatch",
                    "cron_stalled_jobs",
                    "cron_cleanup",
                )
            },
            **sink.env(),
            **extra,
        }
    )
    return env


def spawn_worker(env: dict[str, str], log_path: Path, name: str) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    try:
        return subprocess.Popen(
            [*SLOTWISE, "worker", "--name", name], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    finally:
        log.close()


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


@contextlib.asynccontextmanager
async def running_worker(
    settings: Settings,
    channels: ChannelSettings,
    name: str = "test-worker",
    sync: WorkerResource | None = None,
) -> AsyncIterator[None]:
    """A worker in this process's event loop until the block ends (then a graceful stop)."""
    resources = [delivery(channels), sync or syncing(ConnectionSettings())]
    async with worker_with(settings, resources, name=name):
        yield


@contextlib.asynccontextmanager
async def worker_with(
    settings: Settings,
    resources: Sequence[WorkerResource],
    *,
    name: str = "test-worker",
    queues: Sequence[str] | None = None,
) -> AsyncIterator[None]:
    """A worker with exactly these resources (and only these queues, if given) in this
    process's event loop until the block ends."""
    assert settings.database_url is not None
    task = asyncio.create_task(
        run_worker(
            settings.database_url,
            settings,
            resources=list(resources),
            name=name,
            queues=list(queues) if queues is not None else None,
            handle_signals=False,
        )
    )
    try:
        yield
    finally:
        # A worker that crashed is why the block failed (a condition never came): say so.
        if task.done() and not task.cancelled():
            task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An app of its own with these settings (next to the session's), and a client of it."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield application, http


def runtime_for(app: FastAPI, settings: Settings, channels: ChannelSettings) -> DeliveryRuntime:
    return DeliveryRuntime(app.state.sessionmaker, settings, channels)


def maker(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    return sessionmaker


async def notifications_of(
    app: FastAPI,
    appointment_id: uuid.UUID | str,
) -> list[Notification]:
    async with maker(app)() as session:
        return list(
            (
                await session.scalars(
                    select(Notification)
                    .where(Notification.appointment_id == uuid.UUID(str(appointment_id)))
                    .order_by(Notification.created_at, Notification.type)
                )
            ).all()
        )


async def job_row(app: FastAPI, job_id: int) -> dict[str, Any] | None:
    async with maker(app)() as session:
        row = (
            await session.execute(
                text(
                    "SELECT id, status::text AS status, attempts, scheduled_at, task_name, args "
                    "FROM procrastinate.procrastinate_jobs WHERE id = :id"
                ),
                {"id": job_id},
            )
        ).first()
        return dict(row._mapping) if row is not None else None


async def waits_on(app: FastAPI, blocker_pid: int) -> bool:
    """Whether some backend waits for a lock that the backend ``blocker_pid`` holds."""
    async with maker(app)() as probe:
        waiting = await probe.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
            {"pid": blocker_pid},
        )
        return bool(waiting)


async def wait_for(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Polls ``check`` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s")
        await asyncio.sleep(interval)


def utcnow() -> datetime:
    return datetime.now(UTC)
