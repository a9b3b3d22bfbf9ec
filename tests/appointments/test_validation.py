from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import Location, Workplace
from tests.appointments.helpers import (
    API,
    START,
    appointment_body,
    count_rows,
    create,
    created,
    list_ids,
    patch,
    read,
)
from tests.factories import World, add_appointment


def _line(world: World, **fields: Any) -> list[dict[str, Any]]:
    return [{"service_id": str(world.service_id), **fields}]


def _bad_bodies(world: World) -> list[dict[str, Any]]:
    base = appointment_body(world)
    without = [
        {k: v for k, v in base.items() if k != name}
        for name in ("location_id", "start_at", "worker_ids", "services")
    ]
    a = str(world.specialist_a)
    return [
        *without,
        {**base, "start_at": "2030-01-07T10:00:00"},  # naive
        {**base, "end_at": "2030-01-07T11:00:00"},  # naive
        {**base, "start_at": "next monday"},
        {**base, "start_at": 1893924000},  # a number
        {**base, "start_at": "12030-01-07T10:00:00Z"},
        {**base, "start_at": "3500-01-07T10:00:00Z"},
        {**base, "end_at": "2030-01-07T09:00:00Z"},  # before start
        {**base, "end_at": base["start_at"]},  # zero length
        {**base, "worker_ids": []},
        {**base, "worker_ids": [a, a]},
        {**base, "worker_ids": [str(uuid.uuid4()) for _ in range(11)]},
        {**base, "worker_ids": a},
        {**base, "worker_ids": ["not-a-uuid"]},
        {**base, "services": []},
        {**base, "services": _line(world) * 2},
        {**base, "services": [{"service_id": str(uuid.uuid4())} for _ in range(21)]},
        {**base, "services": _line(world, price="-1.00")},
        {**base, "services": _line(world, price="1.234")},
        {**base, "services": _line(world, price="10000000000.00")},
        {**base, "services": _line(world, price="free")},
        {**base, "services": _line(world, duration_minutes=5)},  # extra field
        {**base, "services": [str(world.service_id)]},
        {**base, "location_id": 5},
        {**base, "notes": "n" * 5001},
        {**base, "external_id": "e" * 201},
        {**base, "external_id": ""},
        {**base, "source": "Not A Source"},
        {**base, "status": "done"},
        {**base, "firm_id": str(uuid.uuid4())},  # extra field
        {**base, "version": 7},
        {**base, "is_open": True},
        {**base, "created_by": str(uuid.uuid4())},
    ]


