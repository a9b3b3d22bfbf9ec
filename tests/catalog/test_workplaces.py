from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.catalog.helpers import (
    API,
    get_json,
    location_body,
    service_body,
    set_appointment_workplace,
)
from tests.factories import World, add_appointment


async def _second_location(client: httpx.AsyncClient, world: World) -> str:
    resp = await client.post(
        f"{API}/locations", json=location_body("Prenzlauer Berg"), headers=world.headers("owner")
    )
    assert resp.status_code == 201
    location_id: str = resp.json()["id"]
    return location_id


async def test_workplace_crud(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("director")
    resp = await client.post(
        f"{API}/workplaces",
        json={"location_id": str(world.location_id), "name": "Chair 2", "type": "chair"},
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created == {
        "id": created["id"],
        "location_id": str(world.location_id),
        "name": "Chair 2",
        "type": "chair",
        "is_active": True,
    }
    assert resp.headers["location"] == f"http://test{API}/workplaces/{created['id']}"
    assert (
        await get_json(client, f"/workplaces/{created['id']}", world.headers("client")) == created
    )

    patch = await client.patch(
        f"{API}/workplaces/{created['id']}",
        json={"name": "Chair Two", "is_active": False},
        headers=admin,
    )
    assert patch.status_code == 200, patch.text
    assert patch.json() == {**created, "name": "Chair Two", "is_active": False}
    assert await get_json(client, f"/workplaces/{created['id']}", admin) == patch.json()

    deleted = await client.delete(f"{API}/workplaces/{created['id']}", headers=admin)
    assert deleted.status_code == 204
    gone = await client.get(f"{API}/workplaces/{created['id']}", headers=admin)
    assert gone.status_code == 404
    assert gone.json()["code"] == "workplace_not_found"


async def test_list_workplaces_filters(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    other = await _second_location(client, world)
    for location_id, name, active in (
        (other, "Room A", True),
        (str(world.location_id), "Basin", False),
    ):
        resp = await client.post(
            f"{API}/workplaces",
            json={"location_id": location_id, "name": name, "is_active": active},
            headers=admin,
        )
        assert resp.status_code == 201
    everything = await get_json(client, "/workplaces", world.headers("worker"))
    assert [w["name"] for w in everything["items"]] == ["Basin", "Chair 1", "Room A"]
    assert everything["total"] == 3
    at_mitte = await get_json(client, f"/workplaces?location_id={world.location_id}", admin)
    assert [w["name"] for w in at_mitte["items"]] == ["Basin", "Chair 1"]
    active_at_mitte = await get_json(
        client, f"/workplaces?location_id={world.location_id}&active=true", admin
    )
    assert [w["name"] for w in active_at_mitte["items"]] == ["Chair 1"]
    paged = await get_json(client, "/workplaces?limit=1&offset=2", admin)
    assert [w["name"] for w in paged["items"]] == ["Room A"]
    assert paged["total"] == 3 and paged["limit"] == 1 and paged["offset"] == 2


async def test_move_workplace_to_another_location(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    other = await _second_location(client, world)
    resp = await client.patch(
        f"{API}/workplaces/{world.workplace_id}", json={"location_id": other}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["location_id"] == other
    assert (await get_json(client, f"/workplaces/{world.workplace_id}", admin))[
        "location_id"
    ] == other


async def test_move_workplace_with_appointments_is_409(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    admin = world.headers("owner")
    other = await _second_location(client, world)
    appointment = await add_appointment(app, world, workers=[world.specialist_a])
    await set_appointment_workplace(app, appointment, world.workplace_id)
    resp = await client.patch(
        f"{API}/workplaces/{world.workplace_id}",
        json={"location_id": other, "name": "Moved"},
        headers=admin,
    )
    assert resp.status_code == 409
    assert resp.json()["code"] == "workplace_in_use"
    after = await get_json(client, f"/workplaces/{world.workplace_id}", admin)
    assert after["location_id"] == str(world.location_id)
    assert after["name"] == "Chair 1"
    # Other fields may still change, and "moving" to the same location is no move.
    rename = await client.patch(
        f"{API}/workplaces/{world.workplace_id}",
        json={"name": "Chair A", "location_id": str(world.location_id)},
        headers=admin,
    )
    assert rename.status_code == 200
    assert rename.json()["name"] == "Chair A"


async def test_move_scheduled_workplace_is_409(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    other = await _second_location(client, world)
    schedule = [
        {
            "location_id": str(world.location_id),
            "workplace_id": str(world.workplace_id),
            "day_of_week": 0,
            "start_time": "09:00",
            "end_time": "17:00",
        }
    ]
    assert (
        await client.put(
            f"{API}/specialists/{world.specialist_a}/schedules", json=schedule, headers=admin
        )
    ).status_code == 200
    resp = await client.patch(
        f"{API}/workplaces/{world.workplace_id}", json={"location_id": other}, headers=admin
    )
    assert resp.status_code == 409
    assert resp.json()["code"] == "workplace_scheduled"
    assert (await get_json(client, f"/workplaces/{world.workplace_id}", admin))[
        "location_id"
    ] == str(world.location_id)


async def test_workplace_name_is_unique_per_location(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("owner")
    dup = await client.post(
        f"{API}/workplaces",
        json={"location_id": str(world.location_id), "name": "Chair 1"},
        headers=admin,
    )
    assert dup.status_code == 409
    assert dup.json()["code"] == "workplace_name_taken"
    other = await _second_location(client, world)
    elsewhere = await client.post(
        f"{API}/workplaces", json={"location_id": other, "name": "Chair 1"}, headers=admin
    )
    assert elsewhere.status_code == 201
    # Moving it next to its namesake clashes.
    move = await client.patch(
        f"{API}/workplaces/{elsewhere.json()['id']}",
        json={"location_id": str(world.location_id)},
        headers=admin,
    )
    assert move.status_code == 409
    assert move.json()["code"] == "workplace_name_taken"
    listed = await get_json(client, f"/workplaces?location_id={world.location_id}", admin)
    assert [w["id"] for w in listed["items"]] == [str(world.workplace_id)]


async def test_delete_workplace_in_use_is_409(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    admin = world.headers("owner")
    appointment = await add_appointment(app, world, workers=[world.specialist_a])
    await set_appointment_workplace(app, appointment, world.workplace_id)
    put = await client.put(
        f"{API}/workplaces/{world.workplace_id}/services/{world.service_id}",
        json={"price": "30.00"},
        headers=admin,
    )
    assert put.status_code == 201
    before = await get_json(client, f"/workplaces/{world.workplace_id}", admin)

    resp = await client.delete(f"{API}/workplaces/{world.workplace_id}", headers=admin)
    assert resp.status_code == 409
    assert resp.json()["code"] == "workplace_in_use"
    assert await get_json(client, f"/workplaces/{world.workplace_id}", admin) == before
    assert await get_json(client, f"/workplaces/{world.workplace_id}/services", admin) == [
        put.json()
    ]


async def test_delete_workplace_cascades_overrides_and_schedule_entries(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("owner")
    base = f"{API}/workplaces/{world.workplace_id}/services/{world.service_id}"
    assert (await client.put(base, json={}, headers=admin)).status_code == 201
    schedule = [
        {
            "location_id": str(world.location_id),
            "workplace_id": str(world.workplace_id),
            "day_of_week": 0,
            "start_time": "09:00",
            "end_time": "12:00",
        },
        {
            "location_id": str(world.location_id),
            "day_of_week": 0,
            "start_time": "13:00",
            "end_time": "17:00",
        },
    ]
    assert (
        await client.put(
            f"{API}/specialists/{world.specialist_a}/schedules", json=schedule, headers=admin
        )
    ).status_code == 200
    resp = await client.delete(f"{API}/workplaces/{world.workplace_id}", headers=admin)
    assert resp.status_code == 204
    left = await get_json(client, f"/specialists/{world.specialist_a}/schedules", admin)
    assert [(e["start_time"], e["workplace_id"]) for e in left] == [("13:00:00", None)]
    gone = await client.get(f"{API}/workplaces/{world.workplace_id}/services", headers=admin)
    assert gone.status_code == 404


async def test_workplace_service_overrides(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("manager")
    extra = await client.post(f"{API}/services", json=service_body("Coloring"), headers=admin)
    assert extra.status_code == 201
    coloring = extra.json()["id"]
    base = f"{API}/workplaces/{world.workplace_id}/services"
    assert await get_json(client, f"/workplaces/{world.workplace_id}/services", admin) == []

    created = await client.put(
        f"{base}/{world.service_id}",
        json={"price": "27.50", "duration_minutes": 45, "break_after_minutes": 0},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    haircut = created.json()
    assert haircut == {
        "id": haircut["id"],
        "workplace_id": str(world.workplace_id),
        "service_id": str(world.service_id),
        "price": "27.50",
        "duration_minutes": 45,
        "break_after_minutes": 0,
        "is_active": True,
    }
    # No body at all: the workplace offers the service on the service's own terms.
    plain = await client.put(f"{base}/{coloring}", headers=admin)
    assert plain.status_code == 201, plain.text
    assert plain.json()["price"] is None
    assert plain.json()["duration_minutes"] is None

    listed = await get_json(
        client, f"/workplaces/{world.workplace_id}/services", world.headers("client")
    )
    assert [o["service_id"] for o in listed] == [coloring, str(world.service_id)]  # by name

    # PUT replaces the whole override: omitted fields go back to the service's values.
    replaced = await client.put(
        f"{base}/{world.service_id}", json={"price": "20", "is_active": False}, headers=admin
    )
    assert replaced.status_code == 200
    assert replaced.json() == {
        **haircut,
        "price": "20.00",
        "duration_minutes": None,
        "break_after_minutes": None,
        "is_active": False,
    }
    listed = await get_json(client, f"/workplaces/{world.workplace_id}/services", admin)
    assert listed == [plain.json(), replaced.json()]

    removed = await client.delete(f"{base}/{world.service_id}", headers=admin)
    assert removed.status_code == 204
    listed = await get_json(client, f"/workplaces/{world.workplace_id}/services", admin)
    assert listed == [plain.json()]
    again = await client.delete(f"{base}/{world.service_id}", headers=admin)
    assert again.status_code == 404
    assert again.json()["code"] == "override_not_found"
