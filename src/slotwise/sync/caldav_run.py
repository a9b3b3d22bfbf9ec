"""One poll of a CalDAV connection: the specialist's calendar read into availability, their
appointments written out to it.

**In**: the busy times from yesterday to the firm's booking horizon become the connection's
``external_busy_times`` (only the differences are written, each announcing its days to open
booking pages), so nothing the specialist has in their own calendar is offered as free.

**Out**: the calendar is compared with what it should hold, not with a log of what was sent:
each appointment of the specialist in the window (not cancelled) must be there with its times
and its version as ``SEQUENCE``; one that is missing or differs is put, an event of ours whose
appointment is gone, cancelled or moved to someone else is deleted. So a restart, a lost job
or an edit in the calendar app heals at the next poll, and nothing is sent twice.

The network talk happens outside any transaction; the results (busy times, the run, the
connection's health and next turn) are written in one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections import health, repository
from slotwise.connections.schemas import CalDavSettings
from slotwise.connections.secrets import CredentialsUnreadable, decrypt_credentials
from slotwise.models import Connection
from slotwise.notifications import operator_notices
from slotwise.outbound import AllowList
from slotwise.sync import caldav_repository
from slotwise.sync.caldav_calendar import BusyTime, CalDAVCalendar, CalendarAccount, open_calendar
from slotwise.sync.caldav_errors import CalDAVError, CalendarUnreachable
from slotwise.sync.caldav_repository import AppointmentEntry, CalendarPlace
from slotwise.sync.run_outcomes import FAILING_RETRY_SECONDS, RunReport

log = logging.getLogger(__name__)

# Busy times are read from a day back (an event running into today) to the booking horizon,
# but never further than this: recurring events are expanded, and nobody books a year out.
MAX_WINDOW_DAYS = 92
# A server that is away: the next try after this, unless it said how long to wait.
BACKOFF_SECONDS = 300


@dataclass
class _Outcome:
    busy_added: int = 0
    busy_removed: int = 0
    written: int = 0
    removed: int = 0


def _account(connection: Connection, secret_key: str) -> CalendarAccount:
    settings = CalDavSettings.model_validate(connection.settings)
    credentials = decrypt_credentials(secret_key, connection.credentials)
    url, name = settings.url, settings.calendar or None
    if name is not None and "/" in name:
        # A path under the URL rather than a display name.
        url, name = urljoin(url.rstrip("/") + "/", name.lstrip("/")), None
    return CalendarAccount(
        url=url,
        username=credentials["username"],
        password=credentials["password"],
        calendar_name=name,
    )


def _summary(entry: AppointmentEntry) -> str:
    return " · ".join(part for part in (entry.services, entry.client) if part) or "Appointment"


async def _write_out(
    calendar: CalDAVCalendar,
    wanted: list[AppointmentEntry],
    present: dict[str, tuple[datetime, datetime, int]],
    place: CalendarPlace,
) -> tuple[int, int]:
    written = 0
    for entry in wanted:
        if present.get(str(entry.id)) == (entry.start, entry.end, entry.version):
            continue
        await calendar.put_appointment(
            entry.id,
            entry.start,
            entry.end,
            summary=_summary(entry),
            location=place.location_name,
            sequence=entry.version,
        )
        written += 1
    stale = set(present) - {str(entry.id) for entry in wanted}
    for appointment_id in sorted(stale):
        await calendar.delete_appointment(appointment_id)
    return written, len(stale)


async def _talk(
    account: CalendarAccount,
    place: CalendarPlace,
    wanted: list[AppointmentEntry],
    low: datetime,
    high: datetime,
    allowed: AllowList,
    timeout: float,
) -> tuple[list[BusyTime], _Outcome]:
    outcome = _Outcome()
    zone = ZoneInfo(place.time_zone)
    async with open_calendar(account, allowed=allowed, zone=zone, timeout=timeout) as calendar:
        busy, ours = await calendar.read_window(low, high)
        present = {event.appointment_id: (event.start, event.end, event.sequence) for event in ours}
        outcome.written, outcome.removed = await _write_out(calendar, wanted, present, place)
    return busy, outcome


async def run_caldav_connection(
    maker: async_sessionmaker[AsyncSession],
    connection_id: uuid.UUID,
    *,
    secret_key: str,
    allowed: AllowList,
    now: datetime,
    timeout: float = 15.0,
) -> RunReport | None:
    """Polls the connection once; None if it is gone, disabled or not a CalDAV one."""
    async with maker() as session:
        connection = await session.get(Connection, connection_id)
        if connection is None or not connection.enabled or connection.kind != "caldav":
            return None
        place = await caldav_repository.calendar_place(session, connection)
        low = now - timedelta(days=1)
        high = now + timedelta(days=min(place.horizon_days, MAX_WINDOW_DAYS))
        wanted = await caldav_repository.specialist_appointments(session, connection, low, high)
        try:
            account: CalendarAccount | None = _account(connection, secret_key)
        except CredentialsUnreadable:
            account = None

    failure: CalDAVError | None = None
    busy: list[BusyTime] = []
    outcome = _Outcome()
    if account is None:
        failure = CalDAVError("The stored credentials cannot be read (was the secret key changed?)")
    else:
        try:
            busy, outcome = await _talk(account, place, wanted, low, high, allowed, timeout)
        except CalDAVError as exc:
            failure = exc

    async with maker.begin() as session:
        connection = await session.get(Connection, connection_id, with_for_update=True)
        if connection is None:
            return None
        run = await repository.start_run(session, connection, now)
        tell = False
        if failure is None:
            outcome.busy_added, outcome.busy_removed = await caldav_repository.replace_busy_times(
                session, connection, busy
            )
            health.mark_ok(connection, now)
            health.schedule_next(connection, now)
        elif isinstance(failure, CalendarUnreachable):
            # Busy times stay as last read: a server that is away says nothing new.
            wait = failure.retry_after if failure.retry_after is not None else BACKOFF_SECONDS
            health.schedule_next(connection, now, delay_seconds=max(wait, 1))
        else:
            tell = health.mark_failing(connection, failure.reason, now)
            if tell:
                await operator_notices.plan_connection_failing(session, connection, now)
            # Nothing changes until a person acts (new credentials make it due at once).
            wait = max(float(connection.poll_interval_seconds), FAILING_RETRY_SECONDS)
            health.schedule_next(connection, now, delay_seconds=wait)
        await repository.finish_run(
            session,
            run,
            outcome="ok" if failure is None else "failed",
            now=now,
            error=None if failure is None else failure.reason,
            imported=outcome.busy_added,
            deleted=outcome.busy_removed,
            updated=outcome.written + outcome.removed,
            errors=0 if failure is None else 1,
        )
    if failure is not None:
        log.info("caldav connection %s: %s", connection_id, failure.reason)
    return RunReport(run, tell)
