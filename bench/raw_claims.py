"""The limit for booking throughput: plain SQL inserting claims into ``time_claims``.

Each connection inserts non-overlapping 10-minute claims for its own specialist, one INSERT per
transaction (autocommit, prepared), so every row passes the same exclusion constraints, foreign
keys and indexes as a booking's claim, with nothing else around it. The rows belong to a firm
of their own, whose holds own the claims (a claim needs an owner).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

import psycopg

from bench.database import BenchDatabase

INSERT_SQL = """
INSERT INTO time_claims (id, firm_id, hold_id, specialist_id, during)
VALUES (%s, %s, %s, %s, tstzrange(%s, %s, '[)'))
"""
_FAR = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)  # beyond any booking of the other firms


def _owners(db: BenchDatabase, connections: int) -> tuple[uuid.UUID, list[tuple[uuid.UUID,
                                                                              uuid.UUID]]]:
    """A firm with one specialist and one long hold per connection: (firm, [(specialist,
    hold)])."""
    firm, location, service, user = (uuid.uuid4() for _ in range(4))
    owners = [(uuid.uuid4(), uuid.uuid4()) for _ in range(connections)]
    with psycopg.connect(db.conninfo) as conn:
        conn.execute("INSERT INTO firms (id, name, slug, time_zone) VALUES (%s, %s, %s, %s)",
                     (firm, "Raw claims", f"raw-{firm.hex[:12]}", "UTC"))
        conn.execute("INSERT INTO locations (id, firm_id, name, time_zone) "
                     "VALUES (%s, %s, 'Raw', 'UTC')", (location, firm))
        conn.execute("INSERT INTO services (id, firm_id, name, duration_minutes, price) "
                     "VALUES (%s, %s, 'Raw', 10, 0)", (service, firm))
        conn.execute("INSERT INTO users (id, firm_id, email, password_hash, role) "
                     "VALUES (%s, %s, 'raw@bench.example.com', '!', 'owner')", (user, firm))
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO specialists (id, firm_id, name) VALUES (%s, %s, %s)",
                            [(s, firm, f"Raw {n}") for n, (s, _) in enumerate(owners)])
            cur.executemany(
                "INSERT INTO holds (id, firm_id, user_id, location_id, specialist_id, "
                "service_id, start_at, end_at, expires_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(h, firm, user, location, s, service, _FAR, _FAR + dt.timedelta(minutes=10),
                  _FAR) for s, h in owners])
    return firm, owners


async def _insert_loop(conn: psycopg.AsyncConnection[object], firm: uuid.UUID,
                       specialist: uuid.UUID, hold: uuid.UUID, deadline: float) -> int:
    done = 0
    while time.monotonic() < deadline:
        lower = _FAR + dt.timedelta(minutes=10 * done)
        await conn.execute(INSERT_SQL, (uuid.uuid4(), firm, hold, specialist, lower,
                                        lower + dt.timedelta(minutes=10)), prepare=True)
        done += 1
    return done


async def _measure(db: BenchDatabase, connections: int, seconds: float) -> float:
    firm, owners = _owners(db, connections)
    conns = await asyncio.gather(*(psycopg.AsyncConnection.connect(db.conninfo, autocommit=True)
                                   for _ in owners))
    try:
        began = time.monotonic()
        counts = await asyncio.gather(*(_insert_loop(conn, firm, s, h, began + seconds)
                                        for conn, (s, h) in zip(conns, owners, strict=True)))
        elapsed = time.monotonic() - began
    finally:
        await asyncio.gather(*(conn.close() for conn in conns))
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM firms WHERE id = %s", (firm,))  # cascades to its claims
    return sum(counts) / elapsed


def raw_insert_rate(db: BenchDatabase, *, connections: int, seconds: float) -> float:
    """Claims inserted per second over ``connections`` concurrent connections."""
    return asyncio.run(_measure(db, connections, seconds))
