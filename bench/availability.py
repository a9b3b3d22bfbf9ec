"""Latency of ``GET /availability`` on a busy salon: 20 specialists, 14 days, 5,000 bookings.

Measured for the Haircut at the one location, any specialist, the whole 14-day window:

- in-process, the service function (``slotwise.availability.service.get_availability`` with
  its own session and transaction per call: the queries and the engine, no HTTP, no JSON);
- in-process through the ASGI app (``httpx.ASGITransport``: auth, validation, JSON, no socket);
- over real HTTP against uvicorn in a child process (one keep-alive connection, sequential).

References from the same run: the raw SQL that loads the same claims (plain psycopg, prepared)
and ``GET /healthz`` over the same HTTP connection. The target is p99 < 50 ms over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import psycopg

from bench.database import BenchDatabase
from bench.firm import ZONE, BenchFirm, FirmSpec, build
from bench.server import serving
from bench.stats import Latency, heading, measuring_client, print_profile, profile_path
from slotwise.app import create_app
from slotwise.availability.service import get_availability
from slotwise.config import Settings
from slotwise.db import create_sessionmaker

TARGET_MS = 50.0

# The live claims of the 20 specialists over the padded window, one row per claim, fetched
# with nothing around it: the data ``availability.repository.window`` reads (it asks for
# less, the same claims merged per specialist by the database).
RAW_CLAIMS_SQL = """
SELECT c.specialist_id, c.workplace_id,
       floor(extract(epoch FROM lower(c.during)))::bigint,
       ceil(extract(epoch FROM upper(c.during)))::bigint
FROM time_claims c LEFT JOIN holds h ON h.id = c.hold_id
WHERE c.firm_id = %(firm)s AND c.during && tstzrange(%(low)s, %(high)s)
  AND c.specialist_id = ANY(%(specialists)s)
  AND (c.appointment_id IS NOT NULL OR h.expires_at > now())
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("availability")
    group.add_argument("--requests", type=int, default=300,
                       help="measured requests per mode (default 300)")
    group.add_argument("--warmup", type=int, default=20, help="unmeasured first requests")
    group.add_argument("--appointments", type=int, default=5000,
                       help="existing appointments (default 5000)")


@dataclass
class AvailabilityResult:
    http: Latency
    target_ratio: float


def _params(firm: BenchFirm, service_id: object) -> dict[str, str]:
    return {"service_id": str(service_id), "location_id": str(firm.location_id),
            "from": firm.first_day.isoformat(), "to": firm.last_day.isoformat()}


