"""The CalDAV connector against a real Radicale server on loopback: busy times in, a
specialist's appointments out, and the errors a poller has to tell apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar, Event
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from slotwise.outbound import AllowList
from slotwise.sync.caldav_calendar import (
    BusyTime,
    CalendarAccount,
    appointment_ics,
    appointment_uid,
    open_calendar,
)
from slotwise.sync.caldav_errors import (
    CalendarAuthFailed,
    CalendarBadResponse,
    CalendarNotFound,
    CalendarRefused,
    CalendarUnreachable,
)
from tests.notifications.channels.servers import closed_port, serve_asgi, silent_server
from tests.sync.radicale_server import RadicaleServer, phone_event, running_radicale

LOOPBACK = AllowList.parse(["127.0.0.1"])
BARBER, PASSWORD = "anna", "s3cret-anna"
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.fixture(scope="module")
async def radicale(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RadicaleServer]:
    folder: Path = tmp_path_factory.mktemp("radicale")
    async with running_radicale(folder, {BARBER: PASSWORD, "ben": "s3cret-ben"}) as server:
        yield server


@pytest.fixture
async def calendar_url(radicale: RadicaleServer) -> str:
    return await radicale.make_calendar(BARBER)


def _account(url: str, password: str = PASSWORD, name: str | None = None) -> CalendarAccount:
    return CalendarAccount(url=url, username=BARBER, password=password, calendar_name=name)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def _ours(events: list[Event], appointment_id: str) -> list[Event]:
    return [event for event in events if event["UID"] == appointment_uid(appointment_id)]


async def test_a_busy_event_is_read_in_utc(radicale: RadicaleServer, calendar_url: str) -> None:
    # Written on the barber's phone in Berlin time: 10:00-11:00 CET is 09:00-10:00 UTC.
    await radicale.put_event(
        BARBER,
        calendar_url,
        phone_event(
            datetime(2026, 12, 8, 10, tzinfo=BERLIN),
            datetime(2026, 12, 8, 11, tzinfo=BERLIN),
            uid="dentist@phone",
        ),
    )
    async with open_calendar(_account(calendar_url), allowed=LOOPBACK) as calendar:
        busy = await calendar.busy_times(MONDAY, MONDAY + timedelta(days=7))
        outside = await calendar.busy_times(MONDAY + timedelta(days=7), MONDAY + timedelta(days=14))

    assert busy == [BusyTime(uid="dentist@phone", start=_at(8, 9), end=_at(8, 10))]
    assert busy[0].start.utcoffset() == timedelta(0)
    assert outside == []


async def test_a_weekly_event_shows_each_occurrence_in_the_window(
    radicale: RadicaleServer, calendar_url: str
) -> None:
    # Started a month before the window: only an expansion finds it there.
    await radicale.put_event(
        BARBER,
        calendar_url,
        phone_event(
            _at(1, 16) - timedelta(weeks=4),
            _at(1, 17) - timedelta(weeks=4),
            uid="gym@phone",
            rrule={"freq": "weekly"},
        ),
    )
    async with open_calendar(_account(calendar_url), allowed=LOOPBACK) as calendar:
        busy = await calendar.busy_times(MONDAY, MONDAY + timedelta(days=14))

    assert [(block.uid, block.start, block.end) for block in busy] == [
        ("gym@phone", _at(8, 16), _at(8, 17)),
        ("gym@phone", _at(15, 16), _at(15, 17)),
    ]


async def test_a_skipped_and_a_moved_occurrence_are_read_as_changed(
    radicale: RadicaleServer, calendar_url: str
) -> None:
    series = Calendar.from_ical(
        phone_event(_at(1, 16), _at(1, 17), uid="lesson@phone", rrule={"freq": "weekly"})
    )
    series.walk("VEVENT")[0].add("exdate", _at(8, 16))
    moved = Event()
    moved.add("uid", "lesson@phone")
    moved.add("dtstamp", _at(1, 0))
    moved.add("recurrence-id", _at(15, 16))
    moved.add("dtstart", _at(15, 18))
    moved.add("dtend", _at(15, 19))
    series.add_component(moved)
    await radicale.put_event(BARBER, calendar_url, series.to_ical())
    async with open_calendar(_account(calendar_url), allowed=LOOPBACK) as calendar:
        busy = await calendar.busy_times(MONDAY, MONDAY + timedelta(days=14))

    assert [(block.start, block.end) for block in busy] == [(_at(15, 18), _at(15, 19))]


async def test_free_cancelled_and_our_own_events_are_not_busy(
    radicale: RadicaleServer, calendar_url: str
) -> None:
    await radicale.put_event(
        BARBER, calendar_url, phone_event(_at(8, 9), _at(8, 10), transparent=True)
    )
    await radicale.put_event(
        BARBER, calendar_url, phone_event(_at(8, 11), _at(8, 12), status="CANCELLED")
    )
    # An event with our mark in another app's UID, as a server that rewrites UIDs leaves it.
    marked = Calendar.from_ical(appointment_ics(uuid4(), _at(8, 13), _at(8, 14), summary="Cut"))
    marked.walk("VEVENT")[0]["UID"] = "rewritten@server"
    await radicale.put_event(BARBER, calendar_url, marked.to_ical())
    await radicale.put_event(
        BARBER, calendar_url, phone_event(_at(8, 15), _at(8, 16), uid="busy@phone")
    )
    async with open_calendar(_account(calendar_url), allowed=LOOPBACK) as calendar:
        await calendar.put_appointment(uuid4(), _at(8, 17), _at(8, 18), summary="Haircut")
        busy = await calendar.busy_times(MONDAY, MONDAY + timedelta(days=1, hours=23))

    assert busy == [BusyTime(uid="busy@phone", start=_at(8, 15), end=_at(8, 16))]


async def test_an_all_day_event_is_the_whole_day_in_the_given_zone(
    radicale: RadicaleServer, calendar_url: str
) -> None:
    await radicale.put_event(
        BARBER,
        calendar_url,
        phone_event(date(2026, 12, 9), date(2026, 12, 10), uid="day-off@phone"),
    )
    async with open_calendar(_account(calendar_url), allowed=LOOPBACK, zone=BERLIN) as calendar:
        busy = await calendar.busy_times(MONDAY, MONDAY + timedelta(days=7))

    # Midnight to midnight in Berlin (UTC+1 in December).
    assert busy == [BusyTime(uid="day-off@phone", start=_at(8, 23), end=_at(9, 23))]


async def test_an_appointment_is_written_moved_and_deleted(
    radicale: RadicaleServer, calendar_url: str
) -> None:
    appointment_id = str(uuid4())
    async with open_calendar(_account(calendar_url), allowed=LOOPBACK) as calendar:
        stored = await calendar.put_appointment(
            appointment_id,
            _at(10, 9),
            _at(10, 10),
            summary="Haircut · Maria",
            description="Beard trim too",
            location="Main street 1",
        )
        [written] = _ours(await radicale.events(BARBER, calendar_url), appointment_id)

        await calendar.put_appointment(
            appointment_id, _at(11, 14), _at(11, 15), summary="Haircut · Maria", sequence=1
        )
        after_move = await radicale.events(BARBER, calendar_url)

        await calendar.delete_appointment(appointment_id)
        after_delete = await radicale.events(BARBER, calendar_url)
        await calendar.delete_appointment(appointment_id)

    assert stored.uid == f"slotwise-{appointment_id}@slotwise"
    assert stored.url.startswith(calendar_url)
    assert (written.start, written.end) == (_at(10, 9), _at(10, 10))
    assert str(written["SUMMARY"]) == "Haircut · Maria"
    assert str(written["DESCRIPTION"]) == "Beard trim too"
    assert str(written["LOCATION"]) == "Main street 1"
    [moved] = after_move
    assert moved["UID"] == stored.uid
    assert (moved.start, moved.end) == (_at(11, 14), _at(11, 15))
    assert after_delete == []


async def test_our_event_found_at_another_url_is_replaced_there_not_duplicated(
    radicale: RadicaleServer, calendar_url: str
) -> None:
    # As a calendar app that re-saved our event under its own file name leaves it.
    appointment_id = str(uuid4())
    elsewhere = await radicale.put_event(
        BARBER, calendar_url, appointment_ics(appointment_id, _at(10, 9), _at(10, 10), summary="A")
    )
    async with open_calendar(_account(calendar_url), allowed=LOOPBACK) as calendar:
        stored = await calendar.put_appointment(
            appointment_id, _at(12, 9), _at(12, 10), summary="Moved", sequence=1
        )
        [moved] = await radicale.events(BARBER, calendar_url)
        await calendar.delete_appointment(appointment_id)
        after_delete = await radicale.events(BARBER, calendar_url)

    assert stored.url == elsewhere
    assert (moved.start, str(moved["SUMMARY"])) == (_at(12, 9), "Moved")
    assert after_delete == []


def _refusing_taken_uids_with_403(upstream: str) -> Starlette:
    """Radicale behind a front that answers a taken UID as RFC 4791 5.3.2.1 also allows:
    403 with the ``no-uid-conflict`` precondition, instead of Radicale's 409."""
    refusal = (
        b'<?xml version="1.0"?><D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        b"<C:no-uid-conflict><D:href>/elsewhere.ics</D:href></C:no-uid-conflict></D:error>"
    )

    async def forward(request: Request) -> Response:
        async with httpx.AsyncClient() as client:
            answer = await client.request(
                request.method,
                upstream + request.url.path,
                content=await request.body(),
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            )
        if request.method == "PUT" and answer.status_code == 409:
            return Response(refusal, status_code=403, media_type="application/xml")
        headers = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        }
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    methods = ["GET", "PROPFIND", "REPORT", "PUT", "DELETE", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


async def test_a_taken_uid_refused_with_403_is_replaced_where_it_is(
    radicale: RadicaleServer, calendar_url: str
) -> None:
    appointment_id = str(uuid4())
    elsewhere = await radicale.put_event(
        BARBER, calendar_url, appointment_ics(appointment_id, _at(10, 9), _at(10, 10), summary="A")
    )
    async with serve_asgi(_refusing_taken_uids_with_403(radicale.url)) as front:
        account = _account(front + calendar_url.removeprefix(radicale.url))
        async with open_calendar(account, allowed=LOOPBACK) as calendar:
            stored = await calendar.put_appointment(
                appointment_id, _at(12, 9), _at(12, 10), summary="Moved", sequence=1
            )
    [moved] = await radicale.events(BARBER, calendar_url)
    assert stored.url.removeprefix(front) == elsewhere.removeprefix(radicale.url)
    assert (moved.start, str(moved["SUMMARY"])) == (_at(12, 9), "Moved")


async def test_a_calendar_is_found_by_its_name(radicale: RadicaleServer) -> None:
    url = await radicale.make_calendar(BARBER, "shop")
    await radicale.put_event(BARBER, url, phone_event(_at(8, 9), _at(8, 10), uid="by-name"))
    async with open_calendar(_account(radicale.url + "/", name="shop"), allowed=LOOPBACK) as cal:
        assert cal.url == url
        busy = await cal.busy_times(MONDAY, MONDAY + timedelta(days=2))
    assert [block.uid for block in busy] == ["by-name"]


async def test_a_wrong_password_is_an_auth_failure(
    radicale: RadicaleServer, calendar_url: str
) -> None:
    with pytest.raises(CalendarAuthFailed):
        async with open_calendar(_account(calendar_url, password="wrong"), allowed=LOOPBACK):
            pass


async def test_another_users_calendar_is_an_auth_failure(
    radicale: RadicaleServer,
) -> None:
    others = await radicale.make_calendar("ben")
    with pytest.raises(CalendarAuthFailed):
        async with open_calendar(_account(others), allowed=LOOPBACK):
            pass


async def test_a_missing_calendar_is_not_found(radicale: RadicaleServer) -> None:
    with pytest.raises(CalendarNotFound):
        async with open_calendar(
            _account(radicale.calendar_url(BARBER, "no-such")), allowed=LOOPBACK
        ):
            pass
    with pytest.raises(CalendarNotFound):
        async with open_calendar(_account(radicale.url + "/", name="no-such"), allowed=LOOPBACK):
            pass
    # The user's home is a collection but no calendar.
    with pytest.raises(CalendarNotFound):
        async with open_calendar(_account(f"{radicale.url}/{BARBER}/"), allowed=LOOPBACK):
            pass


async def test_a_server_that_is_not_there_is_unreachable() -> None:
    url = f"http://127.0.0.1:{closed_port()}/anna/calendar/"
    with pytest.raises(CalendarUnreachable) as caught:
        async with open_calendar(_account(url), allowed=LOOPBACK, timeout=5):
            pass
    assert caught.value.retryable


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "0x7f000001", "10.1.2.3"]
)
async def test_an_internal_address_is_refused_without_the_allow_list(
    radicale: RadicaleServer, calendar_url: str, host: str
) -> None:
    port = radicale.url.rsplit(":", 1)[1]
    url = calendar_url.replace(f"127.0.0.1:{port}", f"{host}:{port}")
    with pytest.raises(CalendarRefused):
        async with open_calendar(_account(url), allowed=AllowList(), timeout=5):
            pass


