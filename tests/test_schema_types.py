"""The OpenAPI document says what the API does: a boolean, an integer, a date or a time of day
is accepted only in the form the document declares (no numbers read as dates or ``0`` as
``false``), times of day are declared the way they are returned, and a body that is not JSON
gets the documented 422."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.catalog.helpers import API
from tests.factories import World

# (method, path with {ids}, a valid body, the field to spoil)
BOOLEAN_FIELDS = [
    ("POST", "/locations", {"name": "Ost", "time_zone": "Europe/Berlin"}, "is_active"),
    ("PATCH", "/locations/{location}", {}, "is_active"),
    ("POST", "/workplaces", {"location_id": "{location}", "name": "Chair 9"}, "is_active"),
    ("PATCH", "/workplaces/{workplace}", {}, "is_active"),
    ("POST", "/services", {"name": "Shave", "duration_minutes": 20, "price": "9.00"}, "is_active"),
    ("PATCH", "/services/{service}", {}, "is_active"),
    ("PUT", "/workplaces/{workplace}/services/{service}", {}, "is_active"),
    ("POST", "/specialists", {"name": "Dora"}, "is_active"),
    ("PATCH", "/specialists/{specialist}", {}, "is_active"),
    ("PUT", "/specialists/{specialist}/services/{service}", {}, "is_active"),
    ("POST", "/locations/{location}/holidays", {"date": "2030-12-24"}, "is_working"),
    ("POST", "/clients", {"first_name": "Zoe"}, "is_active"),
    ("PATCH", "/clients/{client}", {}, "is_active"),
]

INTEGER_FIELDS = [
    ("POST", "/services", {"name": "Shave", "price": "9.00"}, "duration_minutes"),
    ("PATCH", "/locations/{location}", {}, "capacity"),
    ("PATCH", "/firm", {}, "slot_step_minutes"),
]


def _ids(world: World) -> dict[str, str]:
    return {
        "location": str(world.location_id),
        "workplace": str(world.workplace_id),
        "service": str(world.service_id),
        "specialist": str(world.specialist_a),
        "client": str(world.client_id),
    }


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


async def _send(
    client: httpx.AsyncClient, world: World, method: str, path: str, body: Any
) -> httpx.Response:
    ids = _ids(world)
    return await client.request(
        method, API + path.format(**ids), json=_fill(body, ids), headers=world.headers("owner")
    )


def _refused(resp: httpx.Response, field: str) -> None:
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["code"] == "validation_error"
    assert any(detail["loc"][-1] == field for detail in body["details"]), body


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
@pytest.mark.parametrize(("method", "path", "body", "field"), BOOLEAN_FIELDS)
async def test_a_boolean_is_true_or_false_only(
    client: httpx.AsyncClient,
    world: World,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
    value: Any,
) -> None:
    resp = await _send(client, world, method, path, {**body, field: value})
    _refused(resp, field)


@pytest.mark.parametrize(("method", "path", "body", "field"), BOOLEAN_FIELDS[:2])
async def test_booleans_still_accepted(
    client: httpx.AsyncClient,
    world: World,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    resp = await _send(client, world, method, path, {**body, field: False})
    assert resp.status_code in (200, 201), resp.text
    assert resp.json()[field] is False


@pytest.mark.parametrize("value", [True, "30", 30.0])
@pytest.mark.parametrize(("method", "path", "body", "field"), INTEGER_FIELDS)
async def test_an_integer_is_a_json_integer(
    client: httpx.AsyncClient,
    world: World,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
    value: Any,
) -> None:
    resp = await _send(client, world, method, path, {**body, field: value})
    _refused(resp, field)


@pytest.mark.parametrize("value", [0, 20300101, "0", "2030-01-01T00:00:00", "2030-1-1"])
async def test_a_date_in_a_body_is_yyyy_mm_dd(
    client: httpx.AsyncClient, world: World, value: Any
) -> None:
    resp = await _send(client, world, "POST", "/locations/{location}/holidays", {"date": value})
    _refused(resp, "date")
    resp = await _send(
        client,
        world,
        "POST",
        "/specialists/{specialist}/breaks",
        {"date": value, "start_time": "12:00", "end_time": "13:00"},
    )
    _refused(resp, "date")


@pytest.mark.parametrize(
    "path", ["/locations/{location}/holidays", "/specialists/{specialist}/breaks"]
)
@pytest.mark.parametrize("param", ["from", "to"])
@pytest.mark.parametrize("value", ["0", "1700000000", "2030-01-01T00:00:00"])
async def test_a_date_in_a_query_is_yyyy_mm_dd(
    client: httpx.AsyncClient, world: World, path: str, param: str, value: str
) -> None:
    url = API + path.format(**_ids(world))
    resp = await client.get(url, params={param: value}, headers=world.headers("owner"))
    _refused(resp, param)
    ok = await client.get(url, params={param: "2030-01-01"}, headers=world.headers("owner"))
    assert ok.status_code == 200, ok.text


async def test_availability_to_zero_is_refused(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.get(
        f"{API}/availability",
        headers=world.headers("client"),
        params={
            "service_id": str(world.service_id),
            "location_id": str(world.location_id),
            "from": "1970-01-01",
            "to": "0",
        },
    )
    _refused(resp, "to")


@pytest.mark.parametrize("value", [32400, "09:00+01:00", "09:00:00Z", "9:00", "24:00", ""])
async def test_a_time_of_day_is_a_wall_clock_text(
    client: httpx.AsyncClient, world: World, value: Any
) -> None:
    resp = await _send(
        client,
        world,
        "PUT",
        "/locations/{location}/hours",
        [{"day_of_week": 0, "start_time": value, "end_time": "18:00"}],
    )
    _refused(resp, "start_time")
    resp = await _send(
        client,
        world,
        "POST",
        "/specialists/{specialist}/breaks",
        {"date": "2030-01-07", "start_time": value, "end_time": "23:00"},
    )
    _refused(resp, "start_time")


def _schema_of(document: dict[str, Any], name: str, field: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]["properties"][field]
    return schema


async def test_times_of_day_are_declared_as_they_are_returned(
    client: httpx.AsyncClient, world: World
) -> None:
    document = (await client.get("/openapi.json")).json()
    declared = [
        (name, field, prop)
        for name, schema in document["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if field.endswith("_time")
    ]
    assert declared
    # ``format: time`` is RFC 3339 full-time, which needs an offset these never have.
    assert all(prop.get("format") != "time" for _, _, prop in declared), declared
    pattern = re.compile(_schema_of(document, "HoursOut", "start_time")["pattern"])

    await _send(
        client,
        world,
        "PUT",
        "/locations/{location}/hours",
        [{"day_of_week": 0, "start_time": "08:30", "end_time": "12:00:30"}],
    )
    await _send(
        client,
        world,
        "POST",
        "/specialists/{specialist}/breaks",
        {"date": "2030-01-07", "start_time": "12:00", "end_time": "12:45"},
    )
    returned = [
        *(await _send(client, world, "GET", "/locations/{location}/hours", None)).json(),
        *(await _send(client, world, "GET", "/specialists/{specialist}/schedules", None)).json(),
        *(await _send(client, world, "GET", "/specialists/{specialist}/breaks", None)).json(),
    ]
    times = [entry[key] for entry in returned for key in ("start_time", "end_time")]
    assert "08:30:00" in times and "12:00:30" in times and "12:45:00" in times
    assert all(pattern.fullmatch(value) for value in times), times
    for name in ("HoursOut", "ScheduleEntryOut", "BreakOut"):
        for field in ("start_time", "end_time"):
            assert _schema_of(document, name, field)["pattern"] == pattern.pattern


@pytest.mark.parametrize(
    "content", [b"\xff\xfe not utf-8 {", b'{"name": "\xe9"}', b"[" * 100_000, b'{"name": ']
)
async def test_a_body_that_is_not_json_is_the_documented_422(
    client: httpx.AsyncClient, app: FastAPI, world: World, content: bytes
) -> None:
    resp = await client.post(
        f"{API}/locations",
        content=content,
        headers={**world.headers("owner"), "Content-Type": "application/json"},
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "validation_error"
    assert resp.json()["details"][0]["loc"][0] == "body"
    documented = app.openapi()["paths"]["/api/v1/locations"]["post"]["responses"]
    assert "422" in documented and "400" not in documented
