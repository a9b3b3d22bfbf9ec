"""Notifications: delivery throughput and latency through the email channel, and the reminder
planner over many appointments.

``python -m bench.notifications [--messages N] [--workers W] [--concurrency C] ...``

1. Throughput: N confirmation rows (and their jobs) are committed at once while W
   ``slotwise worker`` processes (C jobs each) wait; measured from the commit to the last
   ``sent_at``. The limit is the same number of messages sent straight into the same SMTP sink
   by the email channel with the same concurrency (no database, no queue).
2. Latency: messages planned one transaction each through the real path (outbox row +
   transactional deferral) at a steady rate of a third of the measured throughput; from the
   row's ``created_at`` to its ``sent_at``.
3. Reminder planner: the sweep over A scheduled appointments spread over 90 days (first run,
   which plans every reminder, and steady runs), against a plain ``INSERT ... SELECT`` of the
   same rows into an unindexed table; and the per-change planning of one appointment.

The SMTP sink (aiosmtpd, accepts and discards) runs in a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.database import BenchDatabase, bench_database
from slotwise.config import Settings
from slotwise.db import create_engine, create_sessionmaker
from slotwise.notifications import dispatch, reminders, repository
from slotwise.notifications.channels import ChannelSettings, EmailRecipient, OutgoingMessage
from slotwise.notifications.channels import send as channel_send
from slotwise.notifications.repository import Recipient

CLIENTS = 200
HORIZON = timedelta(minutes=5)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("notifications")
    group.add_argument("--messages", type=int, default=10_000)
    group.add_argument("--workers", type=int, default=2, help="worker processes")
    group.add_argument("--concurrency", type=int, default=20, help="jobs per worker")
    group.add_argument("--latency-messages", type=int, default=2_000)
    group.add_argument("--appointments", type=int, default=100_000,
                       help="appointments for the reminder planner")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SINK = """
