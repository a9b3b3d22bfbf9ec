"""Finding the PostgreSQL processes of a data directory (psutil), waiting for them to end and
killing them. The postmaster is not our child (``pg_ctl`` daemonises it), so it is found and
watched by pid and start time, never waited on."""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from slotwise.embedded.layout import PGDATA
from slotwise.embedded.permissions import remove_private_socket_dir

# The package's one logger: its lines read the same whichever module writes them.
logger = logging.getLogger("slotwise.embedded")


@dataclass(frozen=True)
class Postmaster:
    pid: int
    status: str
    socket_dir: Path | None
    process: Any  # psutil.Process


def process_alive(pid: int, created: float | None = None) -> bool:
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
    pgdata = Path(data_dir).resolve() / PGDATA
    found = [proc for proc in psutil.process_iter() if _belongs_to(proc, pgdata)]
    return sorted(found, key=lambda proc: int(proc.pid))


def server_pids(data_dir: Path) -> list[int]:
    """Pids of live PostgreSQL processes (postmaster and backends) serving ``data_dir``."""
    return [int(proc.pid) for proc in server_processes(data_dir)]


def read_postmaster(pgdata: Path) -> Postmaster | None:
    """The live postmaster of ``pgdata``, or None. Removes a provably stale postmaster.pid.

    Parsed here rather than with the wheel's PostmasterInfo, which asserts on the partial
    file a starting server has and does not check that the pid is still our postmaster.
    """
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid = int(lines[0])
    except FileNotFoundError:
        return None
    except (ValueError, IndexError):
        # Being written by a starting postmaster; report it as starting.
        return Postmaster(-1, "starting", None, None)
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        proc = None
    belongs = _belongs_to(proc, pgdata) if proc is not None else False
    if belongs is None:
        # Not ours to judge (another user's process): let postgres' own interlock decide.
        return None
    if not belongs:
        # Left by a server that died (crash, SIGKILL, reboot). Postgres removes such a file
        # itself only when the pid is free; a reused pid would make it refuse to start.
        logger.warning(
            "removing stale %s (pid %d is not a postmaster for %s)", pid_file, pid, pgdata
        )
        pid_file.unlink(missing_ok=True)
        if len(lines) > 4:
            remove_private_socket_dir(Path(lines[4].strip()))
        return None
    status = lines[7].strip() if len(lines) > 7 else "starting"
    socket_dir = Path(lines[4].strip()) if len(lines) > 4 and lines[4].strip() else None
    return Postmaster(pid, status, socket_dir, proc)


def wait_gone(procs: Sequence[Any], timeout: float) -> bool:
    # psutil's wait() cannot be used: the postmaster is not our child (pg_ctl daemonises it), and
    # where nobody reaps orphans it stays a zombie, which psutil would wait on forever.
    deadline = time.monotonic() + timeout
    while True:
        if not any(process_alive(p.pid) for p in procs):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def kill(procs: list[Any]) -> None:
    # SIGQUIT is PostgreSQL's immediate shutdown (SIGTERM would wait for clients); SIGKILL
    # is the last resort and takes the backends along explicitly.
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGQUIT)
    if wait_gone(procs, 5.0):
        return
    victims = list(procs)
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            victims.extend(proc.children(recursive=True))
    logger.warning("killing PostgreSQL processes %s", [p.pid for p in victims])
    for proc in victims:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    wait_gone(victims, 5.0)
