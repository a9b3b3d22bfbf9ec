"""GET /locations/{id}/working-time: the calendar's one read of holidays, schedules and
breaks for a location and some days."""

from __future__ import annotations

import httpx

from tests.catalog.helpers import API
from tests.factories import World


async def _break(client: httpx.AsyncClient, world: World, specialist: object, day: str) -> None:
    added = await client.post(
        f"{API}/specialists/{specialist}/breaks",
        json={"date": day, "start_time": "12:00", "end_time": "13:00", "reason": "Dentist"},
        headers=world.headers("director"),
    )
    assert added.status_code == 201, added.text


async def test_one_read_of_the_working_time(client: httpx.AsyncClient, world: World) -> None:
    await _break(client, world, world.specialist_a, "2030-01-08")
    await _break(client, world, world.specialist_b, "2030-01-20")  # outside the range
    holiday = await client.post(
        f"{API}/locations/{world.location_id}/holidays",
        json={"date": "2030-01-09", "is_working": False, "description": "Closed"},
        headers=world.headers("director"),
    )
    assert holiday.status_code == 201, holiday.text
    url = f"{API}/locations/{world.location_id}/working-time"
    week = {"from": "2030-01-07", "to": "2030-01-13"}

    response = await client.get(url, params=week, headers=world.headers("manager"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["location_id"] == str(world.location_id)
    assert [(h["date"], h["is_working"]) for h in body["holidays"]] == [("2030-01-09", False)]
    by_id = {s["specialist_id"]: s for s in body["specialists"]}
    expected = {str(world.specialist_a), str(world.specialist_b), str(world.specialist_c)}
    assert set(by_id) == expected
    anna = by_id[str(world.specialist_a)]
    assert [e["day_of_week"] for e in anna["schedule"]] == [0, 1, 2, 3, 4]
    assert anna["schedule"][0]["start_time"] == "09:00:00"
    assert anna["breaks"] == [
        {"date": "2030-01-08", "start_time": "12:00:00", "end_time": "13:00:00"}
    ]  # no private reason
    assert by_id[str(world.specialist_b)]["breaks"] == []

    # A worker reads only their own; a client none.
    mine = (await client.get(url, params=week, headers=world.headers("worker"))).json()
    assert [s["specialist_id"] for s in mine["specialists"]] == [str(world.specialist_a)]
    refused = await client.get(url, params=week, headers=world.headers("client"))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


async def test_bad_ranges_are_refused(client: httpx.AsyncClient, world: World) -> None:
    url = f"{API}/locations/{world.location_id}/working-time"
    director = world.headers("director")
    cases = [
        ({"from": "2030-01-07"}, 422, "validation_error"),
        ({"from": "2030-01-07", "to": "2030-01-01"}, 422, "invalid_range"),
        ({"from": "2030-01-01", "to": "2030-03-31"}, 422, "range_too_long"),
        ({"from": "soon", "to": "2030-01-01"}, 422, "validation_error"),
    ]
    for params, status, code in cases:
        response = await client.get(url, params=params, headers=director)
        assert (response.status_code, response.json()["code"]) == (status, code), params
    missing = await client.get(
        f"{API}/locations/00000000-0000-0000-0000-000000000000/working-time",
        params={"from": "2030-01-07", "to": "2030-01-07"},
        headers=director,
    )
    assert missing.status_code == 404