async def test_bad_create_bodies_are_422_and_write_nothing(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    for body in _bad_bodies(world):
        resp = await client.post(f"{API}/appointments", json=body, headers=world.headers("manager"))
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["code"] == "validation_error"
        assert resp.json()["details"]
    not_json = await client.post(
        f"{API}/appointments",
        content=b"{not json",
        headers={**world.headers("manager"), "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert await count_rows(app, world.firm_id) == (0, 0, 0)


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("location_id", "location_not_found"),
        ("workplace_id", "workplace_not_found"),
        ("client_id", "client_not_found"),
        ("worker_ids", "specialist_not_found"),
        ("services", "service_not_found"),
    ],
)
async def test_unknown_ids_are_404_naming_what(
    client: httpx.AsyncClient, app: FastAPI, world: World, field: str, code: str
) -> None:
    unknown = uuid.uuid4()
    value: Any = str(unknown)
    if field == "worker_ids":
        value = [str(world.specialist_a), str(unknown)]
    elif field == "services":
        value = [{"service_id": str(world.service_id)}, {"service_id": str(unknown)}]
    resp = await create(client, world, **{field: value})
    assert resp.status_code == 404, resp.text
    assert resp.json()["code"] == code
    if field in ("worker_ids", "services"):
        assert str(unknown) in resp.json()["message"]
    assert await count_rows(app, world.firm_id) == (0, 0, 0)


async def _second_location(app: FastAPI, world: World) -> tuple[str, str]:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        location = Location(firm_id=world.firm_id, name="Kreuzberg", time_zone="Europe/Berlin")
        session.add(location)
        await session.flush()
        workplace = Workplace(firm_id=world.firm_id, location_id=location.id, name="Chair K")
        session.add(workplace)
        await session.flush()
        return str(location.id), str(workplace.id)


async def test_workplace_must_be_in_the_location(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    other_location, other_workplace = await _second_location(app, world)
    resp = await create(client, world, workplace_id=other_workplace)
    assert resp.status_code == 422
    assert resp.json()["code"] == "workplace_not_in_location"
    assert await count_rows(app, world.firm_id) == (0, 0, 0)

    appt = await created(client, world, workplace_id=str(world.workplace_id))
    moved = await patch(client, world, appt["id"], {"location_id": other_location}, if_match='"1"')
    assert moved.status_code == 422
    assert moved.json()["code"] == "workplace_not_in_location"
    both = await patch(
        client,
        world,
        appt["id"],
        {"location_id": other_location, "workplace_id": other_workplace},
        if_match='"1"',
    )
    assert both.status_code == 200, both.text
    assert both.json()["workplace_id"] == other_workplace


async def test_external_id_is_unique_per_source(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await created(client, world, source="yclients", external_id="42")
    again = await create(client, world, source="yclients", external_id="42")
    assert again.status_code == 409
    assert again.json()["code"] == "external_id_taken"
    # Another time: the same worker cannot be booked twice at once.
    other_source = await create(
        client,
        world,
        source="import",
        external_id="42",
        start_at="2030-01-07T12:00:00Z",
        end_at="2030-01-07T12:30:00Z",
    )
    assert other_source.status_code == 201
    clash = await patch(
        client, world, other_source.json()["id"], {"source": "yclients"}, if_match='"1"'
    )
    assert clash.status_code == 409
    assert await count_rows(app, world.firm_id) == (2, 2, 2)


async def test_bad_patches_change_nothing(client: httpx.AsyncClient, world: World) -> None:
    appt = await created(client, world, client_id=str(world.client_id))
    bad: list[dict[str, Any]] = [
        {"start_at": None},
        {"end_at": None},
        {"worker_ids": None},
        {"services": None},
        {"status": None},
        {"notes": None},
        {"is_open": None},
        {"location_id": None},
        {"start_at": "2030-01-07T09:00:00"},
        {"opened_at": "2030-01-07T09:00:00"},
        {"is_open": "yes"},
        {"status": "finished"},
        {"worker_ids": []},
        {"notes": "x" * 5001},
        {"firm_id": str(uuid.uuid4())},
        {"created_by": None},
        {"version": 0},
        {"version": "one"},
        {"version": True},
        {"version": "1"},
        {"version": 1.0},
    ]
    for body in bad:
        resp = await patch(client, world, appt["id"], body, if_match='"1"')
        assert resp.status_code == 422, (body, resp.text)
    unknown: list[tuple[dict[str, Any], str]] = [
        ({"worker_ids": [str(uuid.uuid4())]}, "specialist_not_found"),
        ({"services": [{"service_id": str(uuid.uuid4())}]}, "service_not_found"),
        ({"client_id": str(uuid.uuid4())}, "client_not_found"),
        ({"location_id": str(uuid.uuid4())}, "location_not_found"),
        ({"notes": "half", "worker_ids": [str(uuid.uuid4())]}, "specialist_not_found"),
    ]
    for body, code in unknown:
        resp = await patch(client, world, appt["id"], body, if_match='"1"')
        assert resp.status_code == 404, (body, resp.text)
        assert resp.json()["code"] == code
    now = (await read(client, world, appt["id"])).json()
    assert {k: v for k, v in now.items() if k != "updated_at"} == {
        k: v for k, v in appt.items() if k != "updated_at"
    }


async def test_tenant_isolation(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    appt = await created(client, world, client_id=str(world.client_id))
    for role in ("owner", "manager", "worker", "client"):
        assert (await read(client, other_world, appt["id"], role)).status_code == 404
        assert appt["id"] not in await list_ids(client, other_world, role)
    patched = await patch(
        client, other_world, appt["id"], {"notes": "firm B was here"}, role="owner", if_match='"1"'
    )
    assert patched.status_code == 404
    assert patched.json()["code"] == "appointment_not_found"
    deleted = await client.delete(
        f"{API}/appointments/{appt['id']}", headers=other_world.headers("owner")
    )
    assert deleted.status_code == 404

    # Firm B may not book with firm A's catalog, clients or specialists.
    foreign: list[tuple[dict[str, Any], str]] = [
        ({"location_id": str(world.location_id)}, "location_not_found"),
        ({"workplace_id": str(world.workplace_id)}, "workplace_not_found"),
        ({"client_id": str(world.client_id)}, "client_not_found"),
        ({"worker_ids": [str(world.specialist_a)]}, "specialist_not_found"),
        ({"services": [{"service_id": str(world.service_id)}]}, "service_not_found"),
    ]
    for fields, code in foreign:
        resp = await create(client, other_world, "owner", **fields)
        assert resp.status_code == 404, (fields, resp.text)
        assert resp.json()["code"] == code
    b_appt = await add_appointment(app, other_world, workers=[other_world.specialist_a])
    steal = await patch(
        client,
        other_world,
        b_appt,
        {"worker_ids": [str(world.specialist_a)], "client_id": str(world.client_id)},
        role="owner",
        if_match='"1"',
    )
    assert steal.status_code == 404
    assert await count_rows(app, other_world.firm_id) == (1, 1, 1)

    unchanged = (await read(client, world, appt["id"])).json()
    assert unchanged == appt
    assert await count_rows(app, world.firm_id) == (1, 1, 1)
    assert (await list_ids(client, world)) == [appt["id"]]


async def test_errors_name_the_fields_sent(client: httpx.AsyncClient, world: World) -> None:
    """The body is one of two shapes; its errors are those of the shape it has."""
    empty_hold = await client.post(
        f"{API}/appointments", json={"hold_id": ""}, headers=world.headers("client")
    )
    assert empty_hold.status_code == 422
    [detail] = empty_hold.json()["details"]
    assert (detail["loc"], detail["type"]) == (["body", "hold_id"], "uuid_parsing")

    mixed = await client.post(
        f"{API}/appointments",
        headers=world.headers("manager"),
        json={"hold_id": str(uuid.uuid4()), "start_at": START},
    )
    assert [(d["loc"], d["type"]) for d in mixed.json()["details"]] == [
        (["body", "start_at"], "extra_forbidden")
    ]

    reversed_times = await client.post(
        f"{API}/appointments",
        headers=world.headers("manager"),
        json=appointment_body(world, end_at=START, start_at="2030-01-07T11:00:00Z"),
    )
    assert [d["loc"] for d in reversed_times.json()["details"]] == [["body"]]
    incomplete = await client.post(
        f"{API}/appointments",
        headers=world.headers("manager"),
        json={"location_id": str(world.location_id)},
    )
    assert sorted(tuple(d["loc"]) for d in incomplete.json()["details"]) == [
        ("body", "services"),
        ("body", "start_at"),
        ("body", "worker_ids"),
    ]
    bad: object
    for bad in ([], "x", 5):
        resp = await client.post(f"{API}/appointments", headers=world.headers("manager"), json=bad)
        assert resp.status_code == 422, bad
        assert [(d["loc"], d["msg"]) for d in resp.json()["details"]] == [
            (["body"], "Input should be a JSON object")
        ], resp.text
