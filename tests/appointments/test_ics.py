"""The .ics of an appointment: parsed back with icalendar, for whoever may see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from icalendar import Calendar, Component

from tests.appointments.helpers import API, created, patch
from tests.factories import World


def _event(body: bytes) -> Component:
    calendar = Calendar.from_ical(body)
    assert isinstance(calendar, Calendar)
    [event] = calendar.walk("VEVENT")
    return event


async def test_the_calendar_file_of_an_appointment(client: httpx.AsyncClient, world: World) -> None:
    appointment = await created(client, world, client_id=str(world.client_id), notes="secret")
    resp = await client.get(
        f"{API}/appointments/{appointment['id']}/calendar.ics", headers=world.headers("client")
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/calendar; charset=utf-8"
    assert resp.headers["content-disposition"].startswith('attachment; filename="appointment-')
    assert b"secret" not in resp.content and b"Clara" not in resp.content
    calendar = Calendar.from_ical(resp.content)
    assert calendar["VERSION"] == "2.0" and calendar["METHOD"] == "PUBLISH"
    event = _event(resp.content)
    assert str(event["UID"]) == f"{appointment['id']}@slotwise"
    assert event.decoded("DTSTART") == datetime(2030, 1, 7, 10, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2030, 1, 7, 10, 30, tzinfo=UTC)
    assert str(event["SUMMARY"]) == f"Haircut · Firm {world.slug}"
    assert str(event["LOCATION"]) == "Mitte, Torstr. 1, Berlin"
    assert "Anna" in str(event["DESCRIPTION"]) and "25.00 EUR" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED" and event.decoded("SEQUENCE") == 0


async def test_a_moved_or_cancelled_appointment_updates_the_same_entry(
    client: httpx.AsyncClient, world: World
) -> None:
    appointment = await created(client, world, client_id=str(world.client_id))
    url = f"{API}/appointments/{appointment['id']}/calendar.ics"
    moved = await patch(
        client,
        world,
        appointment["id"],
        {"start_at": "2030-01-07T12:00:00+00:00"},
        if_match='"1"',
    )
    assert moved.status_code == 200, moved.text
    event = _event((await client.get(url, headers=world.headers("worker"))).content)
    assert event.decoded("DTSTART") == datetime(2030, 1, 7, 12, tzinfo=UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=30)
    assert event.decoded("SEQUENCE") == 1
    cancelled = await patch(
        client, world, appointment["id"], {"status": "cancelled"}, if_match='"2"'
    )
    assert cancelled.status_code == 200, cancelled.text
    event = _event((await client.get(url, headers=world.headers("manager"))).content)
    assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]).startswith(appointment["id"])


async def test_only_for_those_who_may_see_it(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    theirs = await created(client, world, client_id=str(world.other_client_id))
    url = f"{API}/appointments/{theirs['id']}/calendar.ics"
    assert (await client.get(url)).status_code == 401
    for headers in (
        world.headers("client"),
        world.headers("worker_b"),
        other_world.headers("owner"),
    ):
        resp = await client.get(url, headers=headers)
        assert resp.status_code == 404, resp.text
        assert resp.json()["code"] == "appointment_not_found"
    assert (await client.get(url, headers=world.headers("worker"))).status_code == 200
