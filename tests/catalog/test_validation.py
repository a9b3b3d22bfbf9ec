"""Bad input is refused with a clear status and code, and nothing is written: every case
compares a full read of the firm's catalog before and after."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.catalog.helpers import API, location_body, service_body, snapshot
from tests.factories import World, make_world

HUGE = "x" * 10_000
MISSING = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # formatted with the ids of ``_ids``
    body: Any
    status: int = 422
    code: str = "validation_error"
    field: str | None = None  # a field named in the validation error's details


def _week(*entries: tuple[int, str, str]) -> list[dict[str, Any]]:
    return [{"day_of_week": d, "start_time": s, "end_time": e} for d, s, e in entries]


def _sched(*entries: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"location_id": "{loc}", "day_of_week": 0, "start_time": "09:00", "end_time": "12:00"}
    return [{**base, **entry} for entry in entries]


BREAK = {"date": "2030-01-07", "start_time": "12:00", "end_time": "13:00"}
TOO_MANY = [
    {"day_of_week": i % 7, "start_time": f"{i // 7:02d}:00", "end_time": f"{i // 7:02d}:30"}
    for i in range(201)
]

CASES: dict[str, Case] = {
    # locations
    "location missing name": Case(
        "POST", "/locations", {"time_zone": "Europe/Berlin"}, field="name"
    ),
    "location huge name": Case("POST", "/locations", location_body(HUGE), field="name"),
    "location blank name": Case("POST", "/locations", location_body("   "), field="name"),
    "location huge address": Case(
        "POST", "/locations", location_body(address=HUGE), field="address"
    ),
    "location unknown zone": Case(
        "POST", "/locations", location_body(time_zone="Mars/Olympus"), field="time_zone"
    ),
    "location server zone": Case(
        "POST", "/locations", location_body(time_zone="localtime"), field="time_zone"
    ),
    "location zero capacity": Case(
        "POST", "/locations", location_body(capacity=0), field="capacity"
    ),
    "location capacity type": Case(
        "POST", "/locations", location_body(capacity="many"), field="capacity"
    ),
    "location extra field": Case("POST", "/locations", location_body(colour="red"), field="colour"),
    "location not an object": Case("POST", "/locations", [location_body()]),
    "location hours day 7": Case(
        "POST", "/locations", location_body(hours=_week((7, "09:00", "10:00"))), field="day_of_week"
    ),
    "location hours end first": Case(
        "POST", "/locations", location_body(hours=_week((0, "18:00", "09:00")))
    ),
    "location hours overlap": Case(
        "POST",
        "/locations",
        location_body(hours=_week((0, "09:00", "13:00"), (0, "12:00", "18:00"))),
        code="overlapping_hours",
    ),
    "location duplicate name": Case(
        "POST", "/locations", location_body("Mitte"), status=409, code="location_name_taken"
    ),
    "location patch null name": Case("PATCH", "/locations/{loc}", {"name": None}, field="name"),
    "location patch bad zone": Case(
        "PATCH", "/locations/{loc}", {"time_zone": "Europe/Atlantis"}, field="time_zone"
    ),
    "location patch hours": Case("PATCH", "/locations/{loc}", {"hours": []}, field="hours"),
    "location patch bool type": Case(
        "PATCH", "/locations/{loc}", {"is_active": "perhaps"}, field="is_active"
    ),
    "location patch unknown": Case(
        "PATCH", f"/locations/{MISSING}", {"name": "X"}, status=404, code="location_not_found"
    ),
    "location delete unknown": Case(
        "DELETE", f"/locations/{MISSING}", None, status=404, code="location_not_found"
    ),
    "location bad id": Case("GET", "/locations/123", None, field="location_id"),
    "location page limit 0": Case("GET", "/locations?limit=0", None, field="limit"),
    "location page limit 501": Case("GET", "/locations?limit=501", None, field="limit"),
    "location page offset": Case("GET", "/locations?offset=-1", None, field="offset"),
    "location active type": Case("GET", "/locations?active=perhaps", None, field="active"),
    # weekly hours
    "hours not a list": Case("PUT", "/locations/{loc}/hours", {"day_of_week": 0}),
    "hours day 7": Case(
        "PUT", "/locations/{loc}/hours", _week((7, "09:00", "10:00")), field="day_of_week"
    ),
    "hours day -1": Case(
        "PUT", "/locations/{loc}/hours", _week((-1, "09:00", "10:00")), field="day_of_week"
    ),
    "hours end before start": Case("PUT", "/locations/{loc}/hours", _week((0, "18:00", "09:00"))),
    "hours empty interval": Case("PUT", "/locations/{loc}/hours", _week((0, "09:00", "09:00"))),
    "hours missing times": Case("PUT", "/locations/{loc}/hours", [{"day_of_week": 0}]),
    "hours bad time": Case(
        "PUT", "/locations/{loc}/hours", _week((0, "25:00", "26:00")), field="start_time"
    ),
    "hours time type": Case(
        "PUT", "/locations/{loc}/hours", _week((0, "nine", "ten")), field="start_time"
    ),
    "hours utc offset": Case(
        "PUT",
        "/locations/{loc}/hours",
        _week((0, "09:00+02:00", "10:00+02:00")),
        field="start_time",
    ),
    "hours overlap": Case(
        "PUT",
        "/locations/{loc}/hours",
        _week((2, "09:00", "12:00"), (2, "08:00", "09:30")),
        code="overlapping_hours",
    ),
    "hours same start": Case(
        "PUT",
        "/locations/{loc}/hours",
        _week((2, "09:00", "12:00"), (2, "09:00", "10:00")),
        code="overlapping_hours",
    ),
    "hours day off and open": Case(
        "PUT",
        "/locations/{loc}/hours",
        [{"day_of_week": 3, "is_day_off": True}, *_week((3, "09:00", "12:00"))],
        code="overlapping_hours",
    ),
    "hours too many": Case("PUT", "/locations/{loc}/hours", TOO_MANY),
    "hours extra field": Case(
        "PUT",
        "/locations/{loc}/hours",
        [{**_week((0, "09:00", "10:00"))[0], "note": "x"}],
        field="note",
    ),
    "hours unknown location": Case(
        "PUT", f"/locations/{MISSING}/hours", [], status=404, code="location_not_found"
    ),
    # holidays
    "holiday bad date": Case(
        "POST", "/locations/{loc}/holidays", {"date": "2030-02-30"}, field="date"
    ),
    "holiday missing date": Case(
        "POST", "/locations/{loc}/holidays", {"is_working": True}, field="date"
    ),
    "holiday huge description": Case(
        "POST",
        "/locations/{loc}/holidays",
        {"date": "2030-03-01", "description": HUGE},
        field="description",
    ),
    "holiday extra field": Case(
        "POST", "/locations/{loc}/holidays", {"date": "2030-03-01", "closed": True}, field="closed"
    ),
    "holiday duplicate": Case(
        "POST",
        "/locations/{loc}/holidays",
        {"date": "2030-12-24"},
        status=409,
        code="holiday_exists",
    ),
    "holiday patch null date": Case(
        "PATCH", "/locations/{loc}/holidays/{hol}", {"date": None}, field="date"
    ),
    "holiday patch unknown": Case(
        "PATCH",
        f"/locations/{{loc}}/holidays/{MISSING}",
        {"description": "x"},
        status=404,
        code="holiday_not_found",
    ),
    "holiday other location": Case(
        "DELETE", "/locations/{loc2}/holidays/{hol}", None, status=404, code="holiday_not_found"
    ),
    "holiday range reversed": Case(
        "GET", "/locations/{loc}/holidays?from=2030-02-01&to=2030-01-01", None, code="invalid_range"
    ),
    "holiday range type": Case(
        "GET", "/locations/{loc}/holidays?from=yesterday", None, field="from"
    ),
    # workplaces
    "workplace unknown location": Case(
        "POST",
        "/workplaces",
        {"location_id": MISSING, "name": "W"},
        status=404,
        code="location_not_found",
    ),
    "workplace bad location id": Case(
        "POST", "/workplaces", {"location_id": "abc", "name": "W"}, field="location_id"
    ),
    "workplace missing location": Case("POST", "/workplaces", {"name": "W"}, field="location_id"),
    "workplace huge name": Case(
        "POST", "/workplaces", {"location_id": "{loc}", "name": HUGE}, field="name"
    ),
    "workplace huge type": Case(
        "POST", "/workplaces", {"location_id": "{loc}", "name": "W", "type": HUGE}, field="type"
    ),
    "workplace duplicate name": Case(
        "POST",
        "/workplaces",
        {"location_id": "{loc}", "name": "Chair 1"},
        status=409,
        code="workplace_name_taken",
    ),
    "workplace patch null location": Case(
        "PATCH", "/workplaces/{wp}", {"location_id": None}, field="location_id"
    ),
    "workplace patch unknown location": Case(
        "PATCH", "/workplaces/{wp}", {"location_id": MISSING}, status=404, code="location_not_found"
    ),
    "workplace list unknown location": Case(
        "GET", f"/workplaces?location_id={MISSING}", None, status=404, code="location_not_found"
    ),
    # workplace service overrides
    "override negative price": Case(
        "PUT", "/workplaces/{wp}/services/{svc}", {"price": "-1.00"}, field="price"
    ),
    "override 3 decimals": Case(
        "PUT", "/workplaces/{wp}/services/{svc}", {"price": "12.345"}, field="price"
    ),
    "override zero duration": Case(
        "PUT", "/workplaces/{wp}/services/{svc}", {"duration_minutes": 0}, field="duration_minutes"
    ),
    "override long duration": Case(
        "PUT",
        "/workplaces/{wp}/services/{svc}",
        {"duration_minutes": 1441},
        field="duration_minutes",
    ),
    "override negative break": Case(
        "PUT",
        "/workplaces/{wp}/services/{svc}",
        {"break_after_minutes": -5},
        field="break_after_minutes",
    ),
    "override extra field": Case(
        "PUT", "/workplaces/{wp}/services/{svc}", {"discount": "1.00"}, field="discount"
    ),
    "override unknown service": Case(
        "PUT", f"/workplaces/{{wp}}/services/{MISSING}", {}, status=404, code="service_not_found"
    ),
    "override unknown workplace": Case(
        "PUT", f"/workplaces/{MISSING}/services/{{svc}}", {}, status=404, code="workplace_not_found"
    ),
    "override delete missing": Case(
        "DELETE", "/workplaces/{wp}/services/{svc}", None, status=404, code="override_not_found"
    ),
    # services
    "service negative price": Case("POST", "/services", service_body(price="-0.01"), field="price"),
    "service 3 decimals": Case("POST", "/services", service_body(price=12.345), field="price"),
    "service price too big": Case(
        "POST", "/services", service_body(price="10000000000.00"), field="price"
    ),
    "service price text": Case("POST", "/services", service_body(price="abc"), field="price"),
    "service price nan": Case("POST", "/services", service_body(price="NaN"), field="price"),
    "service missing price": Case(
        "POST", "/services", {"name": "X", "duration_minutes": 10}, field="price"
    ),
    "service zero duration": Case(
        "POST", "/services", service_body(duration_minutes=0), field="duration_minutes"
    ),
    "service long duration": Case(
        "POST", "/services", service_body(duration_minutes=1441), field="duration_minutes"
    ),
    "service duration type": Case(
        "POST", "/services", service_body(duration_minutes="thirty"), field="duration_minutes"
    ),
    "service negative break": Case(
        "POST", "/services", service_body(break_after_minutes=-1), field="break_after_minutes"
    ),
    "service negative buffer": Case(
        "POST", "/services", service_body(buffer_before_minutes=-1), field="buffer_before_minutes"
    ),
    "service long buffer": Case(
        "PATCH", "/services/{svc}", {"buffer_after_minutes": 1441}, field="buffer_after_minutes"
    ),
    "service lower currency": Case(
        "POST", "/services", service_body(currency="eur"), field="currency"
    ),
    "service long currency": Case(
        "POST", "/services", service_body(currency="EURO"), field="currency"
    ),
    "service huge name": Case("POST", "/services", service_body(HUGE), field="name"),
    "service huge description": Case(
        "POST", "/services", service_body(description=HUGE), field="description"
    ),
    "service extra field": Case("POST", "/services", service_body(vat="19"), field="vat"),
    "service duplicate name": Case(
        "POST", "/services", service_body("Haircut"), status=409, code="service_name_taken"
    ),
    "service patch null price": Case("PATCH", "/services/{svc}", {"price": None}, field="price"),
    "service patch negative": Case("PATCH", "/services/{svc}", {"price": -0.01}, field="price"),
    "service unknown": Case(
        "GET", f"/services/{MISSING}", None, status=404, code="service_not_found"
    ),
    # specialists
    "specialist missing name": Case("POST", "/specialists", {"specialization": "x"}, field="name"),
    "specialist huge name": Case("POST", "/specialists", {"name": HUGE}, field="name"),
    "specialist huge specialization": Case(
        "POST", "/specialists", {"name": "X", "specialization": HUGE}, field="specialization"
    ),
    "specialist extra field": Case(
        "POST", "/specialists", {"name": "X", "email": "x@y.z"}, field="email"
    ),
    "specialist patch null": Case(
        "PATCH", "/specialists/{spec}", {"is_active": None}, field="is_active"
    ),
    "specialist unknown": Case(
        "DELETE", f"/specialists/{MISSING}", None, status=404, code="specialist_not_found"
    ),
    "specialist service price": Case(
        "PUT", "/specialists/{spec}/services/{svc}", {"custom_price": "-5"}, field="custom_price"
    ),
    "specialist service decimals": Case(
        "PUT", "/specialists/{spec}/services/{svc}", {"custom_price": "1.001"}, field="custom_price"
    ),
    "specialist service duration": Case(
        "PUT",
        "/specialists/{spec}/services/{svc}",
        {"custom_duration_minutes": 0},
        field="custom_duration_minutes",
    ),
    "specialist service unknown": Case(
        "PUT", f"/specialists/{{spec}}/services/{MISSING}", {}, status=404, code="service_not_found"
    ),
    "specialist service no spec": Case(
        "PUT",
        f"/specialists/{MISSING}/services/{{svc}}",
        {},
        status=404,
        code="specialist_not_found",
    ),
    # schedules
    "schedule day 7": Case(
        "PUT", "/specialists/{spec}/schedules", _sched({"day_of_week": 7}), field="day_of_week"
    ),
    "schedule end first": Case(
        "PUT", "/specialists/{spec}/schedules", _sched({"start_time": "12:00", "end_time": "09:00"})
    ),
    "schedule missing location": Case(
        "PUT",
        "/specialists/{spec}/schedules",
        [{"day_of_week": 0, "start_time": "09:00", "end_time": "10:00"}],
        field="location_id",
    ),
    "schedule overlap": Case(
        "PUT",
        "/specialists/{spec}/schedules",
        _sched({}, {"start_time": "11:00", "end_time": "14:00"}),
        code="overlapping_hours",
    ),
    "schedule overlap across locations": Case(
        "PUT",
        "/specialists/{spec}/schedules",
        _sched({}, {"location_id": "{loc2}", "start_time": "11:59", "end_time": "14:00"}),
        code="overlapping_hours",
    ),
    "schedule workplace elsewhere": Case(
        "PUT",
        "/specialists/{spec}/schedules",
        _sched({"workplace_id": "{wp2}"}),
        code="workplace_not_in_location",
    ),
    "schedule unknown location": Case(
        "PUT",
        "/specialists/{spec}/schedules",
        _sched({"location_id": MISSING}),
        status=404,
        code="location_not_found",
    ),
    "schedule unknown workplace": Case(
        "PUT",
        "/specialists/{spec}/schedules",
        _sched({"workplace_id": MISSING}),
        status=404,
        code="workplace_not_found",
    ),
    "schedule unknown specialist": Case(
        "PUT", f"/specialists/{MISSING}/schedules", [], status=404, code="specialist_not_found"
    ),
    # breaks
    "break end first": Case("POST", "/specialists/{spec}/breaks", {**BREAK, "start_time": "14:00"}),
    "break empty": Case("POST", "/specialists/{spec}/breaks", {**BREAK, "end_time": "12:00"}),
    "break missing date": Case(
        "POST",
        "/specialists/{spec}/breaks",
        {"start_time": "12:00", "end_time": "13:00"},
        field="date",
    ),
    "break bad date": Case(
        "POST", "/specialists/{spec}/breaks", {**BREAK, "date": "2030-13-01"}, field="date"
    ),
    "break huge reason": Case(
        "POST", "/specialists/{spec}/breaks", {**BREAK, "reason": HUGE}, field="reason"
    ),
    "break extra field": Case(
        "POST", "/specialists/{spec}/breaks", {**BREAK, "paid": True}, field="paid"
    ),
    "break patch end before start": Case(
        "PATCH", "/specialists/{spec}/breaks/{brk}", {"end_time": "11:00"}, code="end_before_start"
    ),
    "break patch both reversed": Case(
        "PATCH", "/specialists/{spec}/breaks/{brk}", {"start_time": "13:00", "end_time": "12:30"}
    ),
    "break patch null date": Case(
        "PATCH", "/specialists/{spec}/breaks/{brk}", {"date": None}, field="date"
    ),
    "break patch unknown": Case(
        "PATCH",
        f"/specialists/{{spec}}/breaks/{MISSING}",
        {"reason": "x"},
        status=404,
        code="break_not_found",
    ),
    "break range reversed": Case(
        "GET",
        "/specialists/{spec}/breaks?from=2030-02-01&to=2030-01-01",
        None,
        code="invalid_range",
    ),
}


async def _ids(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    """The factory's ids plus a holiday, a break, and a second location with a workplace."""
    admin = world.headers("owner")
    loc2 = (
        await client.post(f"{API}/locations", json=location_body("Wedding"), headers=admin)
    ).json()["id"]
    wp2 = (
        await client.post(
            f"{API}/workplaces", json={"location_id": loc2, "name": "Room W"}, headers=admin
        )
    ).json()["id"]
    hol = (
        await client.post(
            f"{API}/locations/{world.location_id}/holidays",
            json={"date": "2030-12-24"},
            headers=admin,
        )
    ).json()["id"]
    brk = (
        await client.post(
            f"{API}/specialists/{world.specialist_a}/breaks", json=BREAK, headers=admin
        )
    ).json()["id"]
    return {
        "loc": str(world.location_id),
        "wp": str(world.workplace_id),
        "svc": str(world.service_id),
        "spec": str(world.specialist_a),
        "loc2": loc2,
        "wp2": wp2,
        "hol": hol,
        "brk": brk,
    }


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids.get(value[1:-1], value)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


