"""A specialist's own calendar on any CalDAV server: its busy times in, their appointments out.

An async facade over the (synchronous) ``caldav`` library: every network call runs in a
thread (``asyncio.to_thread``), one at a time per calendar (the library's client keeps state
between requests), never on the event loop. The library's HTTP session is replaced by a
guarded one (:mod:`slotwise.sync.guarded_session`), so each connection, redirects included,
goes only to a public address or to an allowed host. A server that is busy or failing
(429, 5xx) is told apart from one that refuses us at the HTTP layer, before the library turns
the answer into a generic error.

**Read** (:meth:`CalDAVCalendar.busy_times`): the events overlapping a window, recurring ones
expanded into their occurrences, as :class:`BusyTime` ranges in UTC. Not busy: an event
marked ``TRANSP:TRANSPARENT`` ("show as free"), a cancelled one, one without length, and
every event Slotwise wrote itself (a UID ending in ``@slotwise`` or the
``X-SLOTWISE-APPOINTMENT`` property), so our own appointments never come back as outside
blocks. All-day events and floating times (no zone) are read in the zone the caller gives,
the specialist's location's: an all-day "day off" is that whole local day. Only times and the
UID leave this module, never the summary: what the barber does is their business.

**Write** (:meth:`CalDAVCalendar.put_appointment`): one event per appointment at a URL and
with a UID both made from the appointment id, so putting it again after a move replaces it
(one event, new times) and deleting it needs nothing stored. Slotwise is the source of truth
for these events: a put overwrites whatever the calendar holds for them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import TypeVar, cast
from uuid import UUID

import requests
from caldav.calendarobjectresource import CalendarObjectResource
from caldav.collection import Calendar as DAVCalendar
from caldav.davclient import DAVClient
from caldav.elements import dav
from caldav.lib import error as dav_error
from icalendar import Calendar, Event
from icalendar.error import IncompleteComponent, InvalidCalendar
from lxml import etree

from slotwise import outbound
from slotwise.appointments.ics import PRODUCT_ID
from slotwise.sync.caldav_errors import (
    CalDAVError,
    CalendarAuthFailed,
    CalendarBadResponse,
    CalendarNotFound,
    CalendarRefused,
    CalendarUnreachable,
)
from slotwise.sync.guarded_session import guarded_session

logger = logging.getLogger("slotwise.sync.caldav")

SLOTWISE_UID_SUFFIX = "@slotwise"
# Carries the appointment id; also recognises our events where a server rewrote the UID.
SLOTWISE_PROPERTY = "X-SLOTWISE-APPOINTMENT"
_CALDAV_CALENDAR = "{urn:ietf:params:xml:ns:caldav}calendar"
_ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}
_NO_UID_CONFLICT = "{urn:ietf:params:xml:ns:caldav}no-uid-conflict"

T = TypeVar("T")


def appointment_uid(appointment_id: UUID | str) -> str:
    return f"slotwise-{appointment_id}{SLOTWISE_UID_SUFFIX}"


def is_slotwise_event(event: Event) -> bool:
    """Whether Slotwise wrote ``event``: into a specialist's calendar (this module) or as the
    "Add to calendar" file of an appointment (appointments/ics.py, also ``…@slotwise``)."""
    return SLOTWISE_PROPERTY in event or str(event.get("UID", "")).endswith(SLOTWISE_UID_SUFFIX)


@dataclass(frozen=True)
class CalendarAccount:
    """Where a specialist's calendar is. With ``calendar_name`` None, ``url`` is the
    calendar's own URL; otherwise ``url`` is the server's (or the principal's) and the
    calendar is the one with that display name among the user's calendars."""

    url: str
    username: str
    password: str = field(repr=False)
    calendar_name: str | None = None


@dataclass(frozen=True)
class BusyTime:
    """A busy range in the calendar, ``start`` < ``end``, both aware UTC. ``uid`` is the
    event's; the occurrences of a recurring event share it and differ by ``start``."""

    uid: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class StoredEvent:
    """An appointment's event as the server stored it. ``etag`` is None when the server did
    not send one with the write (it need not, RFC 4791 section 5.3.4)."""

    uid: str
    url: str
    etag: str | None


@dataclass(frozen=True)
class OurEvent:
    """An event Slotwise wrote into the calendar for an appointment: what it says now."""

    appointment_id: str
    start: datetime
    end: datetime
    sequence: int


def _our_event(event: Event) -> OurEvent | None:
    """The appointment behind one of our events (this module's property); None for any
    other event, including an "Add to calendar" copy a client imported (no property)."""
    appointment_id = str(event.get(SLOTWISE_PROPERTY, ""))
    if not appointment_id:
        return None
    return OurEvent(
        appointment_id=appointment_id,
        start=_as_utc(event.start, UTC),
        end=_as_utc(event.end, UTC),
        sequence=int(event.get("SEQUENCE", 0)),
    )


def _as_utc(value: date | datetime, zone: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), zone).astimezone(UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone).astimezone(UTC)
    return value.astimezone(UTC)


