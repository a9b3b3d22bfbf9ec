"""The embedded PostgreSQL lifecycle: start, socket-only access, stop on signals, recovery
after a crashed holder, and sharing between processes. Every test checks the processes
themselves (psutil), not only what the module reports."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import psutil
import psycopg
import pytest
from sqlalchemy.engine import make_url

from slotwise.cli import database
from slotwise.embedded.layout import SERVER_OS_USER
from slotwise.embedded.processes import server_pids, server_processes
from slotwise.embedded.server import EmbeddedPostgres
from tests.embedded_helper import embedded_settings

pytestmark = pytest.mark.slow

HELPER = Path(__file__).with_name("embedded_helper.py")
CHILD_STARTUP_TIMEOUT = 30.0


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_with_pgdata_in_cmdline(pgdata: Path) -> list[int]:
    """Independent of server_pids(): scans every process' command line."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if str(pgdata) in " ".join(proc.info["cmdline"] or []):
            found.append(proc.pid)
    return found


def _listening(proc: psutil.Process) -> list[Any]:
    """The TCP sockets ``proc`` listens on: none once it has exited (a backend of a closed
    connection ends a moment after its client, possibly between listing and looking)."""
    try:
        return [c for c in proc.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    except psutil.NoSuchProcess:
        return []


def _ended(proc: psutil.Process) -> bool:
    """Whether ``proc`` has exited; a zombie has, and whoever reaps it may do so any time."""
    try:
        return bool(proc.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def _holder_pids(data_dir: Path) -> list[int]:
    return [h["pid"] for h in json.loads((data_dir / "holders.json").read_text())]


def _assert_no_server(data_dir: Path) -> None:
    assert server_pids(data_dir) == []
    assert _postgres_with_pgdata_in_cmdline(data_dir / "pgdata") == []


def _temp_base() -> Path:
    # Not under tmp_path: as root, every pytest session start resets /tmp/pytest-of-root to
    # 0700, which would cut the server's OS user off from a cluster of a concurrent session.
    return Path(tempfile.mkdtemp(prefix="slotwise-test-"))


@pytest.fixture(scope="module")
def shared_data_dir() -> Iterator[Path]:
    base = _temp_base()
    yield base / "data"
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def data_dir(shared_data_dir: Path) -> Iterator[Path]:
    """One cluster for the module (an initdb per test costs more than the test); every test
    starts and ends with no server running and no holder registered."""
    _assert_no_server(shared_data_dir)
    yield shared_data_dir
    # A failed test must not leak a server or a registration into the next test.
    for proc in server_processes(shared_data_dir):
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    (shared_data_dir / "holders.json").unlink(missing_ok=True)


class Child:
    """A helper process whose stdout lines can be awaited with a timeout."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self._stderr_path = tmp_path / f"child-{len(list(tmp_path.glob('child-*')))}.log"
        self._stderr: IO[str] = self._stderr_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(HELPER), *args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def expect(self, prefix: str, timeout: float = CHILD_STARTUP_TIMEOUT) -> str:
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"no {prefix!r} line from the child in {timeout}s:\n{self.log()}")
            if line is None:
                pytest.fail(f"child exited before printing {prefix!r}:\n{self.log()}")
            if line.startswith(prefix):
                return line[len(prefix) :].strip()

    def log(self) -> str:
        self._stderr.flush()
        return self._stderr_path.read_text()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._reader.join(5)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self._stderr.close()


Spawn = Callable[..., Child]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    children: list[Child] = []

    def start(*args: str) -> Child:
        child = Child(tmp_path, *args)
        children.append(child)
        return child

    yield start
    for child in children:
        child.close()


def test_start_connect_socket_only_and_stop(data_dir: Path) -> None:
    with EmbeddedPostgres(data_dir) as pg:
        url = pg.url
        parsed = make_url(url)
        assert parsed.drivername == "postgresql+psycopg"
        assert parsed.database == "slotwise"
        assert parsed.query["host"] == str(data_dir / "pgdata")

        with psycopg.connect(_dsn(url)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.execute("SELECT current_database()").fetchone() == ("slotwise",)
            installed = conn.execute(
                "SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'"
            ).fetchone()
            assert installed == (1,)
            # The extension must actually work for the no-double-booking constraint.
            conn.execute(
                "CREATE TEMP TABLE claim (who int, during tstzrange,"
                " EXCLUDE USING gist (who WITH =, during WITH &&))"
            )
            conn.execute("INSERT INTO claim VALUES (1, '[2030-01-01 10:00, 2030-01-01 11:00)')")
            with pytest.raises(psycopg.errors.ExclusionViolation):
                conn.execute("INSERT INTO claim VALUES (1, '[2030-01-01 10:30, 2030-01-01 11:30)')")
            conn.rollback()
            assert conn.execute("SHOW listen_addresses").fetchone() == ("",)

        processes = server_processes(data_dir)
        postmaster = psutil.Process(_postmaster_pid(data_dir))
        assert postmaster.pid in [proc.pid for proc in processes]
        assert len(processes) > 1, "backends (checkpointer, ...) should be found too"
        for proc in processes:
            assert _listening(proc) == []
        if os.geteuid() == 0:
            assert postmaster.username() == SERVER_OS_USER

        # Per-run databases, as tests use them.
        pg.ensure_database("per_run_db")
        pg.ensure_database("per_run_db")  # idempotent
        with psycopg.connect(_dsn(pg.url_for("per_run_db"))) as conn:
            assert conn.execute(
                "SELECT extname FROM pg_extension WHERE extname = 'btree_gist'"
            ).fetchone() == ("btree_gist",)
        pg.drop_database("per_run_db")
        with pg.connect() as conn:
            gone = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'per_run_db'")
            assert gone.fetchone() is None

    _assert_no_server(data_dir)
    assert _ended(postmaster)
    assert _holder_pids(data_dir) == []
    pg.stop()  # a second stop is harmless

    # The cluster survives a restart, and the URL can name another database.
    again = EmbeddedPostgres(data_dir)
    url = again.start(database="postgres")
    assert make_url(url).database == "postgres"
    with psycopg.connect(_dsn(url)) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = 'slotwise'").fetchone()
    again.stop()
    _assert_no_server(data_dir)


def test_a_process_gone_before_it_is_inspected_counts_as_ended_and_listens_on_nothing() -> None:
    child = subprocess.Popen(["sleep", "60"])
    proc = psutil.Process(child.pid)
    assert not _ended(proc)
    child.kill()
    assert child.wait() == -signal.SIGKILL  # reaped: the pid names no process any more
    assert _ended(proc)
    assert _listening(proc) == []


def test_long_data_dir_uses_a_private_short_socket_dir(data_dir: Path) -> None:
    data_dir = data_dir.parent / ("d" * 90)
    pg = EmbeddedPostgres(data_dir)
    try:
        socket_dir = Path(make_url(pg.start()).query["host"])  # type: ignore[arg-type]
        assert socket_dir != data_dir / "pgdata"
        assert socket_dir.stat().st_mode & 0o077 == 0
        with psycopg.connect(_dsn(pg.url)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        pg.stop()
    _assert_no_server(data_dir)
    assert not socket_dir.exists()


@pytest.mark.parametrize(
    ("mode", "signum", "exit_code"),
    [
        ("sleep", signal.SIGTERM, 128 + signal.SIGTERM),
        ("sleep", signal.SIGINT, 128 + signal.SIGINT),
        ("sleep", signal.SIGHUP, 128 + signal.SIGHUP),
        ("uvicorn", signal.SIGTERM, 128 + signal.SIGTERM),
        ("uvicorn", signal.SIGINT, 128 + signal.SIGINT),
    ],
)
def test_signal_stops_the_server(
    data_dir: Path,
    tmp_path: Path,
    spawn: Spawn,
    mode: str,
    signum: signal.Signals,
    exit_code: int,
) -> None:
    child = spawn(mode, str(data_dir), str(tmp_path / "uvicorn.sock"))
    url = child.expect("URL ")
    if mode == "uvicorn":
        child.expect("SERVING")  # uvicorn has now replaced the signal handlers with its own
    with psycopg.connect(_dsn(url)) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert server_pids(data_dir) != []

    child.proc.send_signal(signum)
    try:
        returncode = child.proc.wait(15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"child still running 15 s after {signum.name}:\n{child.log()}")
    assert returncode == exit_code, child.log()
    _assert_no_server(data_dir)


def test_server_of_a_killed_holder_is_adopted_and_stopped(data_dir: Path, spawn: Spawn) -> None:
    child = spawn("plain", str(data_dir))
    child.expect("URL ")
    orphan = _postmaster_pid(data_dir)
    child.proc.kill()
    child.proc.wait(10)
    # The crash left the server running and the dead process registered as its holder.
    assert psutil.Process(orphan).is_running()
    assert _holder_pids(data_dir) == [child.proc.pid]

    pg = EmbeddedPostgres(data_dir)
    url = pg.start()
    assert _postmaster_pid(data_dir) == orphan, "the running server should be adopted"
    assert _holder_pids(data_dir) == [os.getpid()]
    with psycopg.connect(_dsn(url)) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    pg.stop()
    _assert_no_server(data_dir)


def test_holder_killed_while_sharing_does_not_keep_the_server_alive(
    data_dir: Path, spawn: Spawn
) -> None:
    child = spawn("plain", str(data_dir))
    child.expect("URL ")
    pg = EmbeddedPostgres(data_dir)
    pg.start()
    assert sorted(_holder_pids(data_dir)) == sorted([child.proc.pid, os.getpid()])
    child.proc.kill()
    child.proc.wait(10)

    pg.stop()
    _assert_no_server(data_dir)
    assert _holder_pids(data_dir) == []


def test_stale_postmaster_pid_does_not_block_start(data_dir: Path) -> None:
    with EmbeddedPostgres(data_dir):
        pass
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    assert not pid_file.exists()
    exited = subprocess.Popen(["true"])
    exited.wait()
    # PostgreSQL only refuses a pid file naming a live process of its own OS user.
    as_server_user = SERVER_OS_USER if os.geteuid() == 0 else None
    reused = subprocess.Popen(["sleep", "60"], user=as_server_user)
    try:
        # A dead pid, and a live pid that is not a postmaster (pid reuse after a crash or
        # reboot), which PostgreSQL itself would refuse to start over.
        for stale_pid in (exited.pid, reused.pid):
            pid_file.write_text(f"{stale_pid}\n{data_dir / 'pgdata'}\n1700000000\n5432\n\n\n")
            with EmbeddedPostgres(data_dir) as pg, pg.connect() as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
                assert _postmaster_pid(data_dir) != stale_pid
            _assert_no_server(data_dir)
        assert reused.poll() is None, "the unrelated process must be left alone"
    finally:
        reused.kill()
        reused.wait()


def test_server_stays_up_while_another_process_holds_it(data_dir: Path, spawn: Spawn) -> None:
    first = spawn("sleep", str(data_dir))
    first.expect("URL ")
    postmaster = _postmaster_pid(data_dir)

    second = EmbeddedPostgres(data_dir)
    url = second.start()
    assert _postmaster_pid(data_dir) == postmaster
    assert sorted(_holder_pids(data_dir)) == sorted([first.proc.pid, os.getpid()])

    first.proc.send_signal(signal.SIGTERM)
    assert first.proc.wait(15) == 128 + signal.SIGTERM, first.log()
    assert "still used by" in first.log()
    assert psutil.Process(postmaster).is_running()
    assert _holder_pids(data_dir) == [os.getpid()]
    with psycopg.connect(_dsn(url)) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    second.stop()
    _assert_no_server(data_dir)


def test_two_handles_in_one_process(data_dir: Path) -> None:
    one = EmbeddedPostgres(data_dir)
    two = EmbeddedPostgres(data_dir)
    one.start()
    two.start()
    one.stop()
    with two.connect() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    two.stop()
    _assert_no_server(data_dir)


class _SignalOnShutdown(logging.Handler):
    """Sends SIGTERM to this process when the server shutdown begins: a second signal
    arriving exactly while the first one's cleanup runs."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("stopping PostgreSQL"):
            os.kill(os.getpid(), signal.SIGTERM)


def test_signal_during_shutdown_does_not_interrupt_it(data_dir: Path) -> None:
    embedded_logger = logging.getLogger("slotwise.embedded")
    hook = _SignalOnShutdown()
    embedded_logger.addHandler(hook)
    level_before = embedded_logger.level
    embedded_logger.setLevel(logging.INFO)
    handler_before = signal.getsignal(signal.SIGTERM)
    urls: list[str] = []
    try:
        with pytest.raises(SystemExit) as exit_info, database(embedded_settings(data_dir)) as url:
            urls.append(url)
    finally:
        embedded_logger.removeHandler(hook)
        embedded_logger.setLevel(level_before)
    assert len(urls) == 1
    # The shutdown completed, and the signal still ends the program once it has.
    _assert_no_server(data_dir)
    assert exit_info.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is handler_before
