"""The ``slotwise`` command, run as a real subprocess."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from slotwise.embedded.processes import server_pids
from tests.conftest import admin_dsn
from tests.live_server import free_port

pytestmark = pytest.mark.slow

SLOTWISE = [sys.executable, "-m", "slotwise"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTWISE_")}
    env.update(extra)
    return env


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SLOTWISE, *args],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _login(base_url: str, email: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/api/v1/auth/token", data={"username": email, "password": password}, timeout=10
    )


def _wait_healthy(base_url: str, proc: subprocess.Popen[Any], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early with {proc.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become healthy")


def test_createuser_creates_firm_and_login_works(make_database: Callable[[], str]) -> None:
    url = make_database()
    done = _run(
        [
            "createuser",
            "--firm",
            "acme",
            "--email",
            "Boss@Acme.example",
            "--password",
            "s3cret-pass",
            "--role",
            "director",
        ],
        SLOTWISE_DATABASE_URL=url,
    )
    assert done.returncode == 0, done.stderr
    assert "Created director boss@acme.example in firm 'acme'" in done.stdout

    again = _run(
        [
            "createuser",
            "--firm",
            "acme",
            "--email",
            "boss@acme.example",
            "--password",
            "s3cret-pass",
            "--role",
            "director",
        ],
        SLOTWISE_DATABASE_URL=url,
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr

    bad = _run(
        [
            "createuser",
            "--firm",
            "acme",
            "--email",
            "w@acme.example",
            "--password",
            "short",
            "--role",
            "worker",
        ],
        SLOTWISE_DATABASE_URL=url,
    )
    assert bad.returncode == 1
    assert "at least 8 characters" in bad.stderr


def test_serve_on_embedded_stops_postgres_on_sigterm(tmp_path: Path) -> None:
    """`slotwise serve` with no database URL runs its own PostgreSQL; SIGTERM (and Ctrl-C)
    must leave no postgres process behind."""
    # Outside pytest's temp dir, which only root may enter: the server runs as its own user.
    data_dir = Path(tempfile.mkdtemp(prefix="slotwise-serve-"))
    try:
        _serve_and_signal(data_dir, tmp_path)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _serve_and_signal(data_dir: Path, log_dir: Path) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (log_dir / f"serve-{sig.name}.log").open("w")
        proc = subprocess.Popen(
            [*SLOTWISE, "serve", "--port", str(port)],
            env=_env(SLOTWISE_DATA_DIR=str(data_dir)),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_healthy(base, proc)
            assert server_pids(data_dir), "the embedded PostgreSQL should be running"
            # The API really works on the embedded database: a login attempt reaches it.
            assert _login(base, "nobody@example.com", "x").status_code == 401
            proc.send_signal(sig)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
        deadline = time.monotonic() + 10
        while server_pids(data_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server_pids(data_dir) == [], f"postgres left behind after {sig.name}"


@pytest.mark.parametrize("command", [["demo", "--no-serve"]])
def test_demo_loads_and_printed_logins_work(
    make_database: Callable[[], str], command: list[str]
) -> None:
    url = make_database()
    done = _run(command, SLOTWISE_DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    password = done.stdout.split("with password '")[1].split("'")[0]
    logins = {
        line.split()[0]: line.split()[1] for line in lines if line.startswith("  ") and "@" in line
    }
    assert set(logins) == {"director", "worker", "client"}

    # Loading twice keeps one demo firm (the second run only prints the logins).
    assert _run(command, SLOTWISE_DATABASE_URL=url).returncode == 0
    # Demo bookings claim their time like real ones, so availability and the exclusion
    # constraints see them: one claim per worker and one per workplace of each live booking.
    with psycopg.connect(admin_dsn(url)) as conn:
        claims, expected, firms = conn.execute("""
            SELECT (SELECT count(*) FROM time_claims),
                   (SELECT count(*) FROM appointment_workers w JOIN appointments a
                      ON a.id = w.appointment_id WHERE a.status <> 'cancelled')
                 + (SELECT count(*) FROM appointments
                      WHERE status <> 'cancelled' AND workplace_id IS NOT NULL),
                   (SELECT count(*) FROM firms)""").fetchone() or (0, 0, 0)
    assert firms == 1
    assert claims == expected > 100

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [*SLOTWISE, "serve", "--port", str(port)],
        env=_env(SLOTWISE_DATABASE_URL=url),
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(base, proc)
        seen: dict[str, int] = {}
        for role, email in logins.items():
            resp = _login(base, email, password)
            assert resp.status_code == 200, (role, resp.text)
            token = resp.json()["access_token"]
            me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.json()["role"] == role
            listed = httpx.get(
                f"{base}/api/v1/appointments",
                params={"limit": 500},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert listed.status_code == 200, listed.text
            seen[role] = listed.json()["total"]
        # The director sees the whole firm, the worker and the client a part of it.
        assert seen["director"] > seen["worker"] > 0
        assert seen["director"] > seen["client"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


BAD_URLS = {
    "postgresql://nobody@127.0.0.1:1/x": "cannot connect to the database "
    "postgresql://nobody@127.0.0.1:1/x: connection failed",
    "mysql://someone:secret@127.0.0.1/x": "must be a PostgreSQL URL",
    "not-a-url": "is not a URL",
}


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("command", "url"),
    [
        *((command, url) for command in (["migrate"], ["demo", "--no-serve"]) for url in BAD_URLS),
        (["serve"], "postgresql://nobody@127.0.0.1:1/x"),
    ],
)
def test_a_bad_database_url_is_one_line_naming_the_problem(command: list[str], url: str) -> None:
    line = _one_error_line(_run(command, SLOTWISE_DATABASE_URL=url))
    assert BAD_URLS[url] in line
    assert "secret" not in line


def test_serve_refuses_a_schema_behind_head(make_database: Callable[[], str]) -> None:
    from slotwise.migrate import upgrade

    url = make_database()
    upgrade(url, "0003")
    line = _one_error_line(_run(["serve", "--port", str(free_port())], SLOTWISE_DATABASE_URL=url))
    assert "schema is at 0003" in line
    assert "run `slotwise migrate`" in line


def test_a_taken_port_is_one_line_naming_slotwise_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in ("demo", "serve"):
            # The port is checked first: the unreachable database is never reached.
            line = _one_error_line(
                _run(
                    [command, "--port", str(port)],
                    SLOTWISE_DATABASE_URL="postgresql://nobody@127.0.0.1:1/x",
                )
            )
            assert f"port {port} on 127.0.0.1 is not available" in line
            assert "SLOTWISE_PORT" in line


def test_help_shows_defaults_and_environment_variables_on_whole_lines() -> None:
    env = {"COLUMNS": "100"}
    overview = _run(["--help"], **env)
    assert overview.returncode == 0
    commands = [
        line for line in overview.stdout.split("Commands")[1].splitlines() if line.startswith("│")
    ]
    # One line per command: a summary wrapped by hand would continue on an indented line.
    assert [line.split()[1] for line in commands] == [
        "serve",
        "worker",
        "vapid-keys",
        "migrate",
        "createuser",
        "demo",
    ]
    demo = _run(["demo", "--help"], **env).stdout
    assert "[env var: SLOTWISE_PORT]" in demo
    assert "[default: (8000)]" in demo
    assert "[env var: SLOTWISE_HOST]" in demo
    assert "[default: no-reset]" in demo
    worker = _run(["worker", "--help"], **env).stdout
    assert "SLOTWISE_WORKER_CONCURRENCY" in worker
    assert "[default: (10)]" in worker


def test_make_demo_passes_arguments_through() -> None:
    done = subprocess.run(
        ["make", "-n", "demo", "ARGS=--reset --no-serve"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ".venv/bin/slotwise demo --reset --no-serve" in done.stdout.splitlines()
