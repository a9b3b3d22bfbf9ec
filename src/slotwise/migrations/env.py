"""Alembic environment: migrations run with a synchronous psycopg connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from slotwise.db import ApplicationName, create_sync_engine
from slotwise.migrate import check_server_version
from slotwise.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = create_sync_engine(url, application_name=ApplicationName.MIGRATE)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: Connection) -> None:
    check_server_version(connection.dialect.server_version_info)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
