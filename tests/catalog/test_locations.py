from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.catalog.helpers import API, get_json, location_body
from tests.factories import World, add_appointment

WEEKDAY_HOURS = [{"day_of_week": d, "start_time": "09:00", "end_time": "18:00"} for d in range(5)]


async def test_create_get_patch_location(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("director")
    body = location_body(hours=[*WEEKDAY_HOURS, {"day_of_week": 6, "is_day_off": True}])
    resp = await client.post(f"{API}/locations", json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert resp.headers["location"] == f"http://test{API}/locations/{created['id']}"
    assert created["name"] == "Kreuzberg"
    assert created["address"] == "Oranienstr. 5, Berlin"
    assert created["time_zone"] == "Europe/Berlin"
    assert created["capacity"] == 3
    assert created["is_active"] is True
    assert created["created_at"]
    assert [h["day_of_week"] for h in created["hours"]] == [0, 1, 2, 3, 4, 6]
    assert created["hours"][0] == {
        "day_of_week": 0,
        "start_time": "09:00:00",
        "end_time": "18:00:00",
        "is_day_off": False,
    }
    assert created["hours"][-1] == {
        "day_of_week": 6,
        "start_time": "00:00:00",
        "end_time": "00:00:00",
        "is_day_off": True,
    }

    read = await get_json(client, f"/locations/{created['id']}", world.headers("client"))
    assert read == created

    patch = await client.patch(
        f"{API}/locations/{created['id']}",
        json={"name": "  Kreuzberg Süd ", "capacity": None, "time_zone": "America/New_York"},
        headers=admin,
    )
    assert patch.status_code == 200, patch.text
    patched = patch.json()
    assert patched["name"] == "Kreuzberg Süd"  # surrounding whitespace is dropped
    assert patched["capacity"] is None
    assert patched["time_zone"] == "America/New_York"
    assert patched["address"] == "Oranienstr. 5, Berlin"  # untouched
    assert patched["hours"] == created["hours"]
    assert await get_json(client, f"/locations/{created['id']}", admin) == patched


async def test_list_locations_is_paginated_and_ordered(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("owner")
    for name, active in (("Zoo", True), ("Alex", False), ("Charlottenburg", True)):
        resp = await client.post(
            f"{API}/locations", json=location_body(name, is_active=active), headers=admin
        )
        assert resp.status_code == 201
    page = await get_json(client, "/locations", world.headers("worker"))
    assert page["total"] == 4
    assert page["limit"] == 50 and page["offset"] == 0
    assert [loc["name"] for loc in page["items"]] == ["Alex", "Charlottenburg", "Mitte", "Zoo"]
    mitte = page["items"][2]
    assert len(mitte["hours"]) == 6  # the factory's Monday-Saturday, 9-19
    assert mitte["hours"][5]["day_of_week"] == 5

    second = await get_json(client, "/locations?limit=2&offset=1", admin)
    assert second["total"] == 4
    assert [loc["name"] for loc in second["items"]] == ["Charlottenburg", "Mitte"]

    inactive = await get_json(client, "/locations?active=false", admin)
    assert [loc["name"] for loc in inactive["items"]] == ["Alex"]
    assert inactive["total"] == 1
    active = await get_json(client, "/locations?active=true", admin)
    assert [loc["name"] for loc in active["items"]] == ["Charlottenburg", "Mitte", "Zoo"]


async def test_replace_hours(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("manager")
    path = f"{API}/locations/{world.location_id}/hours"
    before = await get_json(client, f"/locations/{world.location_id}/hours", admin)
    assert len(before) == 6

    split_monday = [
        {"day_of_week": 0, "start_time": "14:00", "end_time": "18:30"},
        {"day_of_week": 0, "start_time": "08:00", "end_time": "12:00"},
        {"day_of_week": 0, "start_time": "12:00", "end_time": "14:00"},  # touching is fine
        {"day_of_week": 5, "is_day_off": True},
    ]
    resp = await client.put(path, json=split_monday, headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json() == [
        {"day_of_week": 0, "start_time": "08:00:00", "end_time": "12:00:00", "is_day_off": False},
        {"day_of_week": 0, "start_time": "12:00:00", "end_time": "14:00:00", "is_day_off": False},
        {"day_of_week": 0, "start_time": "14:00:00", "end_time": "18:30:00", "is_day_off": False},
        {"day_of_week": 5, "start_time": "00:00:00", "end_time": "00:00:00", "is_day_off": True},
    ]
    assert (
        await get_json(client, f"/locations/{world.location_id}/hours", world.headers("client"))
        == resp.json()
    )
    location = await get_json(client, f"/locations/{world.location_id}", admin)
    assert location["hours"] == resp.json()

    # What was read can be sent back unchanged.
    again = await client.put(path, json=resp.json(), headers=admin)
    assert again.status_code == 200
    assert again.json() == resp.json()

    cleared = await client.put(path, json=[], headers=admin)
    assert cleared.status_code == 200
    assert cleared.json() == []
    assert await get_json(client, f"/locations/{world.location_id}/hours", admin) == []


async def test_holidays_crud_and_range(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    base = f"{API}/locations/{world.location_id}/holidays"
    created = []
    for date, working in (("2030-12-25", False), ("2030-01-01", False), ("2030-12-21", True)):
        resp = await client.post(
            base,
            json={"date": date, "is_working": working, "description": f"day {date}"},
            headers=admin,
        )
        assert resp.status_code == 201, resp.text
        created.append(resp.json())
    assert created[0]["location_id"] == str(world.location_id)
    assert created[0]["date"] == "2030-12-25"
    assert created[0]["is_working"] is False
    assert created[2]["is_working"] is True
    assert created[0]["description"] == "day 2030-12-25"

    listed = await get_json(
        client, f"/locations/{world.location_id}/holidays", world.headers("client")
    )
    assert [h["date"] for h in listed] == ["2030-01-01", "2030-12-21", "2030-12-25"]
    ranged = await get_json(
        client, f"/locations/{world.location_id}/holidays?from=2030-12-01&to=2030-12-24", admin
    )
    assert [h["date"] for h in ranged] == ["2030-12-21"]
    from_only = await get_json(
        client, f"/locations/{world.location_id}/holidays?from=2030-12-21", admin
    )
    assert [h["date"] for h in from_only] == ["2030-12-21", "2030-12-25"]
    to_only = await get_json(
        client, f"/locations/{world.location_id}/holidays?to=2030-12-21", admin
    )
    assert [h["date"] for h in to_only] == ["2030-01-01", "2030-12-21"]

    holiday_id = created[0]["id"]
    patch = await client.patch(
        f"{base}/{holiday_id}",
        json={"date": "2030-12-26", "description": "Boxing Day"},
        headers=admin,
    )
    assert patch.status_code == 200, patch.text
    assert patch.json() == {**created[0], "date": "2030-12-26", "description": "Boxing Day"}
    # Changing only other fields keeps the date, which is not a clash with itself.
    same_date = await client.patch(f"{base}/{holiday_id}", json={"is_working": True}, headers=admin)
    assert same_date.status_code == 200
    assert same_date.json()["date"] == "2030-12-26"

    deleted = await client.delete(f"{base}/{holiday_id}", headers=admin)
    assert deleted.status_code == 204
    assert deleted.content == b""
    remaining = await get_json(client, f"/locations/{world.location_id}/holidays", admin)
    assert [h["id"] for h in remaining] == [created[1]["id"], created[2]["id"]]
    again = await client.delete(f"{base}/{holiday_id}", headers=admin)
    assert again.status_code == 404
    assert again.json()["code"] == "holiday_not_found"


async def test_duplicate_holiday_is_409(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    base = f"{API}/locations/{world.location_id}/holidays"
    first = await client.post(base, json={"date": "2030-05-01"}, headers=admin)
    second = await client.post(base, json={"date": "2030-06-01"}, headers=admin)
    assert first.status_code == second.status_code == 201
    dup = await client.post(
        base, json={"date": "2030-05-01", "description": "again"}, headers=admin
    )
    assert dup.status_code == 409
    assert dup.json()["code"] == "holiday_exists"
    moved = await client.patch(
        f"{base}/{second.json()['id']}", json={"date": "2030-05-01"}, headers=admin
    )
    assert moved.status_code == 409
    assert moved.json()["code"] == "holiday_exists"
    listed = await get_json(client, f"/locations/{world.location_id}/holidays", admin)
    assert listed == [first.json(), second.json()]


async def test_delete_location_cascades_hours_and_holidays(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("owner")
    created = (
        await client.post(
            f"{API}/locations", json=location_body(hours=WEEKDAY_HOURS), headers=admin
        )
    ).json()
    holiday = await client.post(
        f"{API}/locations/{created['id']}/holidays", json={"date": "2030-10-03"}, headers=admin
    )
    assert holiday.status_code == 201
    resp = await client.delete(f"{API}/locations/{created['id']}", headers=admin)
    assert resp.status_code == 204
    for path in ("", "/hours", "/holidays"):
        gone = await client.get(f"{API}/locations/{created['id']}{path}", headers=admin)
        assert gone.status_code == 404
        assert gone.json()["code"] == "location_not_found"
    names = [loc["name"] for loc in (await get_json(client, "/locations", admin))["items"]]
    assert names == ["Mitte"]


async def test_delete_location_in_use_is_409(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    admin = world.headers("owner")
    await add_appointment(app, world, workers=[world.specialist_a])
    # Take the workplace away so that only the appointment holds the location.
    assert (
        await client.delete(f"{API}/workplaces/{world.workplace_id}", headers=admin)
    ).status_code == 204
    holiday = await client.post(
        f"{API}/locations/{world.location_id}/holidays", json={"date": "2030-10-03"}, headers=admin
    )
    before = await get_json(client, f"/locations/{world.location_id}", admin)

    resp = await client.delete(f"{API}/locations/{world.location_id}", headers=admin)
    assert resp.status_code == 409
    assert resp.json()["code"] == "location_in_use"
    assert "is_active=false" in resp.json()["message"]
    assert await get_json(client, f"/locations/{world.location_id}", admin) == before
    assert await get_json(client, f"/locations/{world.location_id}/holidays", admin) == [
        holiday.json()
    ]

    # Retiring it is the way out, and keeps it readable.
    retired = await client.patch(
        f"{API}/locations/{world.location_id}", json={"is_active": False}, headers=admin
    )
    assert retired.status_code == 200
    assert retired.json()["is_active"] is False


async def test_delete_location_with_workplaces_is_409(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("owner")
    resp = await client.delete(f"{API}/locations/{world.location_id}", headers=admin)
    assert resp.status_code == 409
    assert resp.json()["code"] == "location_has_workplaces"
    assert (await get_json(client, f"/locations/{world.location_id}", admin))["name"] == "Mitte"
    assert (await get_json(client, f"/workplaces/{world.workplace_id}", admin))["name"]


async def test_duplicate_location_name_is_409(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    dup = await client.post(f"{API}/locations", json=location_body("Mitte"), headers=admin)
    assert dup.status_code == 409
    assert dup.json()["code"] == "location_name_taken"
    other = (
        await client.post(f"{API}/locations", json=location_body("Wedding"), headers=admin)
    ).json()
    rename = await client.patch(
        f"{API}/locations/{other['id']}", json={"name": "Mitte"}, headers=admin
    )
    assert rename.status_code == 409
    assert rename.json()["code"] == "location_name_taken"
    # Renaming to its own name is not a clash.
    same = await client.patch(
        f"{API}/locations/{other['id']}", json={"name": "Wedding"}, headers=admin
    )
    assert same.status_code == 200
    names = [loc["name"] for loc in (await get_json(client, "/locations", admin))["items"]]
    assert names == ["Mitte", "Wedding"]
