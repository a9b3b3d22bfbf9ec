from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from tests.appointments.helpers import API, count_rows, created, patch, read
from tests.factories import World, add_appointment


async def _delete(
    client: httpx.AsyncClient,
    world: World,
    appointment_id: object,
    role: str = "manager",
    if_match: str | None = None,
) -> httpx.Response:
    headers = world.headers(role)
    if if_match is not None:
        headers["If-Match"] = if_match
    return await client.delete(f"{API}/appointments/{appointment_id}", headers=headers)


async def test_delete_cascades_to_workers_and_services(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    keep = await add_appointment(app, world, workers=[world.specialist_a])
    gone = await created(
        client, world, worker_ids=[str(world.specialist_a), str(world.specialist_b)]
    )
    assert await count_rows(app, world.firm_id) == (2, 3, 2)
    resp = await _delete(client, world, gone["id"])
    assert resp.status_code == 204
    assert resp.content == b""
    assert (await read(client, world, gone["id"])).status_code == 404
    assert await count_rows(app, world.firm_id) == (1, 1, 1)
    assert (await read(client, world, keep)).status_code == 200
    again = await _delete(client, world, gone["id"])
    assert again.status_code == 404


async def test_delete_honours_if_match(client: httpx.AsyncClient, world: World) -> None:
    appt = await created(client, world)
    await patch(client, world, appt["id"], {"notes": "changed"}, if_match='"1"')
    stale = await _delete(client, world, appt["id"], if_match='"1"')
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_mismatch"
    assert (await read(client, world, appt["id"])).status_code == 200
    assert (await _delete(client, world, appt["id"], if_match='"2"')).status_code == 204


async def test_delete_referenced_by_wallet_is_refused(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appt = await created(client, world, client_id=str(world.client_id))
    paid = await client.post(
        f"{API}/clients/{world.client_id}/wallet/transactions",
        headers=world.headers("manager"),
        json={"amount": "25.00", "appointment_id": appt["id"]},
    )
    assert paid.status_code == 201
    resp = await _delete(client, world, appt["id"])
    assert resp.status_code == 409
    assert resp.json()["code"] == "appointment_referenced"
    assert "cancel" in resp.json()["message"]
    still = await read(client, world, appt["id"])
    assert still.status_code == 200
    assert [w["name"] for w in still.json()["workers"]] == ["Anna"]
    assert await count_rows(app, world.firm_id) == (1, 1, 1)
    # The way out: cancel it, and the money history stays attached.
    cancelled = await patch(client, world, appt["id"], {"status": "cancelled"}, if_match='"1"')
    assert cancelled.json()["status"] == "cancelled"
    wallet = (
        await client.get(
            f"{API}/clients/{world.client_id}/wallet", headers=world.headers("manager")
        )
    ).json()
    assert wallet["transactions"][0]["appointment_id"] == appt["id"]


async def test_only_staff_delete(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    appt = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id
    )
    for role in ("worker", "client"):
        resp = await _delete(client, world, appt, role)
        assert resp.status_code == 403
    assert (await _delete(client, world, uuid.uuid4())).status_code == 404
    assert await count_rows(app, world.firm_id) == (1, 1, 1)
    assert (await _delete(client, world, appt, "owner")).status_code == 204