import asyncio, signal, sys
from aiosmtpd.controller import Controller
class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
controller = Controller(Discard(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
"""


def start_sink(port: int) -> subprocess.Popen[str]:
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdout=subprocess.PIPE,
                            text=True)
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    return sink


def seed(conninfo: str, appointments: int, *, days: int, tag: str) -> str:
    """A firm with ``CLIENTS`` clients and ``appointments`` scheduled appointments (one
    specialist, one service), starting from an hour ahead and spread over ``days``; returns
    the firm id. Raw SQL: the setup is not what is measured."""
    with psycopg.connect(conninfo) as conn:
        firm = conn.execute(
            "INSERT INTO firms (id, name, slug, time_zone, default_locale) VALUES "
            "(gen_random_uuid(), %s, %s, 'Europe/Berlin', 'de') RETURNING id",
            (f"Bench {tag}", f"bench-{tag}")).fetchone()
        assert firm is not None
        firm_id = firm[0]
        conn.execute(
            """
            WITH loc AS (INSERT INTO locations (id, firm_id, name, time_zone)
                         VALUES (gen_random_uuid(), %(f)s, 'Mitte', 'Europe/Berlin')
                         RETURNING id),
                 svc AS (INSERT INTO services (id, firm_id, name, duration_minutes, price)
                         VALUES (gen_random_uuid(), %(f)s, 'Haircut', 30, 25) RETURNING id),
                 spc AS (INSERT INTO specialists (id, firm_id, name)
                         VALUES (gen_random_uuid(), %(f)s, 'Anna') RETURNING id),
                 cli AS (INSERT INTO clients (id, firm_id, first_name, last_name, email)
                         SELECT gen_random_uuid(), %(f)s, 'Client', n::text,
                                'client' || n || '@bench.example'
                         FROM generate_series(1, %(clients)s) n RETURNING id),
                 numbered AS (SELECT id, row_number() OVER () AS n FROM cli),
                 appt AS (
                    INSERT INTO appointments (id, firm_id, location_id, client_id, start_at,
                                              end_at, status)
                    SELECT gen_random_uuid(), %(f)s, (SELECT id FROM loc), numbered.id,
                           now() + interval '1 hour'
                             + (i * %(days)s * interval '1 day') / %(count)s,
                           now() + interval '90 minutes'
                             + (i * %(days)s * interval '1 day') / %(count)s,
                           'scheduled'
                    FROM generate_series(0, %(count)s - 1) i
                    JOIN numbered ON numbered.n = 1 + i %% %(clients)s
                    RETURNING id),
                 workers AS (INSERT INTO appointment_workers (firm_id, appointment_id,
                                                              specialist_id)
                             SELECT %(f)s, appt.id, (SELECT id FROM spc) FROM appt)
            INSERT INTO appointment_services (firm_id, appointment_id, service_id, price,
                                              duration_minutes)
            SELECT %(f)s, appt.id, (SELECT id FROM svc), 25, 30 FROM appt
            """, {"f": firm_id, "clients": CLIENTS, "count": appointments, "days": days})
    return str(firm_id)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _baseline(port: int, messages: int, concurrency: int) -> float:
    """Messages per second sent straight through the email channel into the sink."""
    channels = ChannelSettings(smtp_host="127.0.0.1", smtp_port=port)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(messages):
        queue.put_nowait(n)

    async def sender() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            await channel_send(OutgoingMessage(
                recipient=EmailRecipient(f"client{n % CLIENTS}@bench.example"),
                subject="Termin bestätigt", text="Hallo\n" * 20, html="<p>Hallo</p>" * 20,
                idempotency_key=f"baseline-{n}"), channels)

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return messages / (time.perf_counter() - started)


def _worker_env(db: BenchDatabase, port: int, concurrency: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTWISE_")}
    env.update({"SLOTWISE_DATABASE_URL": db.url, "SLOTWISE_SMTP_HOST": "127.0.0.1",
                "SLOTWISE_SMTP_PORT": str(port), "SLOTWISE_WORKER_CONCURRENCY": str(concurrency),
                "SLOTWISE_WORKER_POLL_SECONDS": "1"})
    return env


def _wait_workers(conninfo: str, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with psycopg.connect(conninfo) as conn:
            row = conn.execute("SELECT count(*) FROM procrastinate.procrastinate_workers"
                               ).fetchone()
        if row and row[0] >= count:
            return
        time.sleep(0.2)
    raise RuntimeError("the workers did not start")


async def _enqueue_all(maker: async_sessionmaker[AsyncSession], firm_id: str) -> int:
    """Confirmation rows for every appointment of the firm, with their jobs, in one
    transaction (committed at once when the block ends)."""
    async with maker.begin() as session:
        await session.execute(_confirmations_sql(), {"firm": firm_id})
        total = 0
        while count := await dispatch.sweep(session, datetime.now(UTC), HORIZON, limit=1000):
            total += count
    return total


def _confirmations_sql() -> TextClause:
    return text("""
        INSERT INTO notifications (id, firm_id, appointment_id, type, recipient_kind,
                                   client_id, dedupe_key, send_after)
        SELECT gen_random_uuid(), firm_id, id, 'confirmation', 'client', client_id,
               'bench-confirmation:' || id, now()
        FROM appointments WHERE firm_id = CAST(:firm AS uuid)""")


def _sent(conninfo: str, firm_id: str) -> tuple[int, int]:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status IN "
            "('failed', 'skipped', 'cancelled')) FROM notifications WHERE firm_id = %s "
            "AND type IN ('confirmation', 'change')",
            (firm_id,)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _wait_sent(conninfo: str, firm_id: str, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        sent, lost = _sent(conninfo, firm_id)
        if lost:
            raise RuntimeError(f"{lost} notifications were not sent")
        if sent >= expected:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {sent} of {expected} sent in {timeout} s")
        time.sleep(0.2)


async def _steady(maker: async_sessionmaker[AsyncSession], firm_id: str, rate: float,
                  count: int) -> None:
    """Plans ``count`` messages at ``rate`` per second, one transaction each, through the
    outbox and the transactional deferral."""
    async with maker() as session:
        ids = (await session.execute(_appointments_sql(), {"firm": firm_id, "n": count})).all()
    started = time.perf_counter()
    pending: list[asyncio.Task[None]] = []

    async def plan(appointment_id: uuid.UUID, client_id: uuid.UUID) -> None:
        async with maker.begin() as session:
            now = datetime.now(UTC)
            row = await repository.add(
                session, firm_id=uuid.UUID(firm_id), appointment_id=appointment_id,
                type_="change", recipient=Recipient("client", client_id),
                dedupe_key=f"bench-change:{appointment_id}", send_after=now, data={})
            assert row is not None
            await dispatch.enqueue(session, [row], now=now, horizon=HORIZON)

    for n, (appointment_id, client_id) in enumerate(ids):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(plan(appointment_id, client_id)))
    await asyncio.gather(*pending)


def _appointments_sql() -> TextClause:
    return text("SELECT id, client_id FROM appointments WHERE firm_id = CAST(:firm AS uuid) "
                "ORDER BY start_at LIMIT :n")


def _latencies(conninfo: str, firm_id: str) -> list[float]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM sent_at - created_at) FROM notifications "
            "WHERE firm_id = %s AND type = 'change' AND status = 'sent'", (firm_id,)).fetchall()
    return [float(r[0]) for r in rows]


def delivery(db: BenchDatabase, args: argparse.Namespace, settings: Settings) -> None:
    port = _free_port()
    sink = start_sink(port)
    workers: list[subprocess.Popen[bytes]] = []
    engine = create_engine(db.url, settings)
    maker = create_sessionmaker(engine)
    try:
        limit = asyncio.run(_baseline(port, min(args.messages, 3000),
                                      args.workers * args.concurrency))
        firm_id = seed(db.conninfo, args.messages, days=30, tag="delivery")
        env = _worker_env(db, port, args.concurrency)
        workers = [subprocess.Popen([sys.executable, "-m", "slotwise", "worker",
                                     "--name", f"bench-{n}"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for n in range(args.workers)]
        _wait_workers(db.conninfo, args.workers)

        async def enqueue() -> int:
            try:
                return await _enqueue_all(maker, firm_id)
            finally:
                await engine.dispose()

        committed = time.perf_counter()
        queued = asyncio.run(enqueue())
        enqueue_seconds = time.perf_counter() - committed
        committed = time.perf_counter()
        _wait_sent(db.conninfo, firm_id, queued, timeout=600)
        drained = time.perf_counter() - committed
        rate = queued / drained
        print(f"  throughput: {queued} confirmations via {args.workers} workers x "
              f"{args.concurrency}: {rate:.0f} messages/s ({drained:.1f} s; rows and jobs "
              f"written in {enqueue_seconds:.1f} s before)")
        print(f"  limit (email channel straight into the sink, same concurrency): "
              f"{limit:.0f} messages/s -> ratio {rate / limit:.2f}")

        # A third of the measured capacity: the producer here shares the machine's CPUs.
        steady = max(10.0, min(200.0, rate / 3))
        count = min(args.latency_messages, args.messages)
        engine = create_engine(db.url, settings)
        maker = create_sessionmaker(engine)

        async def produce() -> None:
            try:
                await _steady(maker, firm_id, steady, count)
            finally:
                await engine.dispose()

        asyncio.run(produce())
        _wait_sent(db.conninfo, firm_id, queued + count, timeout=300)
        latencies = _latencies(db.conninfo, firm_id)
        print(f"  latency at {steady:.0f} messages/s ({len(latencies)} messages, outbox row "
              f"to delivery): p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=10)


async def _planner(db: BenchDatabase, settings: Settings, firm_id: str) -> None:
    engine = create_engine(db.url, settings)
    maker = create_sessionmaker(engine)

    async def sweep(days: int) -> tuple[float, int]:
        async with maker.begin() as session:
            started = time.perf_counter()
            _, planned = await reminders.sweep(session, datetime.now(UTC), days)
            return time.perf_counter() - started, len(planned)

    try:
        async with maker.begin() as session:
            await session.execute(text(
                "CREATE TEMP TABLE scratch (a uuid, o int, k text, t timestamptz) "
                "ON COMMIT DROP"))
            started = time.perf_counter()
            raw = await session.execute(text("""
                INSERT INTO scratch SELECT a.id, o, 'reminder:' || a.id || ':' || o,
                       a.start_at - make_interval(mins => o)
                FROM appointments a JOIN firms f ON f.id = a.firm_id,
                     unnest(f.reminder_offsets_minutes) o
                WHERE a.status = 'scheduled' AND a.client_id IS NOT NULL
                  AND a.start_at - make_interval(mins => o) > now()"""))
            raw_seconds = time.perf_counter() - started
        async with maker() as session:
            appointments = await session.scalar(text(
                "SELECT count(*) FROM appointments WHERE status = 'scheduled'"))
        first, planned = await sweep(90)
        steady_full, again = await sweep(90)
        steady_default, _ = await sweep(settings.reminder_planning_days)
        print(f"  reminder sweep over {appointments} scheduled appointments "
              f"(90 days): first run {first:.2f} s ({planned} reminders planned; a plain "
              f"INSERT ... SELECT of the same rows: {raw_seconds:.2f} s, "
              f"{raw.rowcount} rows -> ratio {first / raw_seconds:.1f}); "
              f"steady run {steady_full:.2f} s ({again} new)")
        print(f"  steady run of the periodic sweep (its default "
              f"{settings.reminder_planning_days}-day window): {steady_default * 1000:.0f} ms")
        async with maker() as session:
            ids = (await session.execute(text(
                "SELECT id FROM appointments WHERE firm_id = CAST(:f AS uuid) LIMIT 300"),
                {"f": firm_id})).scalars().all()
        started = time.perf_counter()
        for appointment_id in ids:
            async with maker.begin() as session:
                await reminders.replan_appointment(session, uuid.UUID(firm_id),
                                                   appointment_id, datetime.now(UTC))
        per_change = (time.perf_counter() - started) / len(ids)
        print(f"  planning one changed appointment's reminders (in its transaction): "
              f"{per_change * 1000:.2f} ms")
    finally:
        await engine.dispose()


def planner(db: BenchDatabase, args: argparse.Namespace, settings: Settings) -> None:
    firm_id = seed(db.conninfo, args.appointments, days=90, tag="planner")
    asyncio.run(_planner(db, settings, firm_id))


def run(db: BenchDatabase, args: argparse.Namespace) -> None:
    settings = Settings(database_url=db.url)
    print("\nNotifications")
    delivery(db, args, settings)
    planner(db, args, settings)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notifications", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    args = parser.parse_args()
    with bench_database() as db:
        print(f"Database: {db.label}; {os.cpu_count()} CPUs")
        run(db, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
