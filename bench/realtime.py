"""Live updates: N concurrent SSE subscribers while appointments are written at R per second.

``python -m bench.realtime [--subscribers 1000] [--rate 100] [--seconds 30] [--processes 2]
[--writers 1] [--path service|events]``

The API runs in a uvicorn child process (bench.server), so its RSS is the server's alone. The
subscribers (10 % staff, 45 % workers, 45 % clients) each hold their own HTTP connection to
``GET /api/v1/events/stream``, opened from ``--processes`` child processes speaking raw HTTP
over asyncio streams (parsing only the ``id:``/``event:`` lines, to stay light). Appointments
are written by ``--writers`` child processes sharing the rate (disjoint slots, one schedule)
through the product's service functions (``create_appointment``, and every fifth write an
``update_appointment`` moving an appointment to another specialist, so workers also see the
created/deleted mapping), one transaction each; ``--path events`` writes the same changes'
rows with plain SQL and records their events with the product's ``record_appointment_change``
in the same transaction, for rates the service path cannot reach on a small machine. The
latency starts when a separate idle LISTEN process sees the event's NOTIFY (sent at commit)
and ends when a subscriber reads the event's ``id:`` line (``time.monotonic`` is system-wide
on Linux, so the processes share the clock).

Reported: server RSS per idle connection, commit-to-receive latency p50/p95/p99 per role,
delivered/expected per role (expected from the ``events`` table: staff every event, a worker
those naming their specialist before or after, a client their own), and two references from
the same run: the raw NOTIFY -> LISTEN round trip with psycopg on the same database, and the
whole path with a single staff subscriber; and the cores busy while writing (server, writers,
subscribers, whole machine) with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import pickle
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.database import BenchDatabase, bench_database
from bench.server import Server, serving
from bench.stats import Latency, heading

ROLE_SHARES = (("staff", 0.10), ("worker", 0.45), ("client", 0.45))
SPECIALISTS = 20
CLIENTS = 200
STAFF_USERS = 5
CONNECT_CONCURRENCY = 50
TARGET_MS = 100.0
LATENCY_TARGET_SUBSCRIBERS = 1000  # the p99 target holds up to this many subscribers
TARGET_KB = 50.0
RATE_REACHED = 0.95  # of --rate: below it the run did not write at the asked rate
TOKEN_TTL = 6 * 3600
_NO_PASSWORD = "!bench-user-without-password"


@dataclass(frozen=True)
class Seeded:
    firm_id: uuid.UUID
    location_id: uuid.UUID
    service_id: uuid.UUID
    director_id: uuid.UUID
    staff: list[uuid.UUID]
    specialists: list[uuid.UUID]
    clients: list[uuid.UUID]
    worker_users: list[uuid.UUID]  # one per specialist, same index
    client_users: list[uuid.UUID]  # one per client, same index


def seed(conninfo: str) -> Seeded:
    """One firm, one location and service, specialists and clients with a user each, and
    staff users. Raw SQL: the setup is not what is measured."""
    fid, loc, svc = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    specialists = [uuid.uuid4() for _ in range(SPECIALISTS)]
    clients = [uuid.uuid4() for _ in range(CLIENTS)]
    staff = [uuid.uuid4() for _ in range(STAFF_USERS)]
    workers = [uuid.uuid4() for _ in range(SPECIALISTS)]
    client_users = [uuid.uuid4() for _ in range(CLIENTS)]
    with psycopg.connect(conninfo) as conn:
        conn.execute("INSERT INTO firms (id, name, slug, time_zone, default_locale) VALUES "
                     "(%s, 'Realtime bench', %s, 'Europe/Berlin', 'de')",
                     (fid, f"rt-{fid.hex[:8]}"))
        conn.execute("INSERT INTO locations (id, firm_id, name, time_zone) "
                     "VALUES (%s, %s, 'Mitte', 'Europe/Berlin')", (loc, fid))
        conn.execute("INSERT INTO services (id, firm_id, name, duration_minutes, price) "
                     "VALUES (%s, %s, 'Haircut', 30, 25)", (svc, fid))
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO specialists (id, firm_id, name) VALUES (%s, %s, %s)",
                            [(s, fid, f"Specialist {n}") for n, s in enumerate(specialists)])
            cur.executemany(
                "INSERT INTO clients (id, firm_id, first_name, last_name, email) "
                "VALUES (%s, %s, 'Client', %s, %s)",
                [(c, fid, str(n), f"client{n}@rt.example.com") for n, c in enumerate(clients)])
            users = [(u, "director" if n == 0 else ("owner", "manager")[n % 2], None, None,
                      f"staff{n}@rt.example.com") for n, u in enumerate(staff)]
            users += [(u, "worker", specialists[n], None, f"worker{n}@rt.example.com")
                      for n, u in enumerate(workers)]
            users += [(u, "client", None, clients[n], f"client{n}@rt.example.com")
                      for n, u in enumerate(client_users)]
            cur.executemany(
                "INSERT INTO users (id, firm_id, role, specialist_id, client_id, email, "
                "password_hash, full_name) VALUES (%s, %s, %s, %s, %s, %s, %s, 'Bench')",
                [(u, fid, role, s, c, email, _NO_PASSWORD) for u, role, s, c, email in users])
        conn.execute("ANALYZE")
    return Seeded(fid, loc, svc, staff[0], staff, specialists, clients, workers, client_users)


def subscriber_plan(firm: Seeded, count: int, secret: str) -> list[tuple[str, str, str]]:
    """(role, subject, access token) per subscriber; subject is the specialist or client id
    (empty for staff). Users are shared round-robin by several connections."""
    from slotwise.security import create_access_token

    def token(user: uuid.UUID, role: str) -> str:
        return create_access_token(user_id=user, firm_id=firm.firm_id, role=role,
                                   secret=secret, ttl_seconds=TOKEN_TTL)[0]

    staff_roles = ["director" if n == 0 else ("owner", "manager")[n % 2]
                   for n in range(STAFF_USERS)]
    plan: list[tuple[str, str, str]] = []
    counts = {role: round(count * share) for role, share in ROLE_SHARES}
    counts["client"] = count - counts["staff"] - counts["worker"]
    if count == 1:
        counts = {"staff": 1, "worker": 0, "client": 0}
    for n in range(counts["staff"]):
        k = n % STAFF_USERS
        plan.append(("staff", "", token(firm.staff[k], staff_roles[k])))
    for n in range(counts["worker"]):
        k = n % SPECIALISTS
        plan.append(("worker", str(firm.specialists[k]), token(firm.worker_users[k], "worker")))
    for n in range(counts["client"]):
        k = n % CLIENTS
        plan.append(("client", str(firm.clients[k]), token(firm.client_users[k], "client")))
    return plan


# --- subscriber child process ---------------------------------------------------------------

async def _subscribe(host: str, port: int, token: str, received: list[tuple[int, float]],
                     ready: asyncio.Event, gate: asyncio.Semaphore,
                     status: list[str]) -> None:
    async with gate:  # only the connecting, so the server is not hit by N at once
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        writer.write((f"GET /api/v1/events/stream HTTP/1.1\r\nHost: {host}\r\n"
                      f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n")
                     .encode())
        await writer.drain()
        line = await reader.readline()
        if b" 200 " not in line:
            status.append(f"HTTP {line.decode(errors='replace').strip()}")
            ready.set()
            writer.close()
            return
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        pending, now = 0, 0.0
        while not ready.is_set():
            line = await reader.readline()
            if not line:
                status.append("closed by server")
                ready.set()
                return
            if line.startswith(b"event: connected"):
                status.append("connected")
                ready.set()
    try:
        while True:
            line = await reader.readline()
            if not line:
                status.append("closed by server")
                return
            if line.startswith(b"id: "):
                now = time.monotonic()
                pending = int(line[4:])
            elif line.startswith(b"event: appointment."):
                received.append((pending, now))
    finally:
        writer.close()


async def _child(base: str, spec_path: Path, out_path: Path) -> None:
    tokens: list[str] = json.loads(spec_path.read_text())
    url = httpx.URL(base)
    host, port = url.host, url.port or 80
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    received: list[list[tuple[int, float]]] = [[] for _ in tokens]
    statuses: list[list[str]] = [[] for _ in tokens]
    events = [asyncio.Event() for _ in tokens]
    tasks = [asyncio.create_task(_subscribe(host, port, t, received[i], events[i], gate,
                                            statuses[i]))
             for i, t in enumerate(tokens)]
    waiting = [asyncio.create_task(e.wait()) for e in events]
    _, not_ready = await asyncio.wait(waiting, timeout=300)
    ok = sum(1 for s in statuses if s and s[0] == "connected")
    print(f"ready {ok} {len(tokens) - ok}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # "stop" from the parent
    for task in [*tasks, *not_ready]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    out_path.write_bytes(pickle.dumps({"received": received, "statuses": statuses}))
    print("done", flush=True)


def _listen_child(conninfo: str, out_path: Path) -> None:
    """Timestamps every NOTIFY of the event channel (``<firm>:<seq>``): PostgreSQL sends it at
    commit, so this idle process sees the commit within the raw round trip (the reference),
    unlike the busy writer whose event loop learns of its commits late."""
    seen: dict[int, float] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("LISTEN slotwise_events")
        print("listening", flush=True)
        while not out_path.with_suffix(".stop").exists():
            for note in conn.notifies(timeout=0.2):
                seen[int(note.payload.partition(":")[2])] = time.monotonic()
    out_path.write_bytes(pickle.dumps(seen))


# --- parent ---------------------------------------------------------------------------------

class Subscribers:
    """The subscriber processes of one phase."""

    def __init__(self, base: str, plan: list[tuple[str, str, str]], processes: int) -> None:
        self.plan = plan
        self.dir = Path(tempfile.mkdtemp(prefix="slotwise-rt-"))
        self.slices = [list(range(p, len(plan), processes)) for p in range(processes)]
        self.slices = [s for s in self.slices if s]
        self.procs: list[subprocess.Popen[str]] = []
        for n, indexes in enumerate(self.slices):
            spec = self.dir / f"spec{n}.json"
            spec.write_text(json.dumps([plan[i][2] for i in indexes]))
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "bench.realtime", "--child", base, str(spec),
                 str(self.dir / f"out{n}.pickle")],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                cwd=Path(__file__).resolve().parent.parent))

    def wait_ready(self) -> tuple[int, int]:
        ok = failed = 0
        for proc in self.procs:
            assert proc.stdout is not None
            words = proc.stdout.readline().split()
            if not words or words[0] != "ready":
                raise RuntimeError(f"a subscriber process failed: {words}")
            ok, failed = ok + int(words[1]), failed + int(words[2])
        return ok, failed

    def stop(self) -> tuple[list[list[tuple[int, float]]], list[list[str]]]:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write("stop\n")
            proc.stdin.flush()
        received: list[list[tuple[int, float]]] = [[] for _ in self.plan]
        statuses: list[list[str]] = [[] for _ in self.plan]
        for n, proc in enumerate(self.procs):
            assert proc.stdout is not None
            proc.stdout.readline()
            proc.wait(timeout=60)
            data = pickle.loads((self.dir / f"out{n}.pickle").read_bytes())
            for local, index in enumerate(self.slices[n]):
                received[index] = data["received"][local]
                statuses[index] = data["statuses"][local]
        return received, statuses


@dataclass(frozen=True)
class WriterSpec:
    """What one writer process writes: its share of the phase's ``total`` writes."""

    url: str
    secret: str
    firm: Seeded
    rate: float  # the whole phase's, over every writer
    total: int
    offset: int  # the phase's first slot; slots (and so times) never repeat across phases
    base: dt.datetime  # the time of slot 0, the same in every writer
    writer: int
    writers: int
    path: str  # "service" or "events" (see --path)

    def indexes(self) -> list[int]:
        """Blocks of 5 writes go round-robin: a block's 5th write reassigns its 1st
        appointment, which the same process created."""
        return [i for i in range(self.total) if (i // 5) % self.writers == self.writer]


@dataclass
class WriterResult:
    commits: dict[tuple[uuid.UUID, str], float]  # (appointment, event type) -> commit returned
    failures: int
    finished: float  # monotonic, after the last write
    cpu: float  # CPU seconds the process spent writing


# The events path's rows (see ``write_appointments``). Foreign keys are checked at the end of
# the statement, so one statement writes an appointment with everything that references it.
_INSERT_APPOINTMENT = text("""
WITH a AS (
  INSERT INTO appointments (id, firm_id, location_id, client_id, start_at, end_at,
                            created_by, source)
  VALUES (:id, :firm, :location, :client, :start, :end, :actor, 'staff') RETURNING id),
w AS (INSERT INTO appointment_workers (firm_id, appointment_id, specialist_id)
      SELECT :firm, a.id, :worker FROM a),
s AS (INSERT INTO appointment_services (firm_id, appointment_id, service_id, price,
                                        duration_minutes)
      SELECT :firm, a.id, :service, 0, 30 FROM a)
INSERT INTO time_claims (id, firm_id, appointment_id, specialist_id, during)
SELECT gen_random_uuid(), :firm, a.id, :worker, tstzrange(:start, :end) FROM a
""")
_REASSIGN_APPOINTMENT = text("""
WITH w AS (UPDATE appointment_workers SET specialist_id = :worker
            WHERE firm_id = :firm AND appointment_id = :id),
c AS (UPDATE time_claims SET specialist_id = :worker WHERE appointment_id = :id)
UPDATE appointments SET version = version + 1, updated_at = now()
 WHERE firm_id = :firm AND id = :id
""")


async def write_appointments(spec: WriterSpec, wait_start: Callable[[], float]
                             ) -> WriterResult:
    """Writes ``spec``'s share, write ``i`` at ``start + i / rate`` (``wait_start`` blocks
    until the start is known, after the set-up and one warm-up write); returns the monotonic
    time right after each commit by (appointment id, event type)."""
    from slotwise.appointments import service, updates
    from slotwise.appointments.schemas import (
        AppointmentCreate,
        AppointmentOut,
        AppointmentUpdate,
        ClientRef,
        ServiceLineIn,
        WorkerOut,
    )
    from slotwise.config import Settings
    from slotwise.db import create_engine, create_sessionmaker
    from slotwise.deps import Caller
    from slotwise.realtime.events import Actor, record_appointment_change

    firm = spec.firm
    # No overflow: several writers' pools must fit PostgreSQL's max_connections (100 by
    # default) next to the server's.
    settings = Settings(database_url=spec.url, secret_key=spec.secret, db_max_overflow=0,
                        data_dir=Path(tempfile.gettempdir()) / "slotwise-bench-unused")
    engine = create_engine(spec.url, settings)
    maker = create_sessionmaker(engine)
    caller = Caller(user_id=firm.director_id, firm_id=firm.firm_id, role="director",
                    specialist_id=None, client_id=None, email="staff0@rt.example.com",
                    full_name="Bench director")
    actor = Actor(firm.director_id, "Bench director")
    commits: dict[tuple[uuid.UUID, str], float] = {}
    created: dict[int, AppointmentOut] = {}
    failures = 0

    def worker(k: int) -> WorkerOut:
        return WorkerOut(id=firm.specialists[k], name=f"Specialist {k}")

    async def create(session: AsyncSession, slot: int) -> AppointmentOut:
        return await service.create_appointment(session, caller, AppointmentCreate(
            location_id=firm.location_id, client_id=firm.clients[slot % CLIENTS],
            start_at=spec.base + dt.timedelta(minutes=5 * slot),
            worker_ids=[firm.specialists[slot % SPECIALISTS]],
            services=[ServiceLineIn(service_id=firm.service_id)]))

    async def reassign(session: AsyncSession, old: AppointmentOut, k: int) -> AppointmentOut:
        return await updates.update_appointment(
            session, caller, old.id,
            AppointmentUpdate(worker_ids=[firm.specialists[k]], version=old.version), None)

    # The events path: the appointment's rows written with plain SQL (appointment, worker,
    # service line, time claim: the exclusion constraints still check every write) and its
    # event recorded by the product (``record_appointment_change``: the firm's sequence
    # number, the event row, the NOTIFY) in the same transaction. It leaves out what a write
    # through the service does besides (ORM, presentation, notification planning and jobs),
    # which costs ~40 ms of CPU per write in Python: more cores than this machine has at 100/s.
    async with maker() as session:  # the warm-up, and the template of the events path
        template = await create(session, spec.offset + spec.total + spec.writer)
        await session.commit()

    async def record_create(session: AsyncSession, slot: int) -> AppointmentOut:
        start_at = spec.base + dt.timedelta(minutes=5 * slot)
        client = slot % CLIENTS
        out = template.model_copy(update={
            "id": uuid.uuid4(), "start_at": start_at,
            "end_at": start_at + (template.end_at - template.start_at),
            "client_id": firm.clients[client], "workers": [worker(slot % SPECIALISTS)],
            "client": ClientRef(id=firm.clients[client], first_name="Client",
                                last_name=str(client))})
        await session.execute(_INSERT_APPOINTMENT, {
            "id": out.id, "firm": firm.firm_id, "location": firm.location_id,
            "client": out.client_id, "start": out.start_at, "end": out.end_at,
            "actor": firm.director_id, "worker": firm.specialists[slot % SPECIALISTS],
            "service": firm.service_id})
        await record_appointment_change(session, firm.firm_id, None, out, actor)
        return out

    async def record_reassign(session: AsyncSession, old: AppointmentOut,
                              k: int) -> AppointmentOut:
        out = old.model_copy(update={"workers": [worker(k)], "version": old.version + 1})
        await session.execute(_REASSIGN_APPOINTMENT, {
            "id": old.id, "firm": firm.firm_id, "worker": firm.specialists[k]})
        await record_appointment_change(session, firm.firm_id, old, out, actor)
        return out

    make, move = ((record_create, record_reassign) if spec.path == "events"
                  else (create, reassign))

    # At most a pool's worth of writes in flight: a writer that cannot keep the rate falls
    # behind (the achieved rate is reported) instead of timing out on the pool.
    inflight = asyncio.Semaphore(settings.db_pool_size)

    async def one(i: int) -> None:
        nonlocal failures
        slot = spec.offset + i
        try:
            async with inflight, maker() as session:
                old = created.pop(i - 4, None) if i % 5 == 4 else None
                if old is not None:
                    # Moves slot-4's appointment to a specialist 7 slots away (35 min apart
                    # on the 5-minute grid of a 30-minute service: no overlap).
                    out = await move(session, old, (slot - 4 + 7) % SPECIALISTS)
                    kind = "appointment.updated"
                else:
                    out = await make(session, slot)
                    kind = "appointment.created"
                await session.commit()
            commits[(out.id, kind)] = time.monotonic()
            if kind == "appointment.created":
                created[i] = out
        except Exception as exc:  # counted and reported: a failed write is no event
            failures += 1
            if failures <= 3:
                print(f"  write {i} failed: {exc!r}", file=sys.stderr)

    start = await asyncio.to_thread(wait_start)
    # Each write is its own task at its scheduled time, so a slow commit does not hold back
    # the next ones (the firm's event row lock still serializes the commits themselves).
    tasks = []
    cpu_start = time.process_time()
    try:
        for i in spec.indexes():
            delay = start + i / spec.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        finished = time.monotonic()
    finally:
        await engine.dispose()
    return WriterResult(commits, failures, finished, time.process_time() - cpu_start)


def _writer_child(spec_path: Path, out_path: Path) -> None:
    """One writer process: sets up and writes once, says "ready", writes from the start time
    the parent sends (a monotonic time, shared by the processes), then saves its result."""
    spec: WriterSpec = pickle.loads(spec_path.read_bytes())

    def wait_start() -> float:
        print("ready", flush=True)
        return float(sys.stdin.readline())

    result = asyncio.run(write_appointments(spec, wait_start))
    out_path.write_bytes(pickle.dumps(result))
    print("done", flush=True)


class Writers:
    """``count`` writer processes sharing one phase's writes (one Python process cannot write
    100/s through the service path on this machine: see bench/README.md)."""

    def __init__(self, db: BenchDatabase, firm: Seeded, secret: str, rate: float,
                 seconds: float, offset: int, count: int, path: str, workdir: Path) -> None:
        base = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(second=0,
                                                                         microsecond=0)
        self.total = int(rate * seconds)
        self.outs = [workdir / f"writer{n}.pickle" for n in range(count)]
        self.procs: list[subprocess.Popen[str]] = []
        for n in range(count):
            spec = workdir / f"writer{n}.spec"
            spec.write_bytes(pickle.dumps(WriterSpec(db.url, secret, firm, rate, self.total,
                                                     offset, base, n, count, path)))
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "bench.realtime", "--writer-child", str(spec),
                 str(self.outs[n])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                cwd=Path(__file__).resolve().parent.parent))
        for proc in self.procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a writer process failed to start")

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs]

    def run(self) -> tuple[dict[tuple[uuid.UUID, str], float], float, int, float]:
        """The commit times, the achieved rate over all writers, the failures and the
        writers' CPU seconds."""
        start = time.monotonic() + 0.2
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(f"{start!r}\n")
            proc.stdin.flush()
        commits: dict[tuple[uuid.UUID, str], float] = {}
        failures, finished, cpu = 0, start, 0.0
        for proc, out in zip(self.procs, self.outs, strict=True):
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "done":
                raise RuntimeError("a writer process failed")
            proc.wait(timeout=30)
            result: WriterResult = pickle.loads(out.read_bytes())
            commits |= result.commits
            failures += result.failures
            finished = max(finished, result.finished)
            cpu += result.cpu
        return commits, len(commits) / (finished - start), failures, cpu

    def close(self) -> None:
        """Ends writers left waiting for a start that will not come (the phase failed)."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def expected_events(conninfo: str, firm_id: uuid.UUID, after: int
                    ) -> list[tuple[int, tuple[uuid.UUID, str], set[str]]]:
    """(seq, (appointment id, type), the subjects that see it) of every event after
    ``after``."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT seq, appointment_id, type, worker_ids, worker_ids_before, client_id, "
            "client_id_before FROM events WHERE firm_id = %s AND seq > %s ORDER BY seq",
            (firm_id, after)).fetchall()
    result = []
    for seq, appointment, kind, workers, before, client, client_before in rows:
        subjects = {str(w) for w in [*workers, *before]}
        subjects |= {str(c) for c in (client, client_before) if c is not None}
        result.append((seq, (appointment, kind), subjects))
    return result