def _busy_time(event: Event, zone: tzinfo) -> BusyTime | None:
    if is_slotwise_event(event):
        return None
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    start, end = _as_utc(event.start, zone), _as_utc(event.end, zone)
    if end <= start:
        return None
    return BusyTime(uid=str(event.get("UID", "")), start=start, end=end)


def _require_aware(*values: datetime) -> None:
    if any(value.tzinfo is None or value.utcoffset() is None for value in values):
        raise ValueError("times must be timezone-aware")


def appointment_ics(
    appointment_id: UUID | str,
    start: datetime,
    end: datetime,
    *,
    summary: str,
    description: str | None = None,
    location: str | None = None,
    sequence: int = 0,
) -> bytes:
    """The calendar object of an appointment in a specialist's calendar: UTC times (every
    client shows them in its own zone without a VTIMEZONE), busy, marked as ours."""
    _require_aware(start, end)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    event = Event()
    event.add("uid", appointment_uid(appointment_id))
    event.add("dtstamp", datetime.now(UTC))
    event.add("sequence", sequence)
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add(SLOTWISE_PROPERTY, str(appointment_id))
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics


def _skipped(exc: Exception) -> None:
    # One broken event must not hide every other busy time of the calendar.
    logger.warning("caldav: skipped an event that does not parse (%s)", exc)


def _status_error(status: int, what: str) -> CalDAVError:
    if status in (401, 403):
        return CalendarAuthFailed(f"The server refused {what} ({status})")
    if status == 404:
        return CalendarNotFound("The calendar does not exist")
    if status == 429 or status >= 500:
        return CalendarUnreachable(f"The server could not {what} ({status})")
    return CalendarBadResponse(f"The server answered {status} to {what}")


