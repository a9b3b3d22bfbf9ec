"""Booking under load: many clients holding and confirming random slots over real HTTP.

Each client (a ``client``-role user with its own keep-alive connection) loops for the given
time: ``GET /availability`` for a random working day (Haircut, any specialist) → ``POST /holds``
at a random offered start (any specialist, so simultaneous picks of one start race for the same
first free specialist) → ``POST /appointments {"hold_id"}``, both with an ``Idempotency-Key``.
Afterwards SQL looks for double bookings. The limit beside it, measured in the same run: plain
SQL inserting non-overlapping claims into the same ``time_claims`` table, one transaction each.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field

import httpx
import psycopg

from bench.database import BenchDatabase
from bench.firm import BenchFirm, FirmSpec, build
from bench.raw_claims import raw_insert_rate
from bench.server import CpuMeter, serving
from bench.stats import Latency, heading, measuring_client, print_profile, profile_path
from bench.waits import WaitSampler


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("booking")
    group.add_argument("--seconds", type=float, default=30, help="load duration (default 30)")
    group.add_argument("--clients", type=int, default=50,
                       help="concurrent clients, one connection each (default 50)")
    group.add_argument("--booked", type=int, default=2000,
                       help="appointments already in the booking firm (default 2000)")
    group.add_argument("--raw-seconds", type=float, default=5,
                       help="duration of each raw SQL insert measurement (default 5)")


@dataclass
class Tally:
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    latencies: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    transport_errors: Counter[str] = field(default_factory=Counter)
    empty_days: int = 0
    samples: list[str] = field(default_factory=list)  # bodies of unexpected answers

    def count(self, endpoint: str, response: httpx.Response, seconds: float) -> None:
        self.statuses[(endpoint, response.status_code)] += 1
        self.latencies[endpoint].append(seconds)
        expected = {"availability": {200}, "hold": {201, 409}, "confirm": {201, 409}}
        if response.status_code not in expected[endpoint] and len(self.samples) < 5:
            self.samples.append(f"{endpoint} {response.status_code}: {response.text[:300]}")

    def of(self, endpoint: str, status: int) -> int:
        return self.statuses[(endpoint, status)]

    @property
    def server_errors(self) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status >= 500)

    @property
    def unexpected(self) -> int:
        """4xx other than the 409s of a lost race: a bug in the product or in the bench."""
        return sum(n for (endpoint, status), n in self.statuses.items()
                   if 400 <= status < 500 and not (status == 409 and endpoint != "availability"))


@dataclass
class BookingOutcome:
    passed: bool


async def _timed(tally: Tally, endpoint: str,
                 request: Awaitable[httpx.Response]) -> httpx.Response:
    started = time.perf_counter()
    response = await request
    tally.count(endpoint, response, time.perf_counter() - started)
    return response


async def _client(base: str, token: str, firm: BenchFirm, deadline: float, seed: int,
                  tally: Tally) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=60) as client:
        while time.monotonic() < deadline:
            try:
                await _one_booking(client, firm, rng, tally)
            except httpx.TransportError as exc:
                tally.transport_errors[type(exc).__name__] += 1


async def _one_booking(client: httpx.AsyncClient, firm: BenchFirm, rng: random.Random,
                       tally: Tally) -> None:
    day = rng.choice(firm.working_days).isoformat()
    listing = await _timed(tally, "availability", client.get("/api/v1/availability", params={
        "service_id": str(firm.service_id), "location_id": str(firm.location_id),
        "from": day, "to": day}))
    if listing.status_code != 200:
        return
    slots = listing.json()["slots"]
    if not slots:
        tally.empty_days += 1
        return
    start = rng.choice(slots)["start"]
    held = await _timed(tally, "hold", client.post(
        "/api/v1/holds", headers={"Idempotency-Key": uuid.uuid4().hex},
        json={"service_id": str(firm.service_id), "location_id": str(firm.location_id),
              "start_at": start}))
    if held.status_code != 201:
        return
    await _timed(tally, "confirm", client.post(
        "/api/v1/appointments", headers={"Idempotency-Key": uuid.uuid4().hex},
        json={"hold_id": held.json()["id"]}))


async def _load(base: str, firm: BenchFirm, seconds: float,
                sampler: WaitSampler) -> tuple[Tally, float]:
    tally = Tally()
    started = time.monotonic()
    deadline = started + seconds
    sampler.start()
    try:
        await asyncio.gather(*(_client(base, token, firm, deadline, n, tally)
                               for n, token in enumerate(firm.client_tokens)))
    finally:
        await sampler.stop()
    return tally, time.monotonic() - started


# Two live claims of one resource that overlap; the exclusion constraints forbid them, so
# this looks at the data itself rather than trusting the constraint.
_LIVE = "(({c}.appointment_id IS NOT NULL) OR EXISTS (SELECT 1 FROM holds h " \
        "WHERE h.id = {c}.hold_id AND h.expires_at > now()))"
OVERLAPPING_CLAIMS_SQL = f"""
SELECT count(*) FROM time_claims a JOIN time_claims b
  ON a.id < b.id AND a.during && b.during
 AND (a.specialist_id = b.specialist_id OR a.workplace_id = b.workplace_id)
WHERE a.firm_id = %(firm)s AND b.firm_id = %(firm)s
  AND {_LIVE.format(c="a")} AND {_LIVE.format(c="b")}
