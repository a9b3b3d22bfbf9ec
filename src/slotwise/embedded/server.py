"""The handle on a data directory's private PostgreSQL server: start (or adopt) it, hand out
URLs and connections, and stop it when the last holder, in any process, lets go. The package's
docstring says why the lifecycle is our own and how signals reach it."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import quote

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.rows import TupleRow

from slotwise.embedded import processes
from slotwise.embedded.holders import Holders
from slotwise.embedded.layout import INITDB_STAGING, PGDATA, PORT, SERVER_LOG, SUPERUSER
from slotwise.embedded.permissions import (
    OsUser,
    choose_socket_dir,
    prepare_os_user,
    remove_private_socket_dir,
    run_kwargs,
)
from slotwise.embedded.wheel import initdb, pg_ctl

# The package's one logger: its lines read the same whichever module writes them.
logger = logging.getLogger("slotwise.embedded")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


class EmbeddedPostgres:
    """A handle on the private PostgreSQL server of ``data_dir`` (cluster in ``data_dir/pgdata``).

    ``start()`` starts or adopts the server and returns a SQLAlchemy URL; ``stop()`` releases this
    handle and shuts the server down when no other live handle (in any process) remains.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        database: str = "slotwise",
        start_timeout: float = 60.0,
        stop_timeout: float = 20.0,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.pgdata = self.data_dir / PGDATA
        self.database = database
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._token: str | None = None
        self._owner_pid: int | None = None
        self._socket_dir: Path | None = None
        self._url: str | None = None
        self._holders = Holders(self.data_dir)
        self._os_user: OsUser | None = None

    # -- public API ---------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._url is not None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("EmbeddedPostgres is not started")
        return self._url

    @property
    def socket_dir(self) -> Path:
        if self._socket_dir is None:
            raise RuntimeError("EmbeddedPostgres is not started")
        return self._socket_dir

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL (psycopg driver) of ``database`` on this server."""
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql+psycopg://{SUPERUSER}@/{quote(database)}?host={host}&port={PORT}"

    def conninfo(self, database: str | None = None) -> str:
        """libpq connection string, e.g. for psycopg or procrastinate."""
        return psycopg.conninfo.make_conninfo(
            host=str(self.socket_dir),
            port=PORT,
            user=SUPERUSER,
            dbname=database or self.database,
        )

    def start(self, database: str | None = None) -> str:
        """Start (or adopt) the server, make sure ``database`` exists with ``btree_gist``, and
        return its URL. Calling it again on a started handle returns the same URL."""
        if self._url is not None:
            return self._url
        if database is not None:
            self.database = database
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._locked():
            self._register()
            try:
                postmaster = self._ensure_running()
            except BaseException:
                self._release_locked()
                raise
        self._socket_dir = postmaster.socket_dir
        self._url = self.url_for(self.database)
        # Registered before the database setup so a failure there (or a signal) still stops.
        atexit.register(self._stop_at_exit)
        try:
            # template1 too, so databases created later by a plain CREATE DATABASE (tests do)
            # already have the extension the exclusion constraints need.
            self._ensure_extension("template1")
            self.ensure_database(self.database)
        except BaseException:
            self.stop()
            raise
        logger.info(
            "embedded PostgreSQL ready (pid %d, socket dir %s)", postmaster.pid, self._socket_dir
        )
        return self._url

    def stop(self) -> None:
        """Release this handle; stop the server if no other live handle remains. Idempotent."""
        if self._token is None:
            return
        atexit.unregister(self._stop_at_exit)
        if self._owner_pid != os.getpid():
            # A forked child inherited this object (and its atexit hook): the registration
            # belongs to the parent, which still uses the server.
            self._forget()
            return
        with self._locked():
            self._release_locked()

    def ensure_database(self, name: str) -> None:
        """Create database ``name`` if missing, with the ``btree_gist`` extension."""
        with self.connect("postgres") as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if exists.fetchone() is None:
                try:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    logger.info("created database %s", name)
                except pg_errors.DuplicateDatabase:
                    pass  # created concurrently by another process sharing the server
        self._ensure_extension(name)

    def _ensure_extension(self, database: str) -> None:
        with self.connect(database) as conn:
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
            except (pg_errors.UniqueViolation, pg_errors.DuplicateObject):
                pass  # IF NOT EXISTS is not race-free; another process just created it

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, disconnecting its sessions."""
        if name in ("postgres", "template0", "template1"):
            raise ValueError(f"refusing to drop the system database {name!r}")
        with self.connect("postgres") as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def connect(self, database: str = "postgres") -> psycopg.Connection[TupleRow]:
        """An autocommit psycopg connection to ``database`` over the Unix socket."""
        return psycopg.connect(self.conninfo(database), autocommit=True, connect_timeout=10)

    def server_pids(self) -> list[int]:
        return processes.server_pids(self.data_dir)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- holders ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # Generous: a holder may be inside initdb or a slow shutdown while holding it.
        with self._holders.locked(timeout=self.start_timeout + self.stop_timeout + 60):
            yield

    def _register(self) -> None:
        holder = self._holders.add_this_process()
        self._token = holder.token
        self._owner_pid = holder.pid

    def _release_locked(self) -> None:
        token = self._token
        self._forget()
        remaining = self._holders.remove(token)
        if remaining:
            logger.info(
                "embedded PostgreSQL still used by pid(s) %s; leaving it running",
                sorted({h.pid for h in remaining}),
            )
            return
        self._shutdown()

    def _forget(self) -> None:
        self._token = None
        self._owner_pid = None
        self._url = None
        self._socket_dir = None

    def _stop_at_exit(self) -> None:
        try:
            self.stop()
        except Exception:
            logger.exception("stopping embedded PostgreSQL at exit failed")

    # -- server -------------------------------------------------------------------------------

    def _ensure_running(self) -> processes.Postmaster:
        self._os_user = prepare_os_user(self.data_dir, self.pgdata)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        deadline = time.monotonic() + self.start_timeout
        launched = False
        while True:
            postmaster = processes.read_postmaster(self.pgdata)
            if postmaster is None:
                if launched:
                    raise RuntimeError(
                        f"PostgreSQL exited right after starting; log:\n"
                        f"{_tail(self.pgdata / SERVER_LOG)}"
                    )
                self._launch()
                launched = True
                continue
            if postmaster.status == "ready":
                if postmaster.socket_dir is None:
                    raise RuntimeError(
                        f"the PostgreSQL server of {self.pgdata} (pid {postmaster.pid}) "
                        "has no Unix socket; stop it and retry"
                    )
                if not launched:
                    logger.info(
                        "adopting running PostgreSQL (pid %d) for %s", postmaster.pid, self.pgdata
                    )
                return postmaster
            # "starting" or "stopping" (a holder died mid-shutdown): wait for it to settle.
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"PostgreSQL for {self.pgdata} stuck in state {postmaster.status!r}"
                )
            time.sleep(0.1)

    def _initdb(self) -> None:
        # Postmasters whose pgdata was deleted under them keep running and would clash.
        leftovers = processes.server_processes(self.data_dir)
        if leftovers:
            logger.warning(
                "killing PostgreSQL processes of a removed cluster: %s", [p.pid for p in leftovers]
            )
            processes.kill(leftovers)
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise RuntimeError(
                f"{self.pgdata} is not empty but has no PG_VERSION; it is not a PostgreSQL "
                "cluster, move it away"
            )
        # initdb runs in a staging dir renamed into place, so an interrupted initdb never leaves
        # a half-made cluster that would look initialised to the next run.
        staging = self.data_dir / INITDB_STAGING
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        if self._os_user is not None:
            os.chown(staging, *self._os_user)
        logger.info("initialising PostgreSQL cluster in %s", self.pgdata)
        initdb(
            [
                "--auth=trust",
                "--auth-local=trust",
                "--encoding=UTF8",
                "-U",
                SUPERUSER,
                # Libc "C" needs no OS locale; the builtin C.UTF-8 provider still gives Unicode
                # upper()/lower(), identically on every machine.
                "--locale=C",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
            ],
            pgdata=staging,
            timeout=120,
            **run_kwargs(self._os_user),
        )
        if self.pgdata.exists():
            self.pgdata.rmdir()
        staging.rename(self.pgdata)

    def _launch(self) -> None:
        socket_dir = choose_socket_dir(self.pgdata, self._os_user)
        log = self.pgdata / SERVER_LOG
        # pg_ctl passes -o through /bin/sh, hence the quoting; -h '' disables TCP entirely.
        options = (
            f"-h '' -p {PORT} -k {shlex.quote(str(socket_dir))} -c unix_socket_permissions=0700"
        )
        timeout = max(1, int(self.start_timeout))
        logger.info("starting PostgreSQL for %s", self.pgdata)
        try:
            pg_ctl(
                ["-w", "-t", str(timeout), "-s", "-l", str(log), "-o", options, "start"],
                pgdata=self.pgdata,
                timeout=timeout + 10,
                **run_kwargs(self._os_user),
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError(f"PostgreSQL failed to start; log:\n{_tail(log)}") from exc

    def _shutdown(self) -> None:
        postmaster = processes.read_postmaster(self.pgdata)
        if postmaster is None or postmaster.process is None:
            return
        proc = postmaster.process
        logger.info("stopping PostgreSQL (pid %d) for %s", proc.pid, self.pgdata)
        try:
            pg_ctl(
                ["-w", "-t", str(max(1, int(self.stop_timeout))), "-s", "-m", "fast", "stop"],
                pgdata=self.pgdata,
                timeout=self.stop_timeout + 5,
                **run_kwargs(self._os_user),
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
            logger.warning("pg_ctl stop failed for %s; signalling the postmaster", self.pgdata)
        if not processes.wait_gone([proc], 5.0):
            processes.kill([proc])
        if postmaster.socket_dir is not None:
            remove_private_socket_dir(postmaster.socket_dir)
