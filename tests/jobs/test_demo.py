"""``slotwise demo`` runs the whole product from one command: the API and a worker on the
embedded PostgreSQL, all of which stop on SIGTERM."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from slotwise.embedded import server_pids
from tests.live_server import free_port
from tests.test_cli import SLOTWISE, _env, _login, _wait_healthy


def _worker_children(proc: subprocess.Popen[str]) -> list[psutil.Process]:
    return [child for child in psutil.Process(proc.pid).children(recursive=True)
            if "worker" in child.cmdline()]


def test_demo_runs_api_and_worker_and_stops_them_on_sigterm(tmp_path: Path) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="slotwise-demo-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "demo.log").open("w")
    proc = subprocess.Popen([*SLOTWISE, "demo", "--port", str(port)],
                            env=_env(SLOTWISE_DATA_DIR=str(data_dir)), stdout=log,
                            stderr=subprocess.STDOUT, text=True)
    try:
        _wait_healthy(base, proc, timeout=120)
        [worker] = _worker_children(proc)
        token = _login(base, "director@demo.slotwise.dev", "slotwise-demo").json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        # The worker runs the periodic jobs: at start it catches up on the last tick.
        deadline = time.monotonic() + 60
        while True:
            history = httpx.get(f"{base}/api/v1/ops/periodic", headers=headers,
                                timeout=10).json()
            finished = [run for item in history["items"] for run in item["runs"]
                        if run["status"] == "succeeded"]
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
    assert "Stopped worker" in (tmp_path / "demo.log").read_text()