def _retry_after(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None


def _raise_when_unavailable(response: requests.Response, *args: object, **kwargs: object) -> None:
    """A response hook: 429 and 5xx as :class:`CalendarUnreachable` (with the server's wait),
    before the library reads them (it keeps neither the status nor the headers)."""
    if response.status_code == 429 or response.status_code >= 500:
        # Hooks run before requests reads the body: closed here, or its socket lingers.
        response.close()
    if response.status_code == 429:
        raise CalendarUnreachable("The server asks to wait", retry_after=_retry_after(response))
    if response.status_code >= 500:
        raise CalendarUnreachable(f"The server failed ({response.status_code})")


def _translated(exc: Exception) -> CalDAVError | None:
    """The library's (and requests') exceptions as ours; None for anything else."""
    if isinstance(exc, CalDAVError):
        return exc
    if isinstance(exc, outbound.OutboundRefused):
        return CalendarRefused()
    if isinstance(exc, dav_error.AuthorizationError):
        return CalendarAuthFailed("The server refused the login")
    if isinstance(exc, dav_error.NotFoundError):
        return CalendarNotFound("The calendar does not exist")
    if isinstance(exc, dav_error.DAVError):
        return CalendarBadResponse(f"The server refused the request ({exc.reason[:80]})")
    if isinstance(exc, requests.exceptions.Timeout):
        return CalendarUnreachable("The server did not answer in time")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return CalendarUnreachable("Cannot connect to the server")
    if isinstance(exc, requests.exceptions.RequestException):
        return CalendarBadResponse("The server's answer is not valid HTTP")
    if isinstance(exc, etree.LxmlError):
        return CalendarBadResponse("The server's answer is not valid XML")
    return None


class CalDAVCalendar:
    """One specialist's calendar, open. Make it with :func:`open_calendar`."""

    def __init__(self, client: DAVClient, calendar: DAVCalendar, zone: tzinfo):
        assert calendar.url is not None
        self._client = client
        self._calendar = calendar
        self._url = calendar.url
        self._zone = zone
        # The library's client is not meant for two threads at once (it renegotiates auth
        # and caches on itself). A thread lock, not an asyncio one: a call whose awaiting
        # task was cancelled still runs to its end in its thread.
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return str(self._url)

    async def _run(self, call: Callable[[], T]) -> T:
        def locked() -> T:
            with self._lock:
                return call()

        try:
            return await asyncio.to_thread(locked)
        except Exception as exc:
            translated = _translated(exc)
            if translated is None or translated is exc:
                raise
            raise translated from exc

    async def busy_times(self, start: datetime, end: datetime) -> list[BusyTime]:
        """The busy ranges overlapping [``start``, ``end``), sorted, each occurrence of a
        recurring event on its own (the library expands them), not clipped to the window."""
        busy, _ = await self.read_window(start, end)
        return busy

    async def read_window(
        self, start: datetime, end: datetime
    ) -> tuple[list[BusyTime], list[OurEvent]]:
        """In one query of the calendar: the busy ranges (as :meth:`busy_times`) and the
        events Slotwise wrote there (to compare with what it should hold)."""
        _require_aware(start, end)
        start, end = start.astimezone(UTC), end.astimezone(UTC)

        def read() -> list[Event]:
            # A sync client's search returns the list (the library types its async twin's
            # coroutine into the same signature).
            found = cast(
                "list[CalendarObjectResource]",
                self._calendar.search(start=start, end=end, event=True, expand=True),
            )
            events: list[Event] = []
            for item in found:
                try:
                    components = item.icalendar_instance.walk("VEVENT")
                except (IncompleteComponent, InvalidCalendar, ValueError) as exc:
                    _skipped(exc)
                    continue
                events.extend(event for event in components if isinstance(event, Event))
            return events

        busy: dict[tuple[str, datetime, datetime], BusyTime] = {}
        ours: dict[str, OurEvent] = {}
        for event in await self._run(read):
            try:
                mine = _our_event(event)
                if mine is not None:
                    ours[mine.appointment_id] = mine
                    continue
                block = _busy_time(event, self._zone)
            except (IncompleteComponent, InvalidCalendar, ValueError) as exc:
                _skipped(exc)
                continue
            if block is not None and block.end > start and block.start < end:
                busy[(block.uid, block.start, block.end)] = block
        blocks = sorted(busy.values(), key=lambda block: (block.start, block.end, block.uid))
        return blocks, sorted(ours.values(), key=lambda event: event.appointment_id)

    def _event_url(self, appointment_id: UUID | str) -> str:
        return str(self._url.join(f"slotwise-{appointment_id}.ics"))

    async def put_appointment(
        self,
        appointment_id: UUID | str,
        start: datetime,
        end: datetime,
        *,
        summary: str,
        description: str | None = None,
        location: str | None = None,
        sequence: int = 0,
    ) -> StoredEvent:
        """Creates the appointment's event, or replaces it (a move is a put with new times).
        ``sequence`` should grow with each change (the appointment's version), so calendar
        apps that compare it take the new times."""
        body = appointment_ics(
            appointment_id,
            start,
            end,
            summary=summary,
            description=description,
            location=location,
            sequence=sequence,
        )
        uid = appointment_uid(appointment_id)
        text = body.decode("utf-8")

        def put() -> tuple[str, int, str | None]:
            url = self._event_url(appointment_id)
            status, etag = self._put_ics(url, text)
            if status == 409:
                # Our UID is already in the calendar at another URL (a client moved the
                # object, or it was written before our URLs were fixed): replace it there,
                # never add a second copy.
                found = self._url_of(uid)
                if found is not None:
                    url = found
                    status, etag = self._put_ics(url, text)
            return url, status, etag

        url, status, etag = await self._run(put)
        if status not in (200, 201, 204):
            raise _status_error(status, "the appointment")
        return StoredEvent(uid=uid, url=url, etag=etag)

    async def delete_appointment(self, appointment_id: UUID | str) -> None:
        """Removes the appointment's event; one that is not there is no error."""

        def delete() -> int:
            status = self._client.delete(self._event_url(appointment_id)).status
            if status in (404, 410):
                # Not at our URL: maybe elsewhere (see put_appointment), maybe gone.
                found = self._url_of(appointment_uid(appointment_id))
                if found is None:
                    return 204
                status = self._client.delete(found).status
            return status

        status = await self._run(delete)
        if status not in (200, 204, 404, 410):
            raise _status_error(status, "the deletion")

    # The two below run in the calling thread, under the lock.

    def _put_ics(self, url: str, text: str) -> tuple[int, str | None]:
        """The status (409 for a UID taken elsewhere) and the new ETag, if given."""
        # Through the session with the login the client has settled on, not the client's
        # put: that raises every 403 as an authorization error and drops the body, and
        # RFC 4791 5.3.2.1 lets a server refuse a taken UID with 403 and a precondition.
        client = self._client
        response = client.session.request(
            "PUT",
            url,
            data=text.encode("utf-8"),
            headers={**client.headers, **_ICS_HEADERS},
            auth=client.auth,
            timeout=client.timeout,
        )
        if response.status_code == 403 and _NO_UID_CONFLICT in _element_tags(response.content):
            return 409, None
        if response.status_code in (401, 403):
            raise CalendarAuthFailed(f"The server refused the appointment ({response.status_code})")
        return response.status_code, response.headers.get("ETag")

    def _url_of(self, uid: str) -> str | None:
        try:
            found = self._calendar.event_by_uid(uid)
        except dav_error.NotFoundError:
            return None
        return None if found.url is None else str(found.url)

    async def aclose(self) -> None:
        await self._run(self._client.close)


def _element_tags(body: bytes) -> set[str]:
    """The element names (``{namespace}name``) in a WebDAV error body, empty if it is not one."""
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.LxmlError:
        return set()
    return {element.tag for element in root.iter() if isinstance(element.tag, str)}


def _connect(
    account: CalendarAccount, allowed: outbound.AllowList, timeout: float
) -> tuple[DAVClient, DAVCalendar]:
    client = DAVClient(
        url=account.url,
        username=account.username,
        password=account.password,
        timeout=max(1, round(timeout)),
    )
    # Made by the client's constructor and not used yet: it connects nowhere until a request.
    client.session.close()
    client.session = guarded_session(allowed)
    client.session.hooks["response"].append(_raise_when_unavailable)
    try:
        if account.calendar_name is None:
            calendar = client.calendar(url=account.url)  # type: ignore[no-untyped-call]
            props = calendar.get_properties([dav.ResourceType()], parse_props=False)
            kind = props.get(dav.ResourceType.tag)
            if kind is None or kind.find(_CALDAV_CALENDAR) is None:
                raise CalendarNotFound("The URL is not a calendar")
        else:
            principal = client.principal()  # type: ignore[no-untyped-call]
            calendar = principal.calendar(name=account.calendar_name)
    except BaseException:
        client.close()
        raise
    return client, calendar


@asynccontextmanager
async def open_calendar(
    account: CalendarAccount,
    *,
    allowed: outbound.AllowList,
    zone: tzinfo = UTC,
    timeout: float = 15.0,
) -> AsyncIterator[CalDAVCalendar]:
    """Logs in and finds the calendar (so a wrong password or a missing calendar shows at
    once), yields it, closes the connection after the block.

    ``allowed`` lets hosts off the public internet through (the tests' local server);
    ``zone`` is the zone all-day events and floating times are read in; ``timeout`` bounds
    each request (connect and read)."""
    try:
        await outbound.check_url(account.url, allowed, timeout=timeout)
        client, calendar = await asyncio.to_thread(_connect, account, allowed, timeout)
    except Exception as exc:
        translated = _translated(exc)
        if translated is None or translated is exc:
            raise
        raise translated from exc
    opened = CalDAVCalendar(client, calendar, zone)
    try:
        yield opened
    finally:
        await opened.aclose()
