"""``slotwise demo`` runs the whole product from one command: the API and a worker on the
embedded PostgreSQL, all of which stop on SIGTERM."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import httpx
import psutil
import pytest

from slotwise.embedded.processes import server_pids
from tests.live_server import free_port
from tests.test_cli import SLOTWISE, _env, _login, _wait_healthy

pytestmark = pytest.mark.slow


def _worker_children(proc: subprocess.Popen[str]) -> list[psutil.Process]:
    return [
        child
        for child in psutil.Process(proc.pid).children(recursive=True)
        if "worker" in child.cmdline()
    ]


def test_demo_runs_api_and_worker_and_stops_them_on_sigterm(tmp_path: Path) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="slotwise-demo-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "demo.log").open("w")
    proc = subprocess.Popen(
        [*SLOTWISE, "demo", "--port", str(port)],
        env=_env(SLOTWISE_DATA_DIR=str(data_dir)),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_healthy(base, proc, timeout=120)
        [worker] = _worker_children(proc)
        token = _login(base, "director@demo.slotwise.dev", "slotwise-demo").json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        # The worker runs the periodic jobs: at start it catches up on the last tick.
        deadline = time.monotonic() + 60
        while True:
            history = httpx.get(f"{base}/api/v1/ops/periodic", headers=headers, timeout=10).json()
            finished = [
                run
                for item in history["items"]
                for run in item["runs"]
                if run["status"] == "succeeded"
            ]
            if finished:
                break
            assert time.monotonic() < deadline, "no periodic job ran"
            time.sleep(0.5)

        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        worker.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        deadline = time.monotonic() + 10
        while server_pids(data_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        leftover = server_pids(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
    assert not worker.is_running()
    assert leftover == [], "postgres left behind"
    assert "worker worker stopped" in (tmp_path / "demo.log").read_text()


class _Console:
    """The lines a process prints (stdout and stderr), read as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._proc = proc
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def close(self) -> None:
        """After the process ended: the rest of its output read, the pipe closed."""
        self._reader.join()
        assert self._proc.stdout is not None
        self._proc.stdout.close()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def index(self, text: str, after: int = -1, timeout: float = 120) -> int:
        """The number of the first line after ``after`` containing ``text``, once printed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [n for n, line in enumerate(self.lines) if n > after and text in line]
                if found:
                    return found[0]
                assert self._proc.poll() is None, "\n".join(self.lines)
                assert self._changed.wait(deadline - time.monotonic()), "\n".join(self.lines)


def _book_first_slot(base: str, email: str) -> None:
    """As the client: the first free slot from tomorrow on, held and confirmed."""
    api = f"{base}/api/v1"
    token = _login(base, email, "slotwise-demo").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def items(path: str) -> list[dict[str, str]]:
        found: list[dict[str, str]] = httpx.get(f"{api}/{path}", headers=headers).json()["items"]
        return found

    tomorrow = date.today() + timedelta(days=1)
    for service in items("services"):
        for location in items("locations"):
            slots = httpx.get(
                f"{api}/availability",
                headers=headers,
                params={
                    "service_id": service["id"],
                    "location_id": location["id"],
                    "from": str(tomorrow),
                    "to": str(tomorrow + timedelta(days=3)),
                },
            ).json()["slots"]
            if slots:
                hold = httpx.post(
                    f"{api}/holds",
                    headers=headers,
                    json={
                        "service_id": service["id"],
                        "location_id": location["id"],
                        "start_at": slots[0]["start"],
                    },
                )
                assert hold.status_code == 201, hold.text
                booked = httpx.post(
                    f"{api}/appointments", headers=headers, json={"hold_id": hold.json()["id"]}
                )
                assert booked.status_code == 201, booked.text
                return
    raise AssertionError("no free slot in the demo firm")


def test_demo_banner_comes_after_start_up_and_sent_mail_shows(
    make_database: Callable[[], str],
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [*SLOTWISE, "demo", "--port", str(port)],
        env=_env(SLOTWISE_DATABASE_URL=make_database()),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    console = _Console(proc)
    try:
        started = console.index("Uvicorn running on")
        banner = console.index("Demo firm 'demo' is ready", after=started)
        assert f"{base}/board" in console.lines[banner]
        for login in (
            "director@demo.slotwise.dev",
            "anna@demo.slotwise.dev",
            "lena@demo.slotwise.dev",
        ):
            console.index(login, after=banner)

        _book_first_slot(base, "lena@demo.slotwise.dev")
        mail = console.lines[console.index("Mail to lena@demo.slotwise.dev: ")]
        assert mail.split(": ", 1)[1]  # the subject
        # The delivery job has run by now; its start and end lines are not on the console.
        assert not [line for line in console.lines if line.startswith("INFO procrastinate")]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        console.close()
