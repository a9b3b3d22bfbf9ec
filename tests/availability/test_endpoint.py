"""GET /api/v1/availability on the test world: Berlin, open Mon-Sat 9-19, Haircut 30 min +
10 min break, Anna/Ben/Cem working Mon-Fri 9-18."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from slotwise.models import Location, Service, Specialist, SpecialistService, Workplace
from slotwise.models import WorkplaceServiceOverride as Override
from tests.availability.db import (
    MONDAY,
    add_location,
    add_rows,
    at,
    book,
    far_horizon,
    hold,
    maker,
    set_firm,
    update_row,
)
from tests.factories import World

NAMES = ["Anna", "Ben", "Cem"]


async def get(
    client: httpx.AsyncClient, world: World, role: str = "client", **params: Any
) -> httpx.Response:
    query = {
        "service_id": world.service_id,
        "location_id": world.location_id,
        "from": MONDAY,
        "to": MONDAY,
        **params,
    }
    return await client.get(
        "/api/v1/availability",
        headers=world.headers(role),
        params={k: str(v) for k, v in query.items()},
    )


def local_starts(body: dict[str, Any]) -> list[str]:
    return [slot["start_local"][11:16] for slot in body["slots"]]


def who(slot: dict[str, Any]) -> list[str]:
    return [s["name"] for s in slot["specialists"]]


def slot_at(body: dict[str, Any], clock: str) -> dict[str, Any] | None:
    return next((s for s in body["slots"] if s["start_local"][11:16] == clock), None)


async def test_a_monday(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    resp = await get(client, world)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["service_id"] == str(world.service_id)
    assert body["location_id"] == str(world.location_id)
    assert body["time_zone"] == "Europe/Berlin"
    assert len(body["slots"]) == 34  # 09:00 ... 17:15: the 10-minute break ends by 18:00
    assert body["slots"][0] == {
        "start": "2030-01-07T08:00:00Z",
        "end": "2030-01-07T08:30:00Z",
        "start_local": "2030-01-07T09:00:00+01:00",
        "end_local": "2030-01-07T09:30:00+01:00",
        "specialists": [
            {"id": str(world.specialist_a), "name": "Anna", "workplace_ids": []},
            {"id": str(world.specialist_b), "name": "Ben", "workplace_ids": []},
            {"id": str(world.specialist_c), "name": "Cem", "workplace_ids": []},
        ],
    }
    assert body["slots"][-1]["start_local"] == "2030-01-07T17:15:00+01:00"
    assert local_starts(body) == sorted(local_starts(body))


async def test_the_firms_rules_apply(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    # Default horizon: 90 days, so 2030 is out of reach.
    resp = await get(client, world)
    assert resp.status_code == 200
    assert resp.json()["slots"] == []
    await far_horizon(app, world)
    await update_row(app, Service, world.service_id, buffer_before_minutes=15)
    await set_firm(app, world, slot_step_minutes=60)
    body = (await get(client, world)).json()
    assert local_starts(body) == [f"{h:02}:00" for h in range(10, 18)]


async def test_a_week(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    body = (await get(client, world, to=MONDAY + timedelta(days=6))).json()
    days = {slot["start_local"][:10] for slot in body["slots"]}
    assert days == {f"2030-01-{d:02}" for d in range(7, 12)}  # nobody works on the weekend
    assert len(body["slots"]) == 5 * 34
    starts = [slot["start"] for slot in body["slots"]]
    assert starts == sorted(starts)


async def test_one_specialist(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    body = (await get(client, world, specialist_id=world.specialist_b)).json()
    assert len(body["slots"]) == 34
    assert all(
        slot["specialists"] == [{"id": str(world.specialist_b), "name": "Ben", "workplace_ids": []}]
        for slot in body["slots"]
    )


async def test_appointments_and_live_holds_block(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await far_horizon(app, world)
    eleven, twenty_to = at(MONDAY, "11:00"), at(MONDAY, "11:40")
    now = datetime.now(UTC)
    await book(app, world, world.specialist_a, eleven, at(MONDAY, "11:30"), claim_end=twenty_to)
    await hold(
        app, world, world.specialist_b, eleven, twenty_to, expires_at=now + timedelta(minutes=2)
    )
    await hold(
        app, world, world.specialist_c, eleven, twenty_to, expires_at=now - timedelta(seconds=1)
    )  # expired: blocks nothing
    body = (await get(client, world)).json()
    for clock, names in {
        "10:15": NAMES,
        "10:30": ["Cem"],
        "11:00": ["Cem"],
        "11:30": ["Cem"],
        "11:45": NAMES,
    }.items():
        found = slot_at(body, clock)
        assert found is not None and who(found) == names, clock

    # Capacity 2: the appointment and the live hold fill 11:00-11:30.
    await update_row(app, Location, world.location_id, capacity=2)
    body = (await get(client, world)).json()
    assert slot_at(body, "11:00") is None and slot_at(body, "10:45") is None
    thirty = slot_at(body, "11:30")
    assert thirty is not None and who(thirty) == ["Cem"]


async def test_a_workplace_that_offers_the_service(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await far_horizon(app, world)
    await add_rows(
        app,
        [
            Override(
                firm_id=world.firm_id,
                workplace_id=world.workplace_id,
                service_id=world.service_id,
                duration_minutes=45,
            )
        ],
    )
    await book(
        app,
        world,
        world.specialist_c,
        at(MONDAY, "12:00"),
        at(MONDAY, "12:45"),
        claim_end=at(MONDAY, "12:55"),
        workplace_id=world.workplace_id,
    )
    body = (await get(client, world)).json()
    first = body["slots"][0]
    assert first["end_local"] == "2030-01-07T09:45:00+01:00"
    assert all(s["workplace_ids"] == [str(world.workplace_id)] for s in first["specialists"])
    # The only chair is taken 12:00-12:55, whoever works then.
    assert slot_at(body, "12:00") is None and slot_at(body, "11:15") is None
    assert slot_at(body, "11:00") is not None and slot_at(body, "13:00") is not None
    # An inactive chair offers nothing: the service cannot be done anywhere.
    await update_row(app, Workplace, world.workplace_id, is_active=False)
    assert len((await get(client, world)).json()["slots"]) == 34


async def test_a_location_in_another_time_zone(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await far_horizon(app, world)
    brooklyn = await add_location(
        app, world, name="Brooklyn", time_zone="America/New_York", opening=("09:00", "17:00")
    )
    body = (await get(client, world, location_id=brooklyn)).json()
    assert body["time_zone"] == "America/New_York"
    assert body["slots"][0]["start"] == "2030-01-07T14:00:00Z"
    assert body["slots"][0]["start_local"] == "2030-01-07T09:00:00-05:00"
    assert body["slots"][-1]["start_local"] == "2030-01-07T16:15:00-05:00"
    assert {n for s in body["slots"] for n in who(s)} == {"Anna"}


@pytest.mark.parametrize(
    ("zone", "day", "offsets"),
    [
        ("America/New_York", date(2030, 3, 10), {"-05:00", "-04:00"}),
        ("Europe/Berlin", date(2030, 10, 27), {"+02:00", "+01:00"}),
    ],
)
async def test_dst_nights(
    client: httpx.AsyncClient, app: FastAPI, world: World, zone: str, day: date, offsets: set[str]
) -> None:
    await far_horizon(app, world)
    night = await add_location(
        app, world, name=f"Night {zone}", time_zone=zone, opening=("00:00", "06:00")
    )
    days: dict[str, Any] = {"from": day, "to": day}
    body = (await get(client, world, location_id=night, **days)).json()
    labels = [s["start_local"][11:16] for s in body["slots"]]
    assert len(labels) == len(set(labels))  # no local time twice
    assert {s["start_local"][-6:] for s in body["slots"]} == offsets
    for slot in body["slots"]:
        start = datetime.fromisoformat(slot["start"])
        assert datetime.fromisoformat(slot["start_local"]) == start
        assert datetime.fromisoformat(slot["end"]) - start == timedelta(minutes=30)
    if zone == "America/New_York":
        # 02:xx does not exist; the 40-minute claim of 05:15 ends at 05:55.
        assert labels == [
            f"{h:02}:{m:02}"
            for h in (0, 1, 3, 4, 5)
            for m in (0, 15, 30, 45)
            if (h, m) not in {(5, 30), (5, 45)}
        ]
    else:
        # 02:00-02:45 once (summer time); the repeated hour in winter time is not offered.
        assert labels == [
            f"{h:02}:{m:02}"
            for h in range(6)
            for m in (0, 15, 30, 45)
            if (h, m) not in {(5, 30), (5, 45)}
        ]
        assert body["slots"][11]["start"] == "2030-10-27T00:45:00Z"
        assert body["slots"][12]["start"] == "2030-10-27T02:00:00Z"


async def test_ids_of_another_firm_are_404(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"service_id": other_world.service_id}, "service_not_found"),
        ({"location_id": other_world.location_id}, "location_not_found"),
        ({"specialist_id": other_world.specialist_a}, "specialist_not_found"),
        ({"service_id": uuid.uuid4()}, "service_not_found"),
    ]
    for params, code in cases:
        resp = await get(client, world, **params)
        assert resp.status_code == 404, params
        assert resp.json()["code"] == code


async def test_every_role_may_read(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    for role in ("owner", "manager", "worker", "client"):
        resp = await get(client, world, role)
        assert resp.status_code == 200 and len(resp.json()["slots"]) == 34
    anonymous = await client.get("/api/v1/availability", params={"from": "2030-01-07"})
    assert anonymous.status_code == 401


async def test_validation(client: httpx.AsyncClient, world: World) -> None:
    for params in ({"to": "2030-01-06"}, {"to": MONDAY + timedelta(days=62)}):
        resp = await get(client, world, **params)
        assert resp.status_code == 422
    assert (await get(client, world, to="2030-01-06")).json()["code"] == "invalid_range"
    too_long = await get(client, world, to=MONDAY + timedelta(days=62))
    assert too_long.json()["code"] == "range_too_long"
    assert (await get(client, world, to=MONDAY + timedelta(days=61))).status_code == 200
    for bad in (
        {"service_id": "nope"},
        {"from": "2030-02-30"},
        {"to": ""},
        {"specialist_id": "1"},
        {"colour": "red"},
    ):
        resp = await get(client, world, **bad)
        assert resp.status_code == 422, bad
        assert resp.json()["code"] == "validation_error"
    missing = await client.get(
        "/api/v1/availability",
        headers=world.headers("client"),
        params={"service_id": str(world.service_id)},
    )
    assert missing.status_code == 422


async def test_inactive_things(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    await far_horizon(app, world)
    async with maker(app).begin() as session:
        link = await session.get(SpecialistService, await _link_id(app, world))
        assert link is not None
        link.is_active = False
    body = (await get(client, world)).json()
    assert who(body["slots"][0]) == ["Ben", "Cem"]  # Anna no longer does haircuts
    resp = await get(client, world, specialist_id=world.specialist_a)
    assert (resp.status_code, resp.json()["code"]) == (409, "service_not_offered")

    await update_row(app, Specialist, world.specialist_b, is_active=False)
    resp = await get(client, world, specialist_id=world.specialist_b)
    assert (resp.status_code, resp.json()["code"]) == (409, "specialist_inactive")
    assert who((await get(client, world)).json()["slots"][0]) == ["Cem"]

    await update_row(app, Service, world.service_id, is_active=False)
    resp = await get(client, world)
    assert (resp.status_code, resp.json()["code"]) == (409, "service_inactive")
    await update_row(app, Service, world.service_id, is_active=True)
    await update_row(app, Location, world.location_id, is_active=False)
    resp = await get(client, world)
    assert (resp.status_code, resp.json()["code"]) == (409, "location_inactive")


async def _link_id(app: FastAPI, world: World) -> uuid.UUID:
    async with maker(app)() as session:
        found = await session.scalar(
            select(SpecialistService.id).where(
                SpecialistService.specialist_id == world.specialist_a,
                SpecialistService.service_id == world.service_id,
            )
        )
        assert found is not None
        return found


@pytest.mark.parametrize("role", ["owner", "manager", "worker", "client"])
async def test_the_calendars_ends_are_422_for_every_role(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    for first, last in [
        ("0001-01-01", "0001-01-01"),
        ("9999-12-30", "9999-12-31"),
        ("9999-12-31", "0001-01-01"),
        ("0001-01-01", "9999-12-31"),
        ("1899-12-31", "1900-01-01"),
        ("2999-12-31", "3000-01-01"),
        ("9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59+00:00"),
        ("0001-01-01T00:00:00-01:00", "2030-01-07"),
    ]:
        resp = await get(client, world, role, **{"from": first, "to": last})
        assert resp.status_code == 422, (first, last, resp.text)
        assert resp.json()["code"] == "validation_error"
        assert {tuple(d["loc"]) for d in resp.json()["details"]} <= {
            ("query", "from"),
            ("query", "to"),
        }
    # Inside the years allowed, a reversed or long range is refused by its own code.
    assert (await get(client, world, role, **{"from": "2999-12-31", "to": "1900-01-01"})).json()[
        "code"
    ] == "invalid_range"
    assert (await get(client, world, role, **{"from": "1900-01-01", "to": "2999-12-31"})).json()[
        "code"
    ] == "range_too_long"
    edge = await get(client, world, role, **{"from": "2999-12-30", "to": "2999-12-31"})
    assert (edge.status_code, edge.json()["slots"]) == (200, [])  # beyond the horizon


async def test_from_and_to_take_dates_and_instants(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await far_horizon(app, world)
    whole_day = await get(client, world, **{"from": "2030-01-07", "to": "2030-01-07"})
    assert len(whole_day.json()["slots"]) == 34
    # Instants: slots starting at or after `from` and before `to`, in any offset.
    noon = await get(
        client, world, **{"from": "2030-01-07T12:00:00+01:00", "to": "2030-01-07T13:00:00Z"}
    )
    assert noon.status_code == 200, noon.text
    assert local_starts(noon.json()) == [
        "12:00",
        "12:15",
        "12:30",
        "12:45",
        "13:00",
        "13:15",
        "13:30",
        "13:45",
    ]
    mixed = await get(client, world, **{"from": "2030-01-07T17:00:00+01:00", "to": "2030-01-08"})
    tuesday = await get(client, world, **{"from": "2030-01-08", "to": "2030-01-08"})
    assert local_starts(mixed.json()) == ["17:00", "17:15", *local_starts(tuesday.json())]
    empty = await get(client, world, **{"from": "2030-01-08T00:00:00+01:00", "to": "2030-01-07"})
    assert (empty.status_code, empty.json()["code"]) == (422, "invalid_range")
    for bad in ("2030-01-07T10:00:00", "0", "1893924000", "2030-1-7"):
        resp = await get(client, world, **{"from": bad})
        assert (resp.status_code, resp.json()["code"]) == (422, "validation_error"), bad
