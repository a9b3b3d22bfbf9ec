"""The manage link: see the appointment, cancel or move it within the firm's deadline, add it
to a calendar; refused when altered, foreign or expired; nothing of other bookings shown."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import select, update

from slotwise.models import Appointment, Event
from tests.booking.helpers import at, next_monday
from tests.factories import World
from tests.jobs.support import maker
from tests.notifications.helpers import book, of, planned, slot
from tests.public.manage_helpers import booked, manage, set_firm, token_for, with_token


async def _get(client: httpx.AsyncClient, world: World, token: str) -> httpx.Response:
    return await client.get(manage(world), headers=with_token(token))


async def test_the_link_shows_the_appointment_and_what_may_change(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment, token = await booked(client, app, world)
    resp = await _get(client, world, token)
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["vary"] == "X-Manage-Token"
    body = resp.json()
    start = slot()
    assert body == {
        "appointment": {
            "id": appointment["id"],
            "status": "scheduled",
            "start_at": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "end_at": (start + timedelta(minutes=30))
            .astimezone(UTC)
            .isoformat()
            .replace("+00:00", "Z"),
            "start_local": start.isoformat(),
            "end_local": (start + timedelta(minutes=30)).isoformat(),
            "time_zone": "Europe/Berlin",
            "location": {"name": "Mitte", "address": "Torstr. 1, Berlin"},
            "service": {
                "name": "Haircut",
                "duration_minutes": 30,
                "price": "25.00",
                "currency": "EUR",
            },
            "specialists": [{"name": "Anna"}],
        },
        "can_change": True,
        "change_deadline": (start - timedelta(hours=2))
        .astimezone(UTC)
        .isoformat()
        .replace("+00:00", "Z"),
    }
    # Nothing private: not the client's name or address, not the firm's internal ids.
    text = resp.text
    for private in ("Clara", "clara-", str(world.client_id), str(world.specialist_a)):
        assert private not in text


async def test_altered_foreign_and_expired_links_are_refused(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    appointment, token = await booked(client, app, world)
    head, payload, signature = token.split(".")
    altered = f"{head}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    for bad in (
        altered,
        token[:-3],
        "not-a-token",
        token_for(app, world, appointment, secret="x" * 40),
    ):
        resp = await _get(client, world, bad)
        assert resp.status_code == 404, resp.text
        assert resp.json()["code"] == "manage_link_invalid"
    # A genuine token of another firm's appointment, presented at this firm's address.
    other_appointment, other_token = await booked(client, app, other_world)
    resp = await _get(client, world, other_token)
    assert (resp.status_code, resp.json()["code"]) == (404, "manage_link_invalid")
    assert other_appointment["id"] not in resp.text
    # Expired: 30 days after the end by default.
    expired = token_for(
        app, world, appointment, end_at=datetime.now(UTC) - timedelta(days=30, minutes=1)
    )
    resp = await _get(client, world, expired)
    assert (resp.status_code, resp.json()["code"]) == (410, "manage_link_expired")
    # No token at all.
    resp = await client.get(manage(world))
    assert (resp.status_code, resp.json()["code"]) == (422, "validation_error")
    # The appointment given to another client: the old link stops working.
    async with maker(app).begin() as session:
        await session.execute(
            update(Appointment)
            .where(Appointment.id == uuid.UUID(appointment["id"]))
            .values(client_id=world.other_client_id)
        )
    resp = await _get(client, world, token)
    assert (resp.status_code, resp.json()["code"]) == (404, "manage_link_invalid")
    # A firm that turned its page off answers like an unknown one.
    await set_firm(app, other_world, public_booking=False)
    resp = await _get(client, other_world, other_token)
    assert (resp.status_code, resp.json()["code"]) == (404, "booking_page_not_found")


async def test_cancel_within_the_deadline_sends_the_cancellation(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment, token = await booked(client, app, world)
    resp = await client.post(manage(world, "/cancel"), headers=with_token(token))
    assert resp.status_code == 200, resp.text
    assert resp.json()["appointment"]["status"] == "cancelled"
    assert resp.json()["can_change"] is False
    read = await client.get(
        f"/api/v1/appointments/{appointment['id']}", headers=world.headers("manager")
    )
    assert (read.json()["status"], read.json()["version"]) == ("cancelled", 2)
    assert len(of(await planned(app, appointment), "cancellation")) == 1
    async with maker(app)() as session:
        event = await session.scalar(
            select(Event)
            .where(Event.appointment_id == uuid.UUID(appointment["id"]))
            .order_by(Event.seq.desc())
            .limit(1)
        )
    assert event is not None and event.changed == ["status"]
    assert event.actor_name == "Clara Client"  # the client's own login
    again = await client.post(manage(world, "/cancel"), headers=with_token(token))
    assert (again.status_code, again.json()["code"]) == (409, "appointment_not_scheduled")


async def test_past_the_deadline_nothing_changes(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment, token = await booked(client, app, world)
    await set_firm(app, world, client_change_deadline_minutes=60 * 24 * 60)
    view = (await _get(client, world, token)).json()
    assert view["can_change"] is False
    cancel = await client.post(manage(world, "/cancel"), headers=with_token(token))
    move = await client.post(
        manage(world, "/move"),
        headers=with_token(token),
        json={"start_at": at(next_monday(2), 14).isoformat()},
    )
    for resp in (cancel, move):
        assert (resp.status_code, resp.json()["code"]) == (409, "change_deadline_passed")
    slots = await client.get(
        manage(world, "/availability/slots"),
        headers=with_token(token),
        params={"date": next_monday(2).isoformat()},
    )
    assert slots.status_code == 200 and slots.json()["slots"] == []
    read = await client.get(
        f"/api/v1/appointments/{appointment['id']}", headers=world.headers("manager")
    )
    assert (read.json()["status"], read.json()["version"]) == ("scheduled", 1)
    assert of(await planned(app, appointment), "cancellation") == []


def _starts(body: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(s["start"]) for s in body["slots"]]


async def test_move_to_an_offered_slot_and_not_into_another_booking(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment, token = await booked(client, app, world)
    day = next_monday(2)
    # Someone else's booking with the same specialist at 16:00.
    theirs = await book(client, world, at(day, 16), client_id=world.other_client_id)
    resp = await client.get(
        manage(world, "/availability/slots"),
        headers=with_token(token),
        params={"date": day.isoformat()},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["time_zone"] == "Europe/Berlin" and body["date"] == day.isoformat()
    starts = _starts(body)
    assert at(day, 14) in starts and at(day, 16) not in starts
    # Its own time does not block it: it can move by a little, or stay.
    assert at(day, 10) in starts and at(day, 10, 30) in starts
    assert {s["name"] for slot_ in body["slots"] for s in slot_["specialists"]} == {"Anna"}
    assert theirs["id"] not in resp.text

    taken = await client.post(
        manage(world, "/move"),
        headers=with_token(token),
        json={"start_at": at(day, 16).isoformat()},
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "slot_taken")
    assert "details" not in taken.json() and theirs["id"] not in taken.text
    other = await client.post(
        manage(world, "/move"),
        headers=with_token(token),
        json={"start_at": at(day, 14).isoformat(), "specialist_id": str(world.specialist_b)},
    )
    assert (other.status_code, other.json()["code"]) == (409, "slot_unavailable")
    closed = await client.post(
        manage(world, "/move"),
        headers=with_token(token),
        json={"start_at": at(day, 22).isoformat()},
    )
    assert (closed.status_code, closed.json()["code"]) == (409, "slot_unavailable")
    for bad in ({}, {"start_at": "tomorrow"}, {"start_at": "2030-01-07T10:00:00"}, {"x": 1}):
        invalid = await client.post(manage(world, "/move"), headers=with_token(token), json=bad)
        assert (invalid.status_code, invalid.json()["code"]) == (422, "validation_error"), bad

    moved = await client.post(
        manage(world, "/move"),
        headers=with_token(token),
        json={"start_at": at(day, 14).isoformat(), "specialist_id": str(world.specialist_a)},
    )
    assert moved.status_code == 200, moved.text
    shown = moved.json()["appointment"]
    assert datetime.fromisoformat(shown["start_at"]) == at(day, 14)
    assert datetime.fromisoformat(shown["end_at"]) == at(day, 14, 30)
    assert moved.json()["can_change"] is True
    assert len(of(await planned(app, appointment), "change")) == 1
    # The same link still works, on the moved appointment.
    assert datetime.fromisoformat(
        (await _get(client, world, token)).json()["appointment"]["start_at"]
    ) == at(day, 14)


async def test_the_calendar_file_carries_the_link(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment, token = await booked(client, app, world)
    resp = await client.get(manage(world, "/calendar.ics"), headers=with_token(token))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/calendar; charset=utf-8"
    assert resp.headers["cache-control"] == "no-store"
    [event] = Calendar.from_ical(resp.content).walk("VEVENT")
    assert str(event["UID"]) == f"{appointment['id']}@slotwise"
    assert event.decoded("DTSTART") == slot().astimezone(UTC)
    assert str(event["URL"]) == f"http://127.0.0.1:8000/book/{world.slug}/manage#{token}"
    assert b"Clara" not in resp.content


async def test_bad_dates_for_slots(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    _, token = await booked(client, app, world)
    for bad in ({}, {"date": "2030-13-01"}, {"date": "tomorrow"}, {"date": "0001-01-01"}):
        resp = await client.get(
            manage(world, "/availability/slots"), headers=with_token(token), params=bad
        )
        assert (resp.status_code, resp.json()["code"]) == (422, "validation_error"), (
            bad,
            json.dumps(resp.json()),
        )
