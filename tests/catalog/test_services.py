from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.catalog.helpers import API, get_json, service_body
from tests.factories import World, add_appointment


async def test_service_crud(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    resp = await client.post(
        f"{API}/services",
        json=service_body(
            description="Neat and quick", buffer_before_minutes=5, buffer_after_minutes=10
        ),
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created == {
        "id": created["id"],
        "name": "Beard trim",
        "description": "Neat and quick",
        "duration_minutes": 20,
        "break_after_minutes": 5,
        "buffer_before_minutes": 5,
        "buffer_after_minutes": 10,
        "price": "15.50",
        "currency": "EUR",
        "is_active": True,
    }
    assert resp.headers["location"] == f"http://test{API}/services/{created['id']}"
    assert await get_json(client, f"/services/{created['id']}", world.headers("client")) == created

    patch = await client.patch(
        f"{API}/services/{created['id']}",
        json={"price": 18, "currency": "CHF", "duration_minutes": 25, "buffer_after_minutes": 0},
        headers=admin,
    )
    assert patch.status_code == 200, patch.text
    assert patch.json() == {
        **created,
        "price": "18.00",
        "currency": "CHF",
        "duration_minutes": 25,
        "buffer_after_minutes": 0,
    }
    assert await get_json(client, f"/services/{created['id']}", admin) == patch.json()

    deleted = await client.delete(f"{API}/services/{created['id']}", headers=admin)
    assert deleted.status_code == 204
    gone = await client.get(f"{API}/services/{created['id']}", headers=admin)
    assert gone.status_code == 404
    assert gone.json()["code"] == "service_not_found"


async def test_service_defaults_and_exact_money(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    resp = await client.post(
        f"{API}/services",
        json={"name": "Wash", "duration_minutes": 1440, "price": "9999999999.99"},
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["price"] == "9999999999.99"  # the largest numeric(12,2), kept exactly
    assert body["break_after_minutes"] == 0
    assert body["buffer_before_minutes"] == body["buffer_after_minutes"] == 0
    assert body["currency"] == "EUR"
    assert body["description"] == ""
    assert body["is_active"] is True
    assert await get_json(client, f"/services/{body['id']}", admin) == body


async def test_list_services(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    for name, active in (("Shave", False), ("Beard trim", True)):
        assert (
            await client.post(
                f"{API}/services", json=service_body(name, is_active=active), headers=admin
            )
        ).status_code == 201
    listed = await get_json(client, "/services", world.headers("client"))
    assert [s["name"] for s in listed["items"]] == ["Beard trim", "Haircut", "Shave"]
    assert listed["total"] == 3
    assert listed["items"][1]["price"] == "25.00"
    active = await get_json(client, "/services?active=true", admin)
    assert [s["name"] for s in active["items"]] == ["Beard trim", "Haircut"]
    inactive = await get_json(client, "/services?active=false&limit=1", admin)
    assert [s["name"] for s in inactive["items"]] == ["Shave"]
    assert inactive["total"] == 1


async def test_duplicate_service_name_is_409(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    resp = await client.post(f"{API}/services", json=service_body("Haircut"), headers=admin)
    assert resp.status_code == 409
    assert resp.json()["code"] == "service_name_taken"
    assert (await get_json(client, "/services", admin))["total"] == 1


async def test_delete_service_in_use_is_409(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    admin = world.headers("owner")
    await add_appointment(app, world, workers=[world.specialist_a])
    before = await get_json(client, f"/services/{world.service_id}", admin)
    resp = await client.delete(f"{API}/services/{world.service_id}", headers=admin)
    assert resp.status_code == 409
    assert resp.json()["code"] == "service_in_use"
    assert "is_active=false" in resp.json()["message"]
    assert await get_json(client, f"/services/{world.service_id}", admin) == before
    # The specialists' links to it are untouched too.
    links = await get_json(client, f"/specialists/{world.specialist_a}/services", admin)
    assert [link["service_id"] for link in links] == [str(world.service_id)]


async def test_delete_service_cascades_its_links(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    assert (
        await client.put(
            f"{API}/workplaces/{world.workplace_id}/services/{world.service_id}", headers=admin
        )
    ).status_code == 201
    resp = await client.delete(f"{API}/services/{world.service_id}", headers=admin)
    assert resp.status_code == 204
    assert await get_json(client, f"/specialists/{world.specialist_a}/services", admin) == []
    assert await get_json(client, f"/workplaces/{world.workplace_id}/services", admin) == []
