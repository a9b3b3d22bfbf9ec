"""procrastinate's tables and functions, kept in their own PostgreSQL schema.

The schema SQL is procrastinate's own ``schema.sql``, read from the installed package, which
``pyproject.toml`` pins: migration 0004 must create the same objects forever, so it refuses to
run with any other version. Upgrading procrastinate means a new migration that applies the
package's own delta files (``procrastinate/sql/migrations``) and moves ``VERSION`` on.

Why a schema of its own: our models describe ``public`` completely (the migration test
compares them with the database), and procrastinate's objects are not ours to model.
procrastinate's SQL names its objects without a schema, so it is run with ``search_path`` set
to ``procrastinate``; every function then gets that search path pinned, so that triggers and
functions work from any session (the API's, whose path is ``public``, included). Sessions
that run procrastinate's own queries unqualified (the worker's connector, a deferral inside
an API transaction) put ``procrastinate`` on their path.
"""

from __future__ import annotations

from importlib import metadata, resources

from sqlalchemy import Connection

SCHEMA = "procrastinate"
VERSION = "3.10.0"

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


class SchemaVersionMismatch(RuntimeError):
    pass


def schema_sql() -> str:
    """procrastinate's ``schema.sql`` of the pinned version, from the installed package."""
    installed = metadata.version("procrastinate")
    if installed != VERSION:
        raise SchemaVersionMismatch(
            f"procrastinate {installed} is installed, but the job schema is that of {VERSION}: "
            f"install procrastinate=={VERSION} (as pyproject.toml pins it)"
        )
    return resources.files("procrastinate").joinpath("sql", "schema.sql").read_text("utf-8")


def install(connection: Connection) -> None:
    sql = schema_sql()
    previous = connection.exec_driver_sql("SHOW search_path").scalar_one()
    _script(connection, f"CREATE SCHEMA {SCHEMA}; SET LOCAL search_path TO {SCHEMA};")
    _script(connection, sql)
    _script(connection, f"SET LOCAL search_path TO {previous}; {_PIN_SEARCH_PATH}; {_FIRM_INDEX}")


def uninstall(connection: Connection) -> None:
    connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
