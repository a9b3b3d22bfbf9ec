"""Schema changes go through Alembic only; these helpers run it without an alembic.ini, and
say in one line what is wrong with a database that cannot be used."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from slotwise.db import ApplicationName, create_sync_engine, normalize_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Availability merges busy time with ``range_agg`` (multiranges, PostgreSQL 14).
MIN_SERVER_MAJOR = 14
CONNECT_TIMEOUT_SECONDS = 5


class DatabaseProblem(RuntimeError):
    """A database Slotwise cannot use, for a reason a person has to fix; the message is one
    line that names it (the CLI prints it instead of a traceback)."""


class UnsupportedServer(DatabaseProblem):
    pass


def check_server_version(version: tuple[int | str, ...] | None) -> None:
    """Refuses to migrate a server too old for the queries Slotwise runs, before any change."""
    if version is None or not isinstance(version[0], int) or version[0] < MIN_SERVER_MAJOR:
        found = ".".join(map(str, version)) if version else "unknown"
        raise UnsupportedServer(
            f"Slotwise needs PostgreSQL {MIN_SERVER_MAJOR} or newer; the server is {found}"
        )


def parse_database_url(database_url: str) -> URL:
    """The URL, or a :class:`DatabaseProblem` saying why it is not one of a PostgreSQL."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        # Not echoed: a mistyped URL may still hold a password.
        raise DatabaseProblem(
            "SLOTWISE_DATABASE_URL is not a URL; expected "
            "postgresql://user:password@host:port/database"
        ) from None
    if url.get_backend_name() not in ("postgresql", "postgres"):
        raise DatabaseProblem(
            f"SLOTWISE_DATABASE_URL must be a PostgreSQL URL (postgresql://...), "
            f"not {url.drivername}://..."
        )
    return url


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in a URL-encoded password.
    cfg.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return cfg


@cache
def head_revisions() -> frozenset[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


def current_revisions(connection: Connection) -> frozenset[str]:
    # Read directly: Alembic's MigrationContext would log its set-up lines at every check.
    if connection.scalar(text("SELECT to_regclass('alembic_version')")) is None:
        return frozenset()
    return frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))


def schema_problem(current: Iterable[str]) -> str | None:
    """What is wrong with a schema at these revisions, or ``None`` when it is at head."""
    current, head = frozenset(current), head_revisions()
    if current == head:
        return None
    if not current:
        return "the database has no Slotwise schema yet; run `slotwise migrate`"
    return (
        f"the database schema is at {', '.join(sorted(current))} but this version of "
        f"Slotwise needs {', '.join(sorted(head))}; run `slotwise migrate`"
    )


def _connect(database_url: str) -> Connection:
    url = parse_database_url(database_url)
    engine = create_sync_engine(
        database_url,
        application_name=ApplicationName.MIGRATE,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    try:
        return engine.connect()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        where = url.set(drivername="postgresql").render_as_string(hide_password=True)
        raise DatabaseProblem(f"cannot connect to the database {where}: {reason}") from None


def check_connection(database_url: str) -> None:
    """Raises :class:`DatabaseProblem` unless the database answers."""
    _connect(database_url).close()


def check_schema(database_url: str) -> None:
    """Raises :class:`DatabaseProblem` unless the database answers and its schema is at head."""
    with _connect(database_url) as conn:
        problem = schema_problem(current_revisions(conn))
    if problem:
        raise DatabaseProblem(problem)


def upgrade(database_url: str, revision: str = "head") -> None:
    check_connection(database_url)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
