"""The tests' local YClients server (``tests/sync/yclients_server.py``) in a child process.

Imported as it is, so the benchmark reads the same payloads, pagination and ``changed_after``
filtering as the tests. It runs in a process of its own rather than in the poller's event loop
(as the tests run it): the real YClients does its work on other machines, and in one loop the
server's JSON encoding would be charged to both the import and its floor. The parent acts as
the YClients admin through a pipe; the commands run in the server's event loop, between
requests.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any

import psutil

from tests.sync.yclients_server import FakeYclients, Person, running

READY_TIMEOUT = 60.0
REPLY_TIMEOUT = 30.0


@dataclass(frozen=True)
class PlannedRecord:
    staff_id: int
    start: datetime  # aware
    minutes: int
    services: tuple[int, ...]
    client: Person | None
    comment: str
    attendance: int
    made_at: datetime  # its create_date and last_change_date


@dataclass(frozen=True)
class Company:
    staff: dict[int, str]
    services: dict[int, tuple[str, Decimal]]
    records: list[PlannedRecord]


class RemoteYclients:
    """The parent's handle: ``base_url``, the record ids (in the order planned), and the
    admin's edits. Each call waits for the child's answer (milliseconds; never timed)."""

    def __init__(self, conn: Connection, process: Any, base_url: str, ids: list[int]) -> None:
        self._conn = conn
        self.process = psutil.Process(process.pid)
        self.base_url = base_url
        self.record_ids = ids

    def _call(self, *command: Any) -> Any:
        self._conn.send(command)
        if not self._conn.poll(REPLY_TIMEOUT):
            raise RuntimeError(f"the YClients server did not answer {command[0]!r}")
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"the YClients server failed {command[0]!r}: {value}")
        return value

    def requests(self) -> int:
        """How many requests the server has answered so far."""
        return int(self._call("requests"))

    def edit(self, record_id: int, **changes: Any) -> None:
        self._call("edit", record_id, changes)

    def delete(self, record_id: int, *, at: datetime | None = None) -> None:
        self._call("delete", record_id, at)

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)


@contextmanager
def serving(company: Company) -> Iterator[RemoteYclients]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_main, args=(child, company), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(READY_TIMEOUT):
            raise RuntimeError("the YClients server did not start")
        status, value = parent.recv()
        if status != "ready":
            raise RuntimeError(f"the YClients server did not start: {value}")
        base_url, ids = value
        yield RemoteYclients(parent, process, base_url, ids)
    finally:
        try:
            parent.send(("stop",))
        except OSError:
            pass
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()
        parent.close()


def _main(conn: Connection, company: Company) -> None:
    try:
        asyncio.run(_serve(conn, company))
    except (EOFError, KeyboardInterrupt):
        pass  # the parent went away or was interrupted: nothing to report to


def _build(company: Company) -> tuple[FakeYclients, list[int]]:
    fake = FakeYclients(staff=dict(company.staff), services=dict(company.services))
    ids = [
        fake.add_record(
            record.staff_id,
            record.start,
            length=timedelta(minutes=record.minutes),
            services=record.services,
            client=record.client,
            comment=record.comment,
            attendance=record.attendance,
            at=record.made_at,
        )
        for record in company.records
    ]
    return fake, ids


async def _serve(conn: Connection, company: Company) -> None:
    try:
        fake, ids = _build(company)
    except Exception as exc:
        conn.send(("error", repr(exc)))
        return
    async with running(fake):
        conn.send(("ready", (fake.base_url, ids)))
        loop = asyncio.get_running_loop()
        while True:
            # Read in a thread, answered in the loop: the server keeps serving meanwhile.
            command, *args = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                return
            try:
                conn.send(("ok", _command(fake, command, args)))
            except Exception as exc:
                conn.send(("error", repr(exc)))


def _command(fake: FakeYclients, command: str, args: list[Any]) -> Any:
    if command == "requests":
        return len(fake.requests)
    if command == "edit":
        record_id, changes = args
        fake.edit_record(record_id, **changes)
        return None
    if command == "delete":
        fake.delete_record(args[0], at=args[1])
        return None
    raise ValueError(f"unknown command {command!r}")