async def _timed(calls: int, warmup: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(warmup):
        await call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


def _timed_sync(calls: int, warmup: int, call: Callable[[], object]) -> list[float]:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def _raw_claims(db: BenchDatabase, firm: BenchFirm, calls: int, warmup: int) -> list[float]:
    # The same padded range the service loads: two days either side of the window.
    low = dt.datetime.combine(firm.first_day - dt.timedelta(days=2), dt.time(), ZONE)
    high = dt.datetime.combine(firm.last_day + dt.timedelta(days=3), dt.time(), ZONE)
    params = {"firm": firm.firm_id, "low": low, "high": high,
              "specialists": firm.specialist_ids}
    with psycopg.connect(db.conninfo, autocommit=True) as conn, measuring_client():
        return _timed_sync(calls, warmup,
                           lambda: conn.execute(RAW_CLAIMS_SQL, params, prepare=True).fetchall())


async def _in_process(db: BenchDatabase, firm: BenchFirm, secret: str, args: argparse.Namespace,
                      ) -> tuple[list[float], list[float], int, int, int]:
    settings = Settings(database_url=db.url, secret_key=secret)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        maker = create_sessionmaker(app.state.engine)

        async def service_call() -> int:
            async with maker() as session, session.begin():
                out = await get_availability(
                    session, firm.firm_id, service_id=firm.service_id,
                    location_id=firm.location_id, first=firm.first_day, last=firm.last_day)
                return len(out.slots)

        service_times = await _timed(args.requests, args.warmup, service_call)
        headers = {"Authorization": f"Bearer {firm.client_tokens[0]}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                     headers=headers) as client:
            params = _params(firm, firm.service_id)
            first = await client.get("/api/v1/availability", params=params)
            first.raise_for_status()
            body = first.json()
            offers = sum(len(slot["specialists"]) for slot in body["slots"])

            async def asgi_call() -> None:
                (await client.get("/api/v1/availability", params=params)).raise_for_status()

            asgi_times = await _timed(args.requests, args.warmup, asgi_call)
        return service_times, asgi_times, len(body["slots"]), offers, len(first.content)


def _over_http(db: BenchDatabase, firm: BenchFirm, secret: str, args: argparse.Namespace,
               ) -> tuple[list[float], list[float], list[float]]:
    headers = {"Authorization": f"Bearer {firm.client_tokens[0]}"}
    with (serving(db.url, secret, gc_mode=args.server_gc,
                  profile=profile_path(args, "availability")) as server,
          httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client,
          measuring_client()):
        def get(service_id: object) -> Callable[[], object]:
            params = _params(firm, service_id)
            return lambda: client.get("/api/v1/availability", params=params).raise_for_status()

        haircut = _timed_sync(args.requests, args.warmup, get(firm.service_id))
        colour = _timed_sync(max(1, args.requests // 3), args.warmup, get(firm.colour_service_id))
        health = _timed_sync(args.requests, args.warmup,
                             lambda: client.get("/healthz").raise_for_status())
    return haircut, colour, health


def run(db: BenchDatabase, args: argparse.Namespace) -> AvailabilityResult:
    heading("Availability: GET /availability, Haircut, any specialist, 14 days")
    secret = secrets.token_urlsafe(32)
    spec = FirmSpec(appointments=args.appointments, client_users=1)
    started = time.perf_counter()
    firm = build(db.url, spec, secret=secret, slug="bench-availability")
    print(f"  data: {len(firm.specialist_ids)} specialists, {len(firm.workplace_ids)} colour "
          f"rooms, {firm.appointments} appointments, {firm.holds} holds (half expired), "
          f"{firm.claims} claims, lunch breaks; {firm.first_day}..{firm.last_day} "
          f"({len(firm.working_days)} working days), built in "
          f"{time.perf_counter() - started:.1f} s")

    raw = Latency.of(_raw_claims(db, firm, args.requests, args.warmup))
    service, asgi, slots, offers, size = asyncio.run(_in_process(db, firm, secret, args))
    print(f"  response: {slots} slots, {offers} specialist offers, {size / 1024:.0f} KiB JSON")
    http, colour, health = _over_http(db, firm, secret, args)

    lat = {"raw": raw, "service": Latency.of(service), "asgi": Latency.of(asgi),
           "http": Latency.of(http), "colour": Latency.of(colour), "health": Latency.of(health)}
    print(lat["raw"].line("reference: raw SQL loading the claims"))
    print(lat["health"].line("reference: GET /healthz over HTTP"))
    print(lat["service"].line("in-process: service function"))
    print(lat["asgi"].line("in-process: ASGI app (httpx.ASGITransport)"))
    gc_note = "" if args.server_gc == "default" else f", server gc {args.server_gc}"
    print(lat["http"].line(f"over HTTP (uvicorn, keep-alive{gc_note})"))
    print(lat["colour"].line(f"over HTTP, Colour (needs 1 of {len(firm.workplace_ids)} rooms)"))
    ratio = lat["http"].p99 / TARGET_MS
    verdict = "met" if ratio < 1 else "MISSED"
    print(f"  HTTP p99 / {TARGET_MS:.0f} ms target = {ratio:.2f}  (target {verdict})")
    print(f"  HTTP p50 = {lat['http'].p50 / lat['raw'].p50:.1f} x raw claims SQL p50, "
          f"{lat['http'].p50 / lat['health'].p50:.1f} x /healthz p50")
    print_profile(args, "availability")
    return AvailabilityResult(lat["http"], ratio)

