"""A real Radicale CalDAV server on loopback for the calendar tests, and what a specialist's
phone would do with it: make a calendar, put an event in, read back what is there.

The server is the ``radicale`` package's own ``python -m radicale`` process with a config file:
a fresh storage folder, plain htpasswd users, every user owning only their own calendars. The
helpers speak plain WebDAV with httpx, not through the code under test, so a test reads what
the server really holds.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from uuid import uuid4

import httpx
from icalendar import Calendar, Event

_MKCALENDAR_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>{name}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>
"""

_CONFIG = """[server]
hosts = 127.0.0.1:{port}

[auth]
type = htpasswd
htpasswd_filename = {htpasswd}
htpasswd_encryption = plain
# Radicale waits after a failed login to slow down guessing; the wrong-password test
# needs no such wait.
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = {storage}

[web]
type = none

[logging]
level = warning
"""


def _free_port() -> int:
    # Radicale binds by itself from its config, so the port is found here and released; the
    # start below fails loudly in the unlikely case someone takes it in between.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RadicaleServer:
    """A running server: ``url`` is its root, ``users`` the accounts (name → password)."""

    url: str
    users: Mapping[str, str]

    def calendar_url(self, user: str, calendar: str) -> str:
        return f"{self.url}/{user}/{calendar}/"

    def _client(self, user: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(auth=(user, self.users[user]), timeout=10)

    async def make_calendar(self, user: str, name: str | None = None) -> str:
        """Creates a calendar (a fresh name unless given) owned by ``user``; its URL."""
        name = name or f"cal-{uuid4().hex[:8]}"
        url = self.calendar_url(user, name)
        async with self._client(user) as client:
            response = await client.request(
                "MKCALENDAR",
                url,
                content=_MKCALENDAR_BODY.format(name=name),
                headers={"Content-Type": "application/xml; charset=utf-8"},
            )
        response.raise_for_status()
        return url

    async def put_event(self, user: str, calendar_url: str, ics: bytes) -> str:
        """Stores one calendar object as the phone's calendar app would; its URL."""
        url = f"{calendar_url}{uuid4().hex}.ics"
        async with self._client(user) as client:
            response = await client.put(
                url, content=ics, headers={"Content-Type": "text/calendar; charset=utf-8"}
            )
        response.raise_for_status()
        return url

    async def delete_event(self, user: str, event_url: str) -> None:
        async with self._client(user) as client:
            response = await client.delete(event_url)
        response.raise_for_status()

    async def events(self, user: str, calendar_url: str) -> list[Event]:
        """Every VEVENT in the calendar (Radicale answers a GET of a calendar with all of
        its objects in one iCalendar stream)."""
        async with self._client(user) as client:
            response = await client.get(calendar_url)
        response.raise_for_status()
        return [
            event
            for calendar in Calendar.from_ical(response.content, multiple=True)
            for event in calendar.walk("VEVENT")
            if isinstance(event, Event)
        ]


def phone_event(
    start: datetime | date,
    end: datetime | date,
    *,
    summary: str = "Dentist",
    uid: str | None = None,
    rrule: dict[str, object] | None = None,
    transparent: bool = False,
    status: str | None = None,
) -> bytes:
    """An event as a calendar app writes it (its own UID, no Slotwise marks)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Phone//Calendar//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", uid or f"{uuid4()}@phone.example")
    event.add("dtstamp", datetime(2026, 1, 1))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    if rrule is not None:
        event.add("rrule", rrule)
    if transparent:
        event.add("transp", "TRANSPARENT")
    if status is not None:
        event.add("status", status)
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics


async def _wait_for_port(port: int, process: asyncio.subprocess.Process, log: Path) -> None:
    async with asyncio.timeout(30):
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"radicale exited at start:\n{log.read_text()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return


@asynccontextmanager
async def running_radicale(folder: Path, users: Mapping[str, str]) -> AsyncIterator[RadicaleServer]:
    """Runs ``python -m radicale`` on a free loopback port, storing in ``folder``, until the
    block ends. Waits until the port accepts connections, not for a fixed time."""
    port = _free_port()
    htpasswd = folder / "users"
    htpasswd.write_text("".join(f"{name}:{password}\n" for name, password in users.items()))
    config = folder / "config"
    config.write_text(_CONFIG.format(port=port, htpasswd=htpasswd, storage=folder / "storage"))
    log = folder / "radicale.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "radicale",
            "--config",
            str(config),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )
    try:
        await _wait_for_port(port, process, log)
        yield RadicaleServer(url=f"http://127.0.0.1:{port}", users=users)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
