"""Schema changes go through Alembic only; these helpers run it without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from slotwise.db import normalize_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Availability merges busy time with ``range_agg`` (multiranges, PostgreSQL 14).
MIN_SERVER_MAJOR = 14


class UnsupportedServer(RuntimeError):
    pass


def check_server_version(version: tuple[int | str, ...] | None) -> None:
    """Refuses to migrate a server too old for the queries Slotwise runs, before any change."""
    if version is None or not isinstance(version[0], int) or version[0] < MIN_SERVER_MAJOR:
        found = ".".join(map(str, version)) if version else "unknown"
        raise UnsupportedServer(
            f"Slotwise needs PostgreSQL {MIN_SERVER_MAJOR} or newer; the server is {found}")


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in a URL-encoded password.
    cfg.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
