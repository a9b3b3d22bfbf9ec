"""A fresh, migrated database for one benchmark run, dropped again at the end.

The server is ``SLOTWISE_BENCH_DATABASE_URL`` (any database on it; a new one is created next to
it) or else the embedded PostgreSQL in a fresh temporary directory, stopped and removed after.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from slotwise.migrate import upgrade

ENV_URL = "SLOTWISE_BENCH_DATABASE_URL"
# The benchmarks' own connections (building firms), as pg_stat_activity names them.
BENCH_APPLICATION_NAME = "slotwise-bench"


@dataclass(frozen=True)
class BenchDatabase:
    url: str  # SQLAlchemy URL (psycopg driver) of the bench database
    label: str  # what the figures were measured on, for the report

    @property
    def conninfo(self) -> str:
        """The same database as a libpq URL, for plain psycopg."""
        return libpq_url(self.url)


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def server_version(conninfo: str) -> str:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


@contextmanager
def _server() -> Iterator[tuple[str, str]]:
    """(URL of a maintenance database, label) of the server to create the bench database on."""
    external = os.environ.get(ENV_URL)
    if external:
        parsed = make_url(external)
        yield external, f"external PostgreSQL at {parsed.host or 'socket'}:{parsed.port or 5432}"
        return
    from slotwise.embedded.server import EmbeddedPostgres

    data_dir = Path(tempfile.mkdtemp(prefix="slotwise-bench-pg-"))
    server = EmbeddedPostgres(data_dir)
    try:
        yield server.start(database="postgres"), "embedded PostgreSQL (slotwise.embedded)"
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def bench_database() -> Iterator[BenchDatabase]:
    with _server() as (server_url, label):
        name = f"slotwise_bench_{uuid.uuid4().hex[:10]}"
        admin = libpq_url(server_url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            url = _with_database(server_url, name)
            upgrade(url)
            version = server_version(libpq_url(url))
            yield BenchDatabase(url, f"{label}, PostgreSQL {version}, database {name}")
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                             .format(sql.Identifier(name)))
