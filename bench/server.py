"""The API served by uvicorn in a child process, as in production (one process, the shipped
dependencies), so the measuring client never shares the server's interpreter.

``python -m bench.server --url URL --port N`` is the child; :func:`serving` starts and stops it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
import psutil

SECRET_ENV = "SLOTWISE_BENCH_SECRET"
GC_MODES = ("default", "off")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base_url: str
    process: psutil.Process


class CpuMeter:
    """CPU used by the server process, this process and the whole machine since creation."""

    def __init__(self, server: Server) -> None:
        self._server, self._client = server.process, psutil.Process()
        self._server_start = _seconds(self._server)
        self._client_start = _seconds(self._client)
        self._machine_start = psutil.cpu_times()
        self._wall_start = time.monotonic()

    def report(self) -> str:
        wall = time.monotonic() - self._wall_start
        server = (_seconds(self._server) - self._server_start) / wall
        client = (_seconds(self._client) - self._client_start) / wall
        now, start = psutil.cpu_times(), self._machine_start
        busy = (sum(now) - now.idle) - (sum(start) - start.idle)
        machine = busy / wall
        return (f"CPU (cores busy on average): server process {server:.2f}, this client "
                f"{client:.2f}, whole machine {machine:.2f} of {psutil.cpu_count()} "
                f"(the rest is mostly PostgreSQL)")


def _seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


@contextmanager
def serving(url: str, secret: str, *, gc_mode: str = "default", profile: Path | None = None,
            startup_timeout: float = 60) -> Iterator[Server]:
    """Base URL of a uvicorn child process serving the app on a free loopback port.

    ``gc_mode="off"`` is a diagnostic, not how the product runs: it disables the cyclic garbage
    collector in the server (after the server's own ``gc.freeze()`` at startup), to show how much
    of the latency is still collection pauses.
    ``profile`` runs the server under cProfile and writes the stats there when it stops.
    """
    port = free_port()
    env = {**os.environ, SECRET_ENV: secret}
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "bench.server", "--url", url, "--port", str(port),
               "--gc", gc_mode]
    if profile is not None:
        command += ["--profile", str(profile)]
    proc = subprocess.Popen(command, cwd=root, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the bench server exited with {proc.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the bench server did not start")
            time.sleep(0.1)
        yield Server(base, psutil.Process(proc.pid))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> None:
    import tempfile

    from slotwise.app import create_app
    from slotwise.config import Settings
    from slotwise.server import build_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--gc", choices=GC_MODES, default="default")
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings(database_url=args.url, secret_key=os.environ[SECRET_ENV],
                        data_dir=Path(tempfile.gettempdir()) / "slotwise-bench-unused")
    app = create_app(settings)
    if args.gc == "off":
        gc.disable()
    # Uvicorn shuts down on SIGTERM, then re-raises it with the previous handler: this one
    # turns it into an exit that still runs the ``finally`` below.
    signal.signal(signal.SIGTERM, _exit)
    profiler = cProfile.Profile() if args.profile is not None else None
    if profiler is not None:
        profiler.enable()
    try:
        # The product's own server (slotwise.server): its protocol, timeouts and gc tuning.
        build_server(app, settings, "127.0.0.1", args.port, log_level="warning").run()
    finally:
        if profiler is not None and args.profile is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    main()