"""
# Two live appointments of one specialist or one workplace whose own times overlap.
OVERLAPPING_APPOINTMENTS_SQL = """
SELECT count(*) FROM appointments a JOIN appointments b
  ON a.id < b.id AND tstzrange(a.start_at, a.end_at) && tstzrange(b.start_at, b.end_at)
WHERE a.firm_id = %(firm)s AND b.firm_id = %(firm)s
  AND a.status <> 'cancelled' AND b.status <> 'cancelled'
  AND (a.workplace_id = b.workplace_id OR EXISTS (
        SELECT 1 FROM appointment_workers wa JOIN appointment_workers wb
          ON wa.specialist_id = wb.specialist_id
        WHERE wa.appointment_id = a.id AND wb.appointment_id = b.id))
"""
# A live appointment whose worker has no claim covering its time would escape the guard.
UNCLAIMED_SQL = """
SELECT count(*) FROM appointments a JOIN appointment_workers w ON w.appointment_id = a.id
WHERE a.firm_id = %(firm)s AND a.status <> 'cancelled' AND NOT EXISTS (
  SELECT 1 FROM time_claims c WHERE c.appointment_id = a.id
   AND c.specialist_id = w.specialist_id AND c.during @> tstzrange(a.start_at, a.end_at))
"""
BOOKED_SQL = """
SELECT count(*) FROM appointments WHERE firm_id = %(firm)s AND source = 'booking'
"""


@dataclass(frozen=True)
class Audit:
    overlapping_claims: int
    overlapping_appointments: int
    unclaimed: int
    booked: int


def audit(db: BenchDatabase, firm: BenchFirm) -> Audit:
    params = {"firm": firm.firm_id}
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        def one(query: str) -> int:
            row = conn.execute(query, params).fetchone()
            return int(row[0]) if row else -1

        return Audit(one(OVERLAPPING_CLAIMS_SQL), one(OVERLAPPING_APPOINTMENTS_SQL),
                     one(UNCLAIMED_SQL), one(BOOKED_SQL))


def run(db: BenchDatabase, args: argparse.Namespace) -> BookingOutcome:
    heading(f"Booking: {args.clients} clients hold + confirm over HTTP for {args.seconds:g} s")
    secret = secrets.token_urlsafe(32)
    spec = FirmSpec(appointments=args.booked, client_users=args.clients, seed=4)
    firm = build(db.url, spec, secret=secret, slug="bench-booking")
    print(f"  data: {len(firm.specialist_ids)} specialists, {firm.appointments} appointments "
          f"already booked, {len(firm.working_days)} working days to pick from")
    with serving(db.url, secret, gc_mode=args.server_gc,
                 profile=profile_path(args, "booking")) as server:
        with measuring_client():
            meter = CpuMeter(server)
            sampler = WaitSampler(db.conninfo)
            tally, elapsed = asyncio.run(_load(server.base_url, firm, args.seconds, sampler))
            cpu = meter.report()
    found = audit(db, firm)
    raw_many = raw_insert_rate(db, connections=args.clients, seconds=args.raw_seconds)
    raw_one = raw_insert_rate(db, connections=1, seconds=args.raw_seconds)

    confirmed, holds = tally.of("confirm", 201), tally.of("hold", 201)
    conflicts = tally.of("hold", 409) + tally.of("confirm", 409)
    errors = tally.server_errors + sum(tally.transport_errors.values())
    double = found.overlapping_claims + found.overlapping_appointments + found.unclaimed
    for endpoint in ("availability", "hold", "confirm"):
        print(Latency.of(tally.latencies[endpoint]).line(f"under load: {endpoint}", 24))
    print(f"  elapsed {elapsed:.1f} s; requests: "
          + ", ".join(f"{e} {s}: {n}" for (e, s), n in sorted(tally.statuses.items())))
    print(f"  {cpu}")
    print("\n".join("  " + line for line in sampler.report()))
    print(f"  confirmed/s {confirmed / elapsed:8.1f}   ({confirmed} appointments)")
    print(f"  holds/s     {holds / elapsed:8.1f}   ({holds} holds)")
    print(f"  conflicts/s {conflicts / elapsed:8.1f}   ({tally.of('hold', 409)} on hold, "
          f"{tally.of('confirm', 409)} on confirm; 409 = lost the race for the slot)")
    print(f"  days with no free slot left: {tally.empty_days}")
    print(f"  errors: {errors} (5xx: {tally.server_errors}, transport: "
          f"{dict(tally.transport_errors) or 0}); unexpected 4xx: {tally.unexpected}")
    for sample in tally.samples:
        print(f"    e.g. {sample}")
    print(f"  double bookings: {double} (overlapping live claims {found.overlapping_claims}, "
          f"overlapping appointments {found.overlapping_appointments}, appointments without "
          f"a covering claim {found.unclaimed})")
    print(f"  appointments written by the run: {found.booked} (confirmed responses: "
          f"{confirmed})")
    print(f"  reference: raw SQL claim inserts, {args.clients} connections: "
          f"{raw_many:8.0f}/s;  1 connection: {raw_one:8.0f}/s")
    print(f"  confirmed/s = {confirmed / elapsed / raw_many:.4f} x raw inserts/s "
          f"({args.clients} conns), {confirmed / elapsed / raw_one:.4f} x (1 conn)")
    passed = (errors == 0 and double == 0 and tally.unexpected == 0
              and found.booked == confirmed and confirmed > 0)
    print(f"  {'PASS' if passed else 'FAIL'}: 0 errors, 0 double bookings, every confirmed "
          "appointment stored")
    print_profile(args, "booking")
    return BookingOutcome(passed)

