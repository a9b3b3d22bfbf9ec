"""Firm B's admin presenting firm A's ids gets 404, exactly as for ids that do not exist,
and firm A's catalog stays as it was."""

from __future__ import annotations

from typing import Any

import httpx

from tests.catalog.helpers import API, get_json, snapshot
from tests.factories import World


async def _firm_a_extras(client: httpx.AsyncClient, a: World) -> dict[str, str]:
    admin = a.headers("owner")
    holiday = await client.post(
        f"{API}/locations/{a.location_id}/holidays", json={"date": "2030-12-24"}, headers=admin
    )
    override = await client.put(
        f"{API}/workplaces/{a.workplace_id}/services/{a.service_id}",
        json={"price": "30.00"},
        headers=admin,
    )
    brk = await client.post(
        f"{API}/specialists/{a.specialist_a}/breaks",
        json={
            "date": "2030-01-07",
            "start_time": "12:00",
            "end_time": "13:00",
            "reason": "private",
        },
        headers=admin,
    )
    assert holiday.status_code == override.status_code == brk.status_code == 201
    return {"holiday": holiday.json()["id"], "break": brk.json()["id"]}


def _requests(a: World, b: World, ids: dict[str, str]) -> list[tuple[str, str, Any, str]]:
    loc, wp, svc, spec = a.location_id, a.workplace_id, a.service_id, a.specialist_a
    hol, brk = ids["holiday"], ids["break"]
    week = [{"day_of_week": 0, "start_time": "10:00", "end_time": "11:00"}]
    a_schedule = [
        {"location_id": str(loc), "day_of_week": 0, "start_time": "10:00", "end_time": "11:00"}
    ]
    b_schedule_a_workplace = [
        {
            "location_id": str(b.location_id),
            "workplace_id": str(wp),
            "day_of_week": 0,
            "start_time": "10:00",
            "end_time": "11:00",
        }
    ]
    a_break = {"date": "2030-01-09", "start_time": "09:00", "end_time": "10:00"}
    return [
        ("GET", f"/locations/{loc}", None, "location_not_found"),
        ("PATCH", f"/locations/{loc}", {"name": "Stolen"}, "location_not_found"),
        ("DELETE", f"/locations/{loc}", None, "location_not_found"),
        ("GET", f"/locations/{loc}/hours", None, "location_not_found"),
        ("PUT", f"/locations/{loc}/hours", week, "location_not_found"),
        ("GET", f"/locations/{loc}/holidays", None, "location_not_found"),
        ("POST", f"/locations/{loc}/holidays", {"date": "2030-12-31"}, "location_not_found"),
        ("PATCH", f"/locations/{loc}/holidays/{hol}", {"description": "x"}, "location_not_found"),
        ("DELETE", f"/locations/{loc}/holidays/{hol}", None, "location_not_found"),
        # A's holiday id under B's own location
        (
            "PATCH",
            f"/locations/{b.location_id}/holidays/{hol}",
            {"description": "x"},
            "holiday_not_found",
        ),
        ("DELETE", f"/locations/{b.location_id}/holidays/{hol}", None, "holiday_not_found"),
        ("GET", f"/workplaces?location_id={loc}", None, "location_not_found"),
        ("POST", "/workplaces", {"location_id": str(loc), "name": "Mine"}, "location_not_found"),
        ("GET", f"/workplaces/{wp}", None, "workplace_not_found"),
        ("PATCH", f"/workplaces/{wp}", {"name": "Stolen"}, "workplace_not_found"),
        ("PATCH", f"/workplaces/{b.workplace_id}", {"location_id": str(loc)}, "location_not_found"),
        ("DELETE", f"/workplaces/{wp}", None, "workplace_not_found"),
        ("GET", f"/workplaces/{wp}/services", None, "workplace_not_found"),
        ("PUT", f"/workplaces/{wp}/services/{svc}", {}, "workplace_not_found"),
        ("PUT", f"/workplaces/{b.workplace_id}/services/{svc}", {}, "service_not_found"),
        ("DELETE", f"/workplaces/{wp}/services/{svc}", None, "workplace_not_found"),
        ("GET", f"/services/{svc}", None, "service_not_found"),
        ("PATCH", f"/services/{svc}", {"price": "0.01"}, "service_not_found"),
        ("DELETE", f"/services/{svc}", None, "service_not_found"),
        ("GET", f"/specialists/{spec}", None, "specialist_not_found"),
        ("PATCH", f"/specialists/{spec}", {"name": "Stolen"}, "specialist_not_found"),
        ("DELETE", f"/specialists/{a.specialist_c}", None, "specialist_not_found"),
        ("GET", f"/specialists/{spec}/services", None, "specialist_not_found"),
        ("PUT", f"/specialists/{spec}/services/{svc}", {}, "specialist_not_found"),
        ("PUT", f"/specialists/{b.specialist_a}/services/{svc}", {}, "service_not_found"),
        ("DELETE", f"/specialists/{spec}/services/{svc}", None, "specialist_not_found"),
        ("GET", f"/specialists/{spec}/schedules", None, "specialist_not_found"),
        ("PUT", f"/specialists/{spec}/schedules", [], "specialist_not_found"),
        ("PUT", f"/specialists/{b.specialist_a}/schedules", a_schedule, "location_not_found"),
        (
            "PUT",
            f"/specialists/{b.specialist_a}/schedules",
            b_schedule_a_workplace,
            "workplace_not_found",
        ),
        ("GET", f"/specialists/{spec}/breaks", None, "specialist_not_found"),
        ("POST", f"/specialists/{spec}/breaks", a_break, "specialist_not_found"),
        ("PATCH", f"/specialists/{spec}/breaks/{brk}", {"reason": "x"}, "specialist_not_found"),
        ("DELETE", f"/specialists/{spec}/breaks/{brk}", None, "specialist_not_found"),
        # A's break id under B's own specialist
        (
            "PATCH",
            f"/specialists/{b.specialist_a}/breaks/{brk}",
            {"reason": "x"},
            "break_not_found",
        ),
        ("DELETE", f"/specialists/{b.specialist_a}/breaks/{brk}", None, "break_not_found"),
    ]


async def test_other_firms_ids_are_404(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    ids = await _firm_a_extras(client, world)
    a_before = await snapshot(client, world)
    b_before = await snapshot(client, other_world)
    for method, path, body, code in _requests(world, other_world, ids):
        resp = await client.request(
            method, f"{API}{path}", json=body, headers=other_world.headers("owner")
        )
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["code"] == code, (method, path, resp.json())
        assert "private" not in resp.text
    assert await snapshot(client, world) == a_before
    assert await snapshot(client, other_world) == b_before


async def test_lists_show_only_own_firm(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    headers = other_world.headers("client")
    a_ids = {
        str(world.location_id),
        str(world.workplace_id),
        str(world.service_id),
        str(world.specialist_a),
        str(world.specialist_b),
        str(world.specialist_c),
    }
    seen: set[str] = set()
    for collection in ("locations", "workplaces", "services", "specialists"):
        page = await get_json(client, f"/{collection}", headers)
        seen |= {item["id"] for item in page["items"]}
    assert seen.isdisjoint(a_ids)
    assert str(other_world.location_id) in seen
    assert len(seen) == 6  # B's own: one location, workplace and service, three specialists
