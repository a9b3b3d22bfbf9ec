"""procrastinate's tables and functions, kept in their own PostgreSQL schema.

The schema SQL is vendored (``sql/procrastinate-<version>.sql``) rather than read from the
installed package, so that migration 0004 creates the same objects forever; upgrading
procrastinate means a new migration that applies its delta files the same way.

Why a schema of its own: our models describe ``public`` completely (the migration test
compares them with the database), and procrastinate's objects are not ours to model.
procrastinate's SQL names its objects without a schema, so it is run with ``search_path`` set
to ``procrastinate``; every function then gets that search path pinned, so that triggers and
functions work from any session (the API's, whose path is ``public``, included). Sessions
that run procrastinate's own queries unqualified (the worker's connector, a deferral inside
an API transaction) put ``procrastinate`` on their path.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

SCHEMA = "procrastinate"
VERSION = "3.10.0"
SQL_FILE = Path(__file__).parent / "sql" / f"procrastinate-{VERSION}.sql"

_PIN_SEARCH_PATH = f"""
DO $$
DECLARE fn regprocedure;
BEGIN
    FOR fn IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = '{SCHEMA}'::regnamespace LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = {SCHEMA}, pg_catalog', fn);
    END LOOP;
END $$;
"""

# Ops screens filter the jobs of one firm; delivery jobs carry the firm in their arguments.
_FIRM_INDEX = (
    f"CREATE INDEX slotwise_jobs_firm_status_idx ON {SCHEMA}.procrastinate_jobs "
    "((args->>'firm_id'), status, id)"
)


def _script(connection: Connection, sql: str) -> None:
    """Runs SQL with several statements and literal '%' signs: straight to the driver, with no
    parameters, inside the migration's transaction."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(sql)


def install(connection: Connection) -> None:
    previous = connection.exec_driver_sql("SHOW search_path").scalar_one()
    _script(connection, f"CREATE SCHEMA {SCHEMA}; SET LOCAL search_path TO {SCHEMA};")
    _script(connection, SQL_FILE.read_text(encoding="utf-8"))
    _script(connection, f"SET LOCAL search_path TO {previous}; {_PIN_SEARCH_PATH}; {_FIRM_INDEX}")


def uninstall(connection: Connection) -> None:
    connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
