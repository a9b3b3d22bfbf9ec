"""Who uses the server of a data directory: a holder list (pid, process start time, token) in
``holders.json``, read and written only under an inter-process lock. Holders whose process is
gone are pruned on every change, so a crashed process never keeps the server alive."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fasteners
import psutil

from slotwise.embedded.layout import HOLDERS_FILE, LOCK_FILE
from slotwise.embedded.processes import process_alive

# The package's one logger: its lines read the same whichever module writes them.
logger = logging.getLogger("slotwise.embedded")

# fasteners' lock is fcntl-based, which is per process: two threads of one process would both
# "hold" it, so threads are serialised separately.
_thread_lock = threading.RLock()


@dataclass(frozen=True)
class Holder:
    pid: int
    created: float
    token: str

    def alive(self) -> bool:
        return process_alive(self.pid, self.created)


class Holders:
    """The holder list of ``data_dir`` and the lock every change to it is made under."""

    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / HOLDERS_FILE
        self._lock_path = data_dir / LOCK_FILE
        self._file_lock = fasteners.InterProcessLock(str(self._lock_path))

    @contextlib.contextmanager
    def locked(self, timeout: float) -> Iterator[None]:
        with _thread_lock:
            if not self._file_lock.acquire(timeout=timeout):
                raise TimeoutError(f"could not lock {self._lock_path}")
            try:
                yield
            finally:
                self._file_lock.release()

    def add_this_process(self) -> Holder:
        """Under the lock: registers this process with a new token, pruning dead holders."""
        holders = [h for h in self._read() if h.alive()]
        me = psutil.Process()
        holder = Holder(me.pid, float(me.create_time()), uuid.uuid4().hex)
        holders.append(holder)
        self._write(holders)
        return holder

    def remove(self, token: str | None) -> list[Holder]:
        """Under the lock: removes the holder of ``token`` and dead holders; returns the
        remaining (live) ones."""
        remaining = [h for h in self._read() if h.token != token and h.alive()]
        self._write(remaining)
        return remaining

    def _read(self) -> list[Holder]:
        try:
            raw = json.loads(self._path.read_text())
            return [Holder(int(h["pid"]), float(h["created"]), str(h["token"])) for h in raw]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError):
            # Only written under the lock and replaced atomically, so garbage means someone else
            # touched it; the live holders re-register on their next start.
            logger.warning("ignoring unreadable holder list %s", self._path)
            return []

    def _write(self, holders: list[Holder]) -> None:
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps([h.__dict__ for h in holders]))
        tmp.replace(self._path)
