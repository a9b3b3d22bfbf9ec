from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.catalog.helpers import API, get_json, location_body, service_body, snapshot
from tests.factories import World


async def _sub_resources(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    """A holiday, an override and a break, so that their writes can be tried too."""
    admin = world.headers("owner")
    holiday = await client.post(
        f"{API}/locations/{world.location_id}/holidays", json={"date": "2030-12-24"}, headers=admin
    )
    override = await client.put(
        f"{API}/workplaces/{world.workplace_id}/services/{world.service_id}",
        json={"price": "30.00"},
        headers=admin,
    )
    brk = await client.post(
        f"{API}/specialists/{world.specialist_a}/breaks",
        json={
            "date": "2030-01-07",
            "start_time": "12:00",
            "end_time": "13:00",
            "reason": "dentist",
        },
        headers=admin,
    )
    assert holiday.status_code == override.status_code == brk.status_code == 201
    return {"holiday": holiday.json()["id"], "break": brk.json()["id"]}


def _writes(world: World, ids: dict[str, str]) -> list[tuple[str, str, Any]]:
    loc, wp, svc = world.location_id, world.workplace_id, world.service_id
    spec = world.specialist_a  # the worker's own specialist: still not theirs to edit
    hours = [{"day_of_week": 0, "start_time": "10:00", "end_time": "11:00"}]
    schedule = [
        {"location_id": str(loc), "day_of_week": 0, "start_time": "10:00", "end_time": "11:00"}
    ]
    return [
        ("POST", "/locations", location_body()),
        ("PATCH", f"/locations/{loc}", {"name": "Renamed"}),
        ("DELETE", f"/locations/{loc}", None),
        ("PUT", f"/locations/{loc}/hours", hours),
        ("POST", f"/locations/{loc}/holidays", {"date": "2030-12-31"}),
        ("PATCH", f"/locations/{loc}/holidays/{ids['holiday']}", {"description": "x"}),
        ("DELETE", f"/locations/{loc}/holidays/{ids['holiday']}", None),
        ("POST", "/workplaces", {"location_id": str(loc), "name": "Chair 9"}),
        ("PATCH", f"/workplaces/{wp}", {"name": "Renamed"}),
        ("DELETE", f"/workplaces/{wp}", None),
        ("PUT", f"/workplaces/{wp}/services/{svc}", {"price": "1.00"}),
        ("DELETE", f"/workplaces/{wp}/services/{svc}", None),
        ("POST", "/services", service_body()),
        ("PATCH", f"/services/{svc}", {"price": "1.00"}),
        ("DELETE", f"/services/{svc}", None),
        ("POST", "/specialists", {"name": "Eve"}),
        ("PATCH", f"/specialists/{spec}", {"name": "Renamed"}),
        ("DELETE", f"/specialists/{world.specialist_c}", None),
        ("PUT", f"/specialists/{spec}/services/{svc}", {"custom_price": "1.00"}),
        ("DELETE", f"/specialists/{spec}/services/{svc}", None),
        ("PUT", f"/specialists/{spec}/schedules", schedule),
        (
            "POST",
            f"/specialists/{spec}/breaks",
            {"date": "2030-01-08", "start_time": "09:00", "end_time": "10:00"},
        ),
        ("PATCH", f"/specialists/{spec}/breaks/{ids['break']}", {"reason": "x"}),
        ("DELETE", f"/specialists/{spec}/breaks/{ids['break']}", None),
    ]


@pytest.mark.parametrize("role", ["worker", "client"])
async def test_writes_are_for_admins_only(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    ids = await _sub_resources(client, world)
    before = await snapshot(client, world)
    for method, path, body in _writes(world, ids):
        resp = await client.request(method, f"{API}{path}", json=body, headers=world.headers(role))
        assert resp.status_code == 403, (method, path, resp.text)
        assert resp.json()["code"] == "forbidden", (method, path)
    assert await snapshot(client, world) == before


@pytest.mark.parametrize("role", ["worker", "client"])
async def test_reads_are_open_to_every_role(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    await _sub_resources(client, world)
    headers = world.headers(role)
    as_owner = await snapshot(client, world)
    for path, expected in as_owner.items():
        if path.endswith("/breaks"):
            continue
        if path.startswith(("locations", "workplaces", "services", "specialists")):
            path = f"/{path}?limit=500"
        assert await get_json(client, path, headers) == expected, path
    single = [
        f"/locations/{world.location_id}",
        f"/workplaces/{world.workplace_id}",
        f"/services/{world.service_id}",
        f"/specialists/{world.specialist_b}",
    ]
    for path in single:
        assert (await get_json(client, path, headers))["id"] in path


async def test_breaks_visibility(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("owner")
    for spec, reason in ((world.specialist_a, "dentist"), (world.specialist_b, "school run")):
        resp = await client.post(
            f"{API}/specialists/{spec}/breaks",
            json={
                "date": "2030-01-07",
                "start_time": "12:00",
                "end_time": "13:00",
                "reason": reason,
            },
            headers=admin,
        )
        assert resp.status_code == 201
    path_a = f"/specialists/{world.specialist_a}/breaks"
    path_b = f"/specialists/{world.specialist_b}/breaks"

    for role in ("owner", "director", "manager"):
        assert [b["reason"] for b in await get_json(client, path_a, world.headers(role))] == [
            "dentist"
        ]
        assert [b["reason"] for b in await get_json(client, path_b, world.headers(role))] == [
            "school run"
        ]
    own = await get_json(client, path_a, world.headers("worker"))
    assert [b["reason"] for b in own] == ["dentist"]
    own_b = await get_json(client, path_b, world.headers("worker_b"))
    assert [b["reason"] for b in own_b] == ["school run"]

    others = await client.get(f"{API}{path_b}", headers=world.headers("worker"))
    assert others.status_code == 403
    assert others.json()["code"] == "forbidden"
    assert "school run" not in others.text
    unlinked = await client.get(
        f"{API}/specialists/{world.specialist_c}/breaks", headers=world.headers("worker")
    )
    assert unlinked.status_code == 403
    for path in (path_a, path_b):
        as_client = await client.get(f"{API}{path}", headers=world.headers("client"))
        assert as_client.status_code == 403
        assert as_client.json()["code"] == "forbidden"


async def test_every_admin_role_may_write(client: httpx.AsyncClient, world: World) -> None:
    for role in ("owner", "director", "manager"):
        resp = await client.post(
            f"{API}/specialists", json={"name": f"By {role}"}, headers=world.headers(role)
        )
        assert resp.status_code == 201, (role, resp.text)
    names = [
        s["name"] for s in (await get_json(client, "/specialists", world.headers("owner")))["items"]
    ]
    assert names == ["Anna", "Ben", "By director", "By manager", "By owner", "Cem"]


async def test_anonymous_is_401(client: httpx.AsyncClient, world: World) -> None:
    for path in ("/locations", f"/services/{world.service_id}", "/specialists"):
        resp = await client.get(f"{API}{path}")
        assert resp.status_code == 401
        assert resp.json()["code"] == "not_authenticated"
    resp = await client.post(f"{API}/services", json=service_body())
    assert resp.status_code == 401
