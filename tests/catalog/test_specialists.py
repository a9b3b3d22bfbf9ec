from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.catalog.helpers import API, get_json, location_body, service_body
from tests.factories import World, add_appointment


async def test_specialist_crud(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    resp = await client.post(
        f"{API}/specialists", json={"name": "Dana", "specialization": "colorist"}, headers=admin
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created == {
        "id": created["id"],
        "name": "Dana",
        "specialization": "colorist",
        "is_active": True,
    }
    assert resp.headers["location"] == f"http://test{API}/specialists/{created['id']}"
    assert (
        await get_json(client, f"/specialists/{created['id']}", world.headers("client")) == created
    )
    patch = await client.patch(
        f"{API}/specialists/{created['id']}", json={"is_active": False}, headers=admin
    )
    assert patch.status_code == 200
    assert patch.json() == {**created, "is_active": False}
    assert await get_json(client, f"/specialists/{created['id']}", admin) == patch.json()
    deleted = await client.delete(f"{API}/specialists/{created['id']}", headers=admin)
    assert deleted.status_code == 204
    gone = await client.get(f"{API}/specialists/{created['id']}", headers=admin)
    assert gone.status_code == 404
    assert gone.json()["code"] == "specialist_not_found"


async def test_list_specialists(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    await client.patch(
        f"{API}/specialists/{world.specialist_b}", json={"is_active": False}, headers=admin
    )
    listed = await get_json(client, "/specialists", world.headers("client"))
    assert [s["name"] for s in listed["items"]] == ["Anna", "Ben", "Cem"]
    assert listed["total"] == 3
    active = await get_json(client, "/specialists?active=true", admin)
    assert [s["name"] for s in active["items"]] == ["Anna", "Cem"]
    inactive = await get_json(client, "/specialists?active=false", admin)
    assert [s["id"] for s in inactive["items"]] == [str(world.specialist_b)]
    paged = await get_json(client, "/specialists?limit=1&offset=1", admin)
    assert [s["name"] for s in paged["items"]] == ["Ben"]


async def test_delete_specialist_in_use_or_linked_is_409(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    admin = world.headers("owner")
    await add_appointment(app, world, workers=[world.specialist_c])
    booked = await client.delete(f"{API}/specialists/{world.specialist_c}", headers=admin)
    assert booked.status_code == 409
    assert booked.json()["code"] == "specialist_in_use"
    assert "is_active=false" in booked.json()["message"]
    linked = await client.delete(f"{API}/specialists/{world.specialist_a}", headers=admin)
    assert linked.status_code == 409
    assert linked.json()["code"] == "specialist_linked_to_user"
    for specialist in (world.specialist_a, world.specialist_c):
        assert (await get_json(client, f"/specialists/{specialist}", admin))["is_active"]
        schedule = await get_json(client, f"/specialists/{specialist}/schedules", admin)
        assert len(schedule) == 5  # nothing of theirs went either


async def test_specialist_services(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    base = f"{API}/specialists/{world.specialist_b}/services"
    coloring = (
        await client.post(f"{API}/services", json=service_body("Coloring"), headers=admin)
    ).json()["id"]
    initial = await get_json(
        client, f"/specialists/{world.specialist_b}/services", world.headers("client")
    )
    assert [
        (s["service_id"], s["custom_price"], s["custom_duration_minutes"], s["is_active"])
        for s in initial
    ] == [(str(world.service_id), None, None, True)]

    created = await client.put(
        f"{base}/{coloring}",
        json={"custom_price": "40.10", "custom_duration_minutes": 90},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    link = created.json()
    assert link == {
        "id": link["id"],
        "specialist_id": str(world.specialist_b),
        "service_id": coloring,
        "custom_price": "40.10",
        "custom_duration_minutes": 90,
        "is_active": True,
    }
    replaced = await client.put(
        f"{base}/{world.service_id}", json={"custom_price": "30", "is_active": False}, headers=admin
    )
    assert replaced.status_code == 200
    assert replaced.json()["id"] == initial[0]["id"]
    assert replaced.json()["custom_price"] == "30.00"
    assert replaced.json()["is_active"] is False

    listed = await get_json(client, f"/specialists/{world.specialist_b}/services", admin)
    assert listed == [link, replaced.json()]  # by service name: Coloring, Haircut
    removed = await client.delete(f"{base}/{coloring}", headers=admin)
    assert removed.status_code == 204
    listed = await get_json(client, f"/specialists/{world.specialist_b}/services", admin)
    assert listed == [replaced.json()]
    again = await client.delete(f"{base}/{coloring}", headers=admin)
    assert again.status_code == 404
    assert again.json()["code"] == "specialist_service_not_found"


async def test_replace_schedule(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    path = f"/specialists/{world.specialist_a}/schedules"
    initial = await get_json(client, path, world.headers("client"))
    assert [(e["day_of_week"], e["start_time"], e["end_time"]) for e in initial] == [
        (day, "09:00:00", "18:00:00") for day in range(5)
    ]
    assert initial[0]["location_id"] == str(world.location_id)
    assert initial[0]["workplace_id"] is None

    second = (
        await client.post(f"{API}/locations", json=location_body("Neukölln"), headers=admin)
    ).json()["id"]
    mitte = str(world.location_id)
    schedule = [
        {"location_id": second, "day_of_week": 1, "start_time": "13:00", "end_time": "20:00"},
        {
            "location_id": mitte,
            "workplace_id": str(world.workplace_id),
            "day_of_week": 1,
            "start_time": "08:00",
            "end_time": "12:30",
        },
        {"location_id": mitte, "day_of_week": 6, "is_day_off": True},
    ]
    resp = await client.put(f"{API}{path}", json=schedule, headers=admin)
    assert resp.status_code == 200, resp.text
    expected = [
        {
            "location_id": mitte,
            "workplace_id": str(world.workplace_id),
            "day_of_week": 1,
            "start_time": "08:00:00",
            "end_time": "12:30:00",
            "is_day_off": False,
        },
        {
            "location_id": second,
            "workplace_id": None,
            "day_of_week": 1,
            "start_time": "13:00:00",
            "end_time": "20:00:00",
            "is_day_off": False,
        },
        {
            "location_id": mitte,
            "workplace_id": None,
            "day_of_week": 6,
            "start_time": "00:00:00",
            "end_time": "00:00:00",
            "is_day_off": True,
        },
    ]
    assert resp.json() == expected
    assert await get_json(client, path, admin) == expected
    # A schedule that was read can be sent back as it is.
    assert (await client.put(f"{API}{path}", json=expected, headers=admin)).json() == expected
    # Only this specialist's schedule was replaced.
    assert len(await get_json(client, f"/specialists/{world.specialist_b}/schedules", admin)) == 5

    cleared = await client.put(f"{API}{path}", json=[], headers=admin)
    assert cleared.status_code == 200
    assert cleared.json() == []
    assert await get_json(client, path, admin) == []


async def test_breaks_crud(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    base = f"{API}/specialists/{world.specialist_a}/breaks"
    made = []
    for date, start, end in (
        ("2030-01-08", "12:00", "12:45"),
        ("2030-01-07", "15:00", "15:15"),
        ("2030-01-07", "10:00", "10:30"),
    ):
        resp = await client.post(
            base,
            json={"date": date, "start_time": start, "end_time": end, "reason": "doctor"},
            headers=admin,
        )
        assert resp.status_code == 201, resp.text
        made.append(resp.json())
    assert made[0] == {
        "id": made[0]["id"],
        "specialist_id": str(world.specialist_a),
        "date": "2030-01-08",
        "start_time": "12:00:00",
        "end_time": "12:45:00",
        "reason": "doctor",
    }
    path = f"/specialists/{world.specialist_a}/breaks"
    listed = await get_json(client, path, admin)
    assert [b["id"] for b in listed] == [made[2]["id"], made[1]["id"], made[0]["id"]]
    day = await get_json(client, f"{path}?from=2030-01-07&to=2030-01-07", admin)
    assert [b["id"] for b in day] == [made[2]["id"], made[1]["id"]]
    later = await get_json(client, f"{path}?from=2030-01-08", admin)
    assert [b["id"] for b in later] == [made[0]["id"]]

    patch = await client.patch(
        f"{base}/{made[0]['id']}", json={"end_time": "13:30", "reason": ""}, headers=admin
    )
    assert patch.status_code == 200, patch.text
    assert patch.json() == {**made[0], "end_time": "13:30:00", "reason": ""}
    deleted = await client.delete(f"{base}/{made[1]['id']}", headers=admin)
    assert deleted.status_code == 204
    listed = await get_json(client, path, admin)
    assert listed == [made[2], patch.json()]
    # Another specialist's break id is not found under this specialist.
    other = await client.delete(
        f"{API}/specialists/{world.specialist_b}/breaks/{made[2]['id']}", headers=admin
    )
    assert other.status_code == 404
    assert other.json()["code"] == "break_not_found"
