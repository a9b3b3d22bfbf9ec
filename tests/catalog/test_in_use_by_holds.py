from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.catalog.helpers import API, add_hold, location_body, snapshot
from tests.factories import World


async def test_holds_block_deletes_and_moves(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """A hold refers to its location, workplace, specialist and service just like an
    appointment does, so none of them may go while it exists."""
    admin = world.headers("owner")
    await add_hold(app, world, specialist_id=world.specialist_c, workplace_id=world.workplace_id)
    other = await client.post(f"{API}/locations", json=location_body("Pankow"), headers=admin)
    assert other.status_code == 201
    before = await snapshot(client, world)
    refused = [
        ("DELETE", f"/locations/{world.location_id}", None, "location_in_use"),
        ("DELETE", f"/workplaces/{world.workplace_id}", None, "workplace_in_use"),
        (
            "PATCH",
            f"/workplaces/{world.workplace_id}",
            {"location_id": other.json()["id"]},
            "workplace_in_use",
        ),
        ("DELETE", f"/services/{world.service_id}", None, "service_in_use"),
        ("DELETE", f"/specialists/{world.specialist_c}", None, "specialist_in_use"),
    ]
    for method, path, body, code in refused:
        resp = await client.request(method, f"{API}{path}", json=body, headers=admin)
        assert resp.status_code == 409, (path, resp.text)
        assert resp.json()["code"] == code, path
    assert await snapshot(client, world) == before