def firm_position(conninfo: str, firm_id: uuid.UUID) -> int:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT event_seq FROM firms WHERE id = %s", (firm_id,)).fetchone()
    assert row is not None
    return int(row[0])


@dataclass
class PhaseResult:
    latency: dict[str, Latency]
    delivered: dict[str, tuple[int, int]]
    connected: tuple[int, int]
    writes: int
    achieved_rate: float
    failures: int
    rss: tuple[int, int] | None  # server RSS before and after connecting, bytes
    closed: int
    writer_lag: Latency  # NOTIFY seen -> the writer's commit call returned
    missing_notes: int
    cpu: dict[str, float]  # cores busy on average while writing, by process group
    load: tuple[float, float, float]  # the machine's load averages right after writing


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    return float(sum(t.user + t.system for t in (p.cpu_times() for p in processes)))


def _machine_busy() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - times.iowait)


def run_phase(db: BenchDatabase, server: Server, firm: Seeded, secret: str, subscribers: int,
              rate: float, seconds: float, processes: int, writers: int, path: str,
              offset: int) -> PhaseResult:
    plan = subscriber_plan(firm, subscribers, secret)
    _progress(f"connecting {subscribers} subscriber(s)")
    rss_before = server.process.memory_info().rss
    subs = Subscribers(server.base_url, plan, processes)
    writing = Writers(db, firm, secret, rate, seconds, offset, writers, path, subs.dir)
    try:
        connected = subs.wait_ready()
        _progress(f"connected {connected[0]} (failed {connected[1]}); writing")
        time.sleep(3)  # idle: every connection set up, nothing in flight
        rss_after = server.process.memory_info().rss
        position = firm_position(db.conninfo, firm.firm_id)
        notes = subs.dir / "notify.pickle"
        listener = subprocess.Popen(
            [sys.executable, "-m", "bench.realtime", "--listen-child", db.conninfo, str(notes)],
            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
        assert listener.stdout is not None and listener.stdout.readline().strip() == "listening"
        children = [psutil.Process(p.pid) for p in subs.procs]
        server_cpu, subs_cpu = _cpu_seconds([server.process]), _cpu_seconds(children)
        machine, wall = _machine_busy(), time.monotonic()
        commits, achieved, failures, writer_cpu = writing.run()
        wall = time.monotonic() - wall
        cpu = {"server": (_cpu_seconds([server.process]) - server_cpu) / wall,
               "writers": writer_cpu / wall,
               "subscribers": (_cpu_seconds(children) - subs_cpu) / wall,
               "machine": (_machine_busy() - machine) / wall}
        load = os.getloadavg()
        time.sleep(2)  # the tail of the deliveries
        notes.with_suffix(".stop").touch()
        listener.wait(timeout=30)
        noticed: dict[int, float] = pickle.loads(notes.read_bytes())
    finally:
        writing.close()
        received, statuses = subs.stop()
    events = expected_events(db.conninfo, firm.firm_id, position)
    if len(events) != len(commits) or any(key not in commits for _, key, _ in events):
        raise RuntimeError(f"{len(events)} events for {len(commits)} commits: something else "
                           "writes events")
    # The start of the latency: the NOTIFY seen by the idle listener process (≈ the commit);
    # the writer's own "commit returned" time is later whenever its process is busy.
    committed = {seq: noticed[seq] for seq, _, _ in events if seq in noticed}
    missing_notes = len(events) - len(committed)
    writer_lag = Latency.of([commits[key] - noticed[seq] for seq, key, _ in events
                             if seq in noticed])
    latencies: dict[str, list[float]] = defaultdict(list)
    delivered: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (role, subject, _), got in zip(plan, received, strict=True):
        seen = {seq: t for seq, t in got if seq in committed}
        expect = [seq for seq, _, subjects in events if role == "staff" or subject in subjects]
        delivered[role][1] += len(expect)
        delivered[role][0] += sum(1 for seq in expect if seq in seen)
        latencies[role].extend(seen[seq] - committed[seq] for seq in expect if seq in seen)
    latencies["all"] = [v for role in ("staff", "worker", "client") for v in latencies[role]]
    delivered["all"] = [sum(delivered[r][i] for r in ("staff", "worker", "client"))
                        for i in (0, 1)]
    closed = sum(1 for s in statuses if "closed by server" in s)
    return PhaseResult({r: Latency.of(v) for r, v in latencies.items()},
                       {r: (d[0], d[1]) for r, d in delivered.items()}, connected,
                       len(commits), achieved, failures, (rss_before, rss_after), closed,
                       writer_lag, missing_notes, cpu, load)


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def notify_reference(conninfo: str, count: int, rate: float) -> Latency:
    """Raw NOTIFY -> LISTEN on the same database: commit returned -> notification read."""
    channel = "slotwise_bench_rt"

    async def go() -> Latency:
        listener = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
        sender = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
        await listener.execute(f"LISTEN {channel}")
        sent: dict[str, float] = {}
        got: dict[str, float] = {}

        async def listen() -> None:
            async for note in listener.notifies():
                got[note.payload] = time.monotonic()
                if len(got) == count:
                    return

        task = asyncio.create_task(listen())
        start = time.monotonic()
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await sender.execute("SELECT pg_notify(%s, %s)", (channel, str(i)))
            sent[str(i)] = time.monotonic()
        await asyncio.wait_for(task, 10)
        await listener.close()
        await sender.close()
        return Latency.of([got[k] - sent[k] for k in sent])

    return asyncio.run(go())


def report(title: str, result: PhaseResult, subscribers: int) -> bool:
    heading(title)
    ok, failed = result.connected
    print(f"  subscribers connected {ok} of {subscribers} ({failed} failed); writes committed "
          f"{result.writes} at {result.achieved_rate:.1f}/s, {result.failures} failed; "
          f"streams closed by the server during the run: {result.closed}")
    cpu = result.cpu
    print(f"  cores busy while writing: server {cpu['server']:.2f}, writers {cpu['writers']:.2f}"
          f", subscribers {cpu['subscribers']:.2f}, whole machine {cpu['machine']:.2f} of "
          f"{os.cpu_count()} (the rest: PostgreSQL, anything else running); load average "
          + " / ".join(f"{v:.2f}" for v in result.load))
    print(result.writer_lag.line("(NOTIFY seen -> writer's commit returned)", 40))
    if result.missing_notes:
        print(f"  {result.missing_notes} events never seen by the NOTIFY listener (left out)")
    passed = failed == 0 and result.failures == 0 and result.closed == 0
    for role in ("staff", "worker", "client", "all"):
        if role not in result.delivered or result.delivered[role][1] == 0:
            continue
        got, expected = result.delivered[role]
        lat = result.latency[role]
        print(lat.line(f"{role}: delivered {got}/{expected} "
                       f"({100 * got / expected:.2f}%)", 40))
        passed &= got == expected
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realtime", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="writes per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=2, help="subscriber processes")
    parser.add_argument("--writers", type=int, default=1,
                        help="writer processes sharing the --rate")
    parser.add_argument("--path", choices=("service", "events"), default="service",
                        help="what a write goes through: the whole service path "
                        "(create_appointment/update_appointment), or the appointment rows by "
                        "plain SQL plus the product's record_appointment_change (sequence "
                        "number, event row, NOTIFY) in the same transaction, for measuring the "
                        "fan-out at rates the service path cannot reach here")
    parser.add_argument("--reference-seconds", type=float, default=5.0,
                        help="length of the 1-subscriber reference run")
    parser.add_argument("--writer-child", nargs=2, metavar=("SPEC", "OUT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--listen-child", nargs=2, metavar=("CONNINFO", "OUT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=3, metavar=("BASE", "SPEC", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer_child:
        _writer_child(Path(args.writer_child[0]), Path(args.writer_child[1]))
        return 0
    if args.listen_child:
        _listen_child(args.listen_child[0], Path(args.listen_child[1]))
        return 0
    if args.child:
        asyncio.run(_child(args.child[0], Path(args.child[1]), Path(args.child[2])))
        return 0

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, args.subscribers * 2 + 1000))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # inherited by the children
    secret = secrets.token_urlsafe(32)
    os.environ["SLOTWISE_SECRET_KEY"] = secret
    print(f"Realtime benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs; {args.subscribers} subscribers, {args.rate:g} writes/s for "
          f"{args.seconds:g} s by {args.writers} writer process(es) through the {args.path} path, "
          f"subscribers in "
          f"{args.processes} process(es); load average before "
          + " / ".join(f"{v:.2f}" for v in os.getloadavg()))
    with bench_database() as db:
        print(f"Database: {db.label}")
        os.environ["SLOTWISE_DATABASE_URL"] = db.url
        firm = seed(db.conninfo)
        reference = notify_reference(db.conninfo, int(args.rate * args.reference_seconds),
                                     args.rate)
        with serving(db.url, secret) as server:
            # One request first, so lazy imports and the pools are not charged to connections.
            one = subscriber_plan(firm, 1, secret)
            httpx.get(f"{server.base_url}/api/v1/events?after=0",
                      headers={"Authorization": f"Bearer {one[0][2]}"}, timeout=10)
            single = run_phase(db, server, firm, secret, 1, args.rate, args.reference_seconds,
                               1, args.writers, args.path, offset=0)
            main_run = run_phase(db, server, firm, secret, args.subscribers, args.rate,
                                 args.seconds, args.processes, args.writers, args.path,
                                 offset=int(args.rate * args.reference_seconds) + 10)
    heading("Reference: raw NOTIFY -> LISTEN (psycopg, same database, before the server starts)")
    print(reference.line("commit returned -> notification read", 40))
    print("  Latencies below: NOTIFY seen by an idle LISTEN process (≈ commit) -> the "
          "subscriber read the event's id line")
    report(f"Reference: 1 staff subscriber, {args.rate:g} writes/s for "
           f"{args.reference_seconds:g} s", single, 1)
    passed = report(f"{args.subscribers} subscribers, {args.rate:g} writes/s for "
                    f"{args.seconds:g} s", main_run, args.subscribers)
    assert main_run.rss is not None
    before, after = main_run.rss
    connected = max(1, main_run.connected[0])
    per_conn_kb = (after - before) / connected / 1024
    p99 = main_run.latency["all"].p99
    print(f"  server RSS {before / 2**20:.1f} MiB before connecting, {after / 2**20:.1f} MiB "
          f"with {connected} idle streams: {per_conn_kb:.1f} KB per idle connection "
          f"(target < {TARGET_KB:g} KB)")
    print(f"  p99 {p99:.1f} ms = {p99 / TARGET_MS:.2f} x the {TARGET_MS:g} ms target (set for "
          f"{LATENCY_TARGET_SUBSCRIBERS} subscribers); "
          f"{p99 / max(reference.p99, 1e-9):.1f} x the raw NOTIFY p99, "
          f"{p99 / max(single.latency['all'].p99, 1e-9):.1f} x the 1-subscriber p99")
    # The issue sets the latency target at 1,000 subscribers; above that it is reported.
    passed &= per_conn_kb < TARGET_KB and (p99 < TARGET_MS
                                           or args.subscribers > LATENCY_TARGET_SUBSCRIBERS)
    reached = main_run.achieved_rate >= RATE_REACHED * args.rate
    if not reached:
        print(f"  the writers reached {main_run.achieved_rate:.1f} of the asked {args.rate:g} "
              "writes/s: the latency was measured at a lower load than asked")
    print()
    if passed and reached:
        print("All targets met.")
    elif passed:
        print("Latency, delivery and memory targets met, at less than the asked write rate.")
    else:
        print("FAILED: a target was missed (see above)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
