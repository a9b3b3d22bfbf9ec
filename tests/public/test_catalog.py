"""The public catalog and free time: what a visitor sees without a login, and only that."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import (
    Location,
    Service,
    Specialist,
    SpecialistBreak,
    SpecialistSchedule,
    SpecialistService,
)
from tests.booking.helpers import BERLIN, at, hold, next_monday
from tests.factories import World
from tests.public.helpers import base


async def _add(app: FastAPI, *rows: object) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        session.add_all(rows)


async def test_the_firm_as_the_page_needs_it(guest: httpx.AsyncClient, public_world: World) -> None:
    resp = await guest.get(base(public_world))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "slug": public_world.slug,
        "name": f"Firm {public_world.slug}",
        "locale": "de",
        "time_zone": "Europe/Berlin",
        "hold_ttl_seconds": 120,
        "client_change_deadline_minutes": 120,
        "booking_horizon_days": 90,
        "vapid_public_key": None,
    }


async def test_a_firm_without_public_booking_is_not_found(
    guest: httpx.AsyncClient, world: World, public_world: World
) -> None:
    for path in ("", "/locations", f"/services?location_id={world.location_id}"):
        for slug in ("no-such-firm", "x" * 63):
            resp = await guest.get(f"/api/v1/public/{slug}{path}")
            assert (resp.status_code, resp.json()["code"]) == (404, "booking_page_not_found")


async def test_a_firm_that_turned_it_off_is_not_found(
    app: FastAPI, guest: httpx.AsyncClient, world: World, other_world: World
) -> None:
    resp = await guest.get(base(other_world))
    assert (resp.status_code, resp.json()["code"]) == (404, "booking_page_not_found")
    too_long = await guest.get(f"/api/v1/public/{'x' * 64}")
    assert (too_long.status_code, too_long.json()["code"]) == (422, "validation_error")


async def test_locations_are_the_active_ones(
    app: FastAPI, guest: httpx.AsyncClient, public_world: World
) -> None:
    fid = public_world.firm_id
    await _add(
        app,
        Location(firm_id=fid, name="Closed", time_zone="Europe/Berlin", is_active=False),
        Location(firm_id=fid, name="Altona", address="Elbe 2", time_zone="Europe/Berlin"),
    )
    resp = await guest.get(f"{base(public_world)}/locations")
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert [(i["name"], i["address"], i["time_zone"]) for i in items] == [
        ("Altona", "Elbe 2", "Europe/Berlin"),
        ("Mitte", "Torstr. 1, Berlin", "Europe/Berlin"),
    ]
    assert set(items[0]) == {"id", "name", "address", "time_zone"}
    assert items[1]["id"] == str(public_world.location_id)


async def test_services_offered_at_the_location(
    app: FastAPI, guest: httpx.AsyncClient, public_world: World
) -> None:
    fid = public_world.firm_id
    nobody = Service(firm_id=fid, name="Nobody does this", duration_minutes=20, price=5)
    inactive = Service(firm_id=fid, name="Old", duration_minutes=20, price=5, is_active=False)
    colour = Service(
        firm_id=fid,
        name="Colour",
        description="With a wash",
        duration_minutes=90,
        price="80.5",
        currency="EUR",
    )
    await _add(app, nobody, inactive, colour)
    await _add(
        app,
        SpecialistService(
            firm_id=fid, specialist_id=public_world.specialist_a, service_id=colour.id
        ),
        SpecialistService(
            firm_id=fid, specialist_id=public_world.specialist_a, service_id=inactive.id
        ),
    )
    resp = await guest.get(
        f"{base(public_world)}/services", params={"location_id": str(public_world.location_id)}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["items"] == [
        {
            "id": str(colour.id),
            "name": "Colour",
            "description": "With a wash",
            "duration_minutes": 90,
            "price": "80.50",
            "currency": "EUR",
        },
        {
            "id": str(public_world.service_id),
            "name": "Haircut",
            "description": None,
            "duration_minutes": 30,
            "price": "25.00",
            "currency": "EUR",
        },
    ]


async def test_specialists_offering_the_service_there(
    app: FastAPI, guest: httpx.AsyncClient, public_world: World
) -> None:
    fid = public_world.firm_id
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    elsewhere = Specialist(firm_id=fid, name="Dora")
    await _add(app, elsewhere)
    await _add(
        app,
        SpecialistService(
            firm_id=fid, specialist_id=elsewhere.id, service_id=public_world.service_id
        ),
    )
    async with maker.begin() as session:
        await session.execute(
            update(Specialist)
            .where(Specialist.id == public_world.specialist_c)
            .values(is_active=False)
        )
        await session.execute(
            update(SpecialistService)
            .where(SpecialistService.specialist_id == public_world.specialist_b)
            .values(is_active=False)
        )
    params = {
        "location_id": str(public_world.location_id),
        "service_id": str(public_world.service_id),
    }
    resp = await guest.get(f"{base(public_world)}/specialists", params=params)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"items": [{"id": str(public_world.specialist_a), "name": "Anna"}]}
    # Dora works nowhere (no schedule); with a day at the location she offers it there.
    await _add(
        app,
        SpecialistSchedule(
            firm_id=fid,
            specialist_id=elsewhere.id,
            location_id=public_world.location_id,
            day_of_week=2,
            start_time=time(9),
            end_time=time(12),
        ),
    )
    resp = await guest.get(f"{base(public_world)}/specialists", params=params)
    assert [i["name"] for i in resp.json()["items"]] == ["Anna", "Dora"]


async def test_days_with_free_slots(
    app: FastAPI, client: httpx.AsyncClient, guest: httpx.AsyncClient, public_world: World
) -> None:
    monday = next_monday()
    params = {
        "location_id": str(public_world.location_id),
        "service_id": str(public_world.service_id),
        "specialist_id": str(public_world.specialist_a),
        "from": monday.isoformat(),
        "to": (monday + timedelta(days=6)).isoformat(),
    }
    resp = await guest.get(f"{base(public_world)}/availability/days", params=params)
    assert resp.status_code == 200, resp.text
    # Specialists work Monday to Friday.
    assert resp.json() == {
        "time_zone": "Europe/Berlin",
        "days": [(monday + timedelta(days=n)).isoformat() for n in range(5)],
    }
    # Anna's whole Tuesday taken: Tuesday goes for her, not for "any".
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    tuesday = monday + timedelta(days=1)
    async with maker.begin() as session:
        session.add(
            SpecialistBreak(
                firm_id=public_world.firm_id,
                specialist_id=public_world.specialist_a,
                date=tuesday,
                start_time=time(9),
                end_time=time(18),
            )
        )
    resp = await guest.get(f"{base(public_world)}/availability/days", params=params)
    assert tuesday.isoformat() not in resp.json()["days"]
    del params["specialist_id"]
    resp = await guest.get(f"{base(public_world)}/availability/days", params=params)
    assert tuesday.isoformat() in resp.json()["days"]


async def test_slots_of_a_day(
    client: httpx.AsyncClient, guest: httpx.AsyncClient, public_world: World
) -> None:
    monday = next_monday()
    params = {
        "location_id": str(public_world.location_id),
        "service_id": str(public_world.service_id),
        "date": monday.isoformat(),
    }
    url = f"{base(public_world)}/availability/slots"
    resp = await guest.get(url, params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["time_zone"], body["date"]) == ("Europe/Berlin", monday.isoformat())
    first = body["slots"][0]
    assert set(first) == {"start", "end", "start_local", "end_local", "specialists"}
    assert datetime.fromisoformat(first["start"]) == at(monday, 9)
    assert first["start"].endswith("Z")
    assert datetime.fromisoformat(first["start_local"]).utcoffset() == at(monday, 9).utcoffset()
    assert first["specialists"] == [
        {"id": str(public_world.specialist_a), "name": "Anna"},
        {"id": str(public_world.specialist_b), "name": "Ben"},
        {"id": str(public_world.specialist_c), "name": "Cem"},
    ]
    # A staff hold on Anna at 9:00 takes her out of that slot at once.
    held = await hold(
        client, public_world, "director", at(monday, 9), specialist_id=public_world.specialist_a
    )
    assert held.status_code == 201, held.text
    after = (await guest.get(url, params=params)).json()["slots"][0]
    assert [s["name"] for s in after["specialists"]] == ["Ben", "Cem"]
    one = await guest.get(url, params={**params, "specialist_id": str(public_world.specialist_a)})
    assert all(datetime.fromisoformat(s["start"]) != at(monday, 9) for s in one.json()["slots"])


async def test_range_rules(guest: httpx.AsyncClient, public_world: World) -> None:
    today = datetime.now(BERLIN).date()
    params = {
        "location_id": str(public_world.location_id),
        "service_id": str(public_world.service_id),
        "from": today.isoformat(),
        "to": (today + timedelta(days=62)).isoformat(),
    }
    url = f"{base(public_world)}/availability/days"
    long = await guest.get(url, params=params)
    assert (long.status_code, long.json()["code"]) == (422, "range_too_long")
    ok = await guest.get(url, params={**params, "to": (today + timedelta(days=61)).isoformat()})
    assert ok.status_code == 200
    back = await guest.get(url, params={**params, "to": (today - timedelta(days=1)).isoformat()})
    assert (back.status_code, back.json()["code"]) == (422, "invalid_range")
    past = await guest.get(url, params={**params, "from": "2020-01-01", "to": "2020-01-31"})
    assert past.json()["days"] == []


def _queries(world: World) -> dict[str, dict[str, str]]:
    day = (date.today() + timedelta(days=7)).isoformat()
    ids = {"location_id": str(world.location_id), "service_id": str(world.service_id)}
    return {
        "/services": {"location_id": ids["location_id"]},
        "/specialists": ids,
        "/availability/days": {**ids, "from": day, "to": day},
        "/availability/slots": {**ids, "date": day},
    }


BAD_VALUES = [
    "",
    "x",
    "1",
    "0",
    "-1",
    "2030-13-01",
    "2030-1-1",
    "0001-01-01",
    "9999-12-31",
    "2030-01-07T10:00:00+01:00",
    "ä" * 300,
    str(uuid.uuid4()),
    "null",
    "true",
]


@pytest.mark.parametrize(
    "path", ["/services", "/specialists", "/availability/days", "/availability/slots"]
)
async def test_bad_input_on_every_field_is_a_4xx(
    guest: httpx.AsyncClient, public_world: World, other_world: World, path: str
) -> None:
    good = _queries(public_world)[path]
    url = f"{base(public_world)}{path}"
    assert (await guest.get(url, params=good)).status_code == 200
    fields = [*good, "specialist_id"] if path.startswith("/availability") else list(good)
    for field in fields:
        for bad in BAD_VALUES:
            resp = await guest.get(url, params={**good, field: bad})
            assert 400 <= resp.status_code < 500, (field, bad, resp.status_code, resp.text)
            assert resp.json()["code"], (field, bad)
        missing = {k: v for k, v in good.items() if k != field}
        if field in good:
            resp = await guest.get(url, params=missing)
            assert (resp.status_code, resp.json()["code"]) == (422, "validation_error"), field
    # Another firm's ids are not found here.
    foreign = {
        "location_id": str(other_world.location_id),
        "service_id": str(other_world.service_id),
        "specialist_id": str(other_world.specialist_a),
    }
    for field in foreign.keys() & set(fields):
        resp = await guest.get(url, params={**good, field: foreign[field]})
        assert resp.status_code == 404, (field, resp.text)
    unknown = await guest.get(url, params={**good, "extra": "1"})
    assert unknown.status_code in (200, 422)


async def test_no_login_is_needed_and_none_changes_the_answer(
    guest: httpx.AsyncClient, public_world: World
) -> None:
    url = f"{base(public_world)}/locations"
    anonymous = await guest.get(url)
    for role in ("owner", "worker", "client"):
        seen = await guest.get(url, headers=public_world.headers(role))
        assert seen.json() == anonymous.json()
    broken = await guest.get(url, headers={"Authorization": "Bearer nonsense"})
    assert broken.json() == anonymous.json()