def _answering_every_request(response: Response) -> Starlette:
    async def answer(request: Request) -> Response:
        return response

    methods = ["GET", "PROPFIND", "REPORT", "PUT", "DELETE", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", answer, methods=methods)])


async def test_a_server_that_asks_to_wait_is_unreachable_with_its_wait() -> None:
    busy = PlainTextResponse("slow down", status_code=429, headers={"Retry-After": "7"})
    async with serve_asgi(_answering_every_request(busy)) as url:
        with pytest.raises(CalendarUnreachable) as caught:
            async with open_calendar(_account(url + "/anna/cal/"), allowed=LOOPBACK, timeout=5):
                pass
    assert caught.value.retry_after == 7


async def test_a_failing_server_is_unreachable() -> None:
    failing = PlainTextResponse("oops", status_code=500)
    async with serve_asgi(_answering_every_request(failing)) as url:
        with pytest.raises(CalendarUnreachable):
            async with open_calendar(_account(url + "/anna/cal/"), allowed=LOOPBACK, timeout=5):
                pass


async def test_a_server_speaking_no_xml_is_a_bad_response() -> None:
    garbage = Response(b"<html><body>Welcome!", status_code=207, media_type="text/xml")
    async with serve_asgi(_answering_every_request(garbage)) as url:
        with pytest.raises(CalendarBadResponse):
            async with open_calendar(_account(url + "/anna/cal/"), allowed=LOOPBACK, timeout=5):
                pass


async def test_a_server_that_never_answers_times_out() -> None:
    async with silent_server() as port:
        with pytest.raises(CalendarUnreachable, match="in time"):
            async with open_calendar(
                _account(f"http://127.0.0.1:{port}/anna/cal/"), allowed=LOOPBACK, timeout=1
            ):
                pass