Shared = tuple[World, dict[str, str], dict[str, Any]]


@pytest.fixture(scope="module")
async def shared(app: FastAPI) -> Shared:
    """One firm for every case, and its catalog as first read: since no case may write,
    after every case the catalog must still read exactly like this."""
    world = await make_world(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        ids = await _ids(http, world)
        return world, ids, await snapshot(http, world)


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_input_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, shared: Shared, name: str
) -> None:
    case = CASES[name]
    world, ids, before = shared
    kwargs: dict[str, Any] = {} if case.body is None else {"json": _fill(case.body, ids)}
    resp = await client.request(
        case.method, API + case.path.format(**ids), headers=world.headers("owner"), **kwargs
    )
    assert resp.status_code == case.status, resp.text
    body = resp.json()
    assert body["code"] == case.code, body
    assert body["message"]
    if case.field is not None:
        assert any(case.field in detail["loc"] for detail in body["details"]), body
    assert await snapshot(client, world) == before


async def test_unknown_ids_in_paths_are_404(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers("owner")
    random_id = uuid.uuid4()
    for path, code in (
        (f"/locations/{random_id}", "location_not_found"),
        (f"/locations/{random_id}/hours", "location_not_found"),
        (f"/locations/{random_id}/holidays", "location_not_found"),
        (f"/workplaces/{random_id}", "workplace_not_found"),
        (f"/workplaces/{random_id}/services", "workplace_not_found"),
        (f"/services/{random_id}", "service_not_found"),
        (f"/specialists/{random_id}", "specialist_not_found"),
        (f"/specialists/{random_id}/services", "specialist_not_found"),
        (f"/specialists/{random_id}/schedules", "specialist_not_found"),
        (f"/specialists/{random_id}/breaks", "specialist_not_found"),
    ):
        resp = await client.get(f"{API}{path}", headers=headers)
        assert resp.status_code == 404, path
        assert resp.json()["code"] == code, path
