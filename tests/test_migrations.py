"""The schema changes only through Alembic, and the migrations agree with the models."""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from slotwise.db import create_sync_engine
from slotwise.jobs import schema
from slotwise.migrate import UnsupportedServer, check_server_version, downgrade, upgrade
from slotwise.models import Base
from tests.conftest import TESTS_APPLICATION_NAME


def _tables(url: str) -> set[str]:
    engine = create_sync_engine(url, application_name=TESTS_APPLICATION_NAME)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _diff(url: str) -> list[object]:
    engine = create_sync_engine(url, application_name=TESTS_APPLICATION_NAME)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_and_models_agree(make_database: Callable[[], str]) -> None:
    url = make_database()
    model_tables = set(Base.metadata.tables)

    upgrade(url)
    assert model_tables <= _tables(url)
    assert _diff(url) == []

    downgrade(url, "base")
    assert _tables(url) == {"alembic_version"}

    upgrade(url)
    assert model_tables <= _tables(url)
    assert _diff(url) == []


def test_servers_older_than_14_are_refused_with_a_clear_message() -> None:
    check_server_version((14, 0))
    check_server_version((18, 6))
    with pytest.raises(
        UnsupportedServer, match=r"needs PostgreSQL 14 or newer; the server is 13\.9$"
    ):
        check_server_version((13, 9))
    with pytest.raises(UnsupportedServer, match="the server is unknown"):
        check_server_version(None)


def test_job_schema_is_the_installed_pinned_procrastinate() -> None:
    # Read from the package (never a copy in this repository), and only of the pinned version.
    sql = schema.schema_sql()
    assert "CREATE TABLE procrastinate_jobs" in sql
    assert metadata.version("procrastinate") == schema.VERSION


def test_job_schema_refuses_another_procrastinate(monkeypatch: pytest.MonkeyPatch) -> None:
    # Stands in for an upgraded package: 0004 must not create another version's objects.
    monkeypatch.setattr(metadata, "version", lambda name: "9.9.9")
    with pytest.raises(schema.SchemaVersionMismatch, match=r"procrastinate 9\.9\.9 is installed"):
        schema.schema_sql()
