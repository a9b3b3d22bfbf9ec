"""External staff and services: suggested by name, set by a person, checked targets."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections import repository, service
from slotwise.models import Service, Specialist
from tests.connections.helpers import API, create, yclients_body
from tests.factories import World


async def _suggest(
    app: FastAPI,
    world: World,
    connection_id: str,
    staff: list[tuple[str, str]],
    services: list[tuple[str, str]],
) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        connection = await repository.get_connection(
            session, world.firm_id, uuid.UUID(connection_id)
        )
        await service.suggest_mappings(session, connection, staff, services)


def _by_id(mappings: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["kind"], row["external_id"]): row for row in mappings}


async def _mappings(client: httpx.AsyncClient, world: World, connection_id: str) -> Any:
    resp = await client.get(f"{API}/{connection_id}/mappings", headers=world.headers("owner"))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_names_suggest_targets_ignoring_case_and_spacing(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    await _suggest(
        app,
        world,
        created["id"],
        staff=[("17", "  anna "), ("18", "Nobody"), ("19", "BEN")],
        services=[("5", "HAIR\tCUT"), ("6", "haircut"), ("7", "Shave")],
    )
    rows = _by_id(await _mappings(client, world, created["id"]))
    assert rows[("staff", "17")]["target_id"] == str(world.specialist_a)
    assert rows[("staff", "17")]["suggested"] is True
    assert rows[("staff", "17")]["external_name"] == "  anna "
    assert rows[("staff", "18")]["target_id"] is None
    assert rows[("staff", "18")]["suggested"] is False
    assert rows[("staff", "19")]["target_id"] == str(world.specialist_b)
    # "HAIR\tCUT" is "hair cut", not "haircut": spacing is evened out, never removed.
    assert rows[("service", "5")]["target_id"] is None
    assert rows[("service", "6")]["target_id"] == str(world.service_id)
    assert rows[("service", "7")]["target_id"] is None
    assert len(rows) == 6


async def test_a_listing_again_keeps_targets_and_takes_new_names(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    await _suggest(app, world, created["id"], staff=[("17", "Anna")], services=[])
    put = await client.put(
        f"{API}/{created['id']}/mappings",
        json=[{"kind": "staff", "external_id": "17", "target_id": str(world.specialist_c)}],
        headers=world.headers("owner"),
    )
    assert put.status_code == 200, put.text
    await _suggest(app, world, created["id"], staff=[("17", "Anna K."), ("20", "Cem")], services=[])
    rows = _by_id(await _mappings(client, world, created["id"]))
    assert rows[("staff", "17")]["target_id"] == str(world.specialist_c)
    assert rows[("staff", "17")]["external_name"] == "Anna K."
    assert rows[("staff", "17")]["suggested"] is False
    assert rows[("staff", "20")]["target_id"] == str(world.specialist_c)


async def test_a_name_of_two_specialists_suggests_neither(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        session.add(Service(firm_id=world.firm_id, name="Shave", duration_minutes=15, price=10))
        session.add(
            Service(
                firm_id=world.firm_id, name="Beard", duration_minutes=15, price=10, is_active=False
            )
        )
    created = await create(client, world, yclients_body(world))
    await _suggest(app, world, created["id"], staff=[], services=[("7", "shave"), ("8", "beard")])
    rows = _by_id(await _mappings(client, world, created["id"]))
    assert rows[("service", "7")]["target_id"] is not None
    assert rows[("service", "8")]["target_id"] is None  # inactive services are no suggestion
    async with maker.begin() as session:
        # Not scheduled at the connection's location: never suggested.
        session.add(Specialist(firm_id=world.firm_id, name="Lena", specialization=""))
    await _suggest(app, world, created["id"], staff=[("30", "Lena")], services=[])
    rows = _by_id(await _mappings(client, world, created["id"]))
    assert rows[("staff", "30")]["target_id"] is None


async def test_put_sets_and_clears_targets(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    await _suggest(
        app, world, created["id"], staff=[("17", "Anna"), ("18", "X")], services=[("5", "Y")]
    )
    resp = await client.put(
        f"{API}/{created['id']}/mappings",
        json=[
            {"kind": "staff", "external_id": "17", "target_id": None},
            {"kind": "staff", "external_id": "18", "target_id": str(world.specialist_b)},
            {"kind": "service", "external_id": "5", "target_id": str(world.service_id)},
        ],
        headers=world.headers("director"),
    )
    assert resp.status_code == 200, resp.text
    rows = _by_id(resp.json())
    assert rows[("staff", "17")]["target_id"] is None
    assert rows[("staff", "18")] | {"updated_at": None} == {
        "kind": "staff",
        "external_id": "18",
        "external_name": "X",
        "target_id": str(world.specialist_b),
        "suggested": False,
        "updated_at": None,
    }
    assert rows[("service", "5")]["target_id"] == str(world.service_id)
    assert _by_id(await _mappings(client, world, created["id"])) == rows
    only_staff = await client.get(
        f"{API}/{created['id']}/mappings?kind=staff", headers=world.headers("owner")
    )
    assert {row["kind"] for row in only_staff.json()} == {"staff"}
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        connection = await repository.get_connection(
            session, world.firm_id, uuid.UUID(created["id"])
        )
        staff, services = await service.mapped_targets(session, connection)
    assert staff == {"18": world.specialist_b} and services == {"5": world.service_id}


async def test_put_refuses_unknown_records_and_targets(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    await _suggest(app, world, created["id"], staff=[("17", "Z")], services=[("5", "Z")])
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        elsewhere = Specialist(firm_id=world.firm_id, name="Dora", specialization="")
        session.add(elsewhere)
        await session.flush()
        elsewhere_id = elsewhere.id
    url = f"{API}/{created['id']}/mappings"
    cases: list[tuple[dict[str, Any], tuple[int, str]]] = [
        ({"kind": "staff", "external_id": "99", "target_id": None}, (404, "mapping_not_found")),
        (
            {"kind": "staff", "external_id": "17", "target_id": str(uuid.uuid4())},
            (404, "specialist_not_found"),
        ),
        (
            {"kind": "staff", "external_id": "17", "target_id": str(other_world.specialist_a)},
            (404, "specialist_not_found"),
        ),
        (
            {"kind": "staff", "external_id": "17", "target_id": str(elsewhere_id)},
            (422, "specialist_not_at_location"),
        ),
        (
            {"kind": "service", "external_id": "5", "target_id": str(world.specialist_a)},
            (404, "service_not_found"),
        ),
        ({"kind": "room", "external_id": "5", "target_id": None}, (422, "validation_error")),
    ]
    for item, expected in cases:
        resp = await client.put(url, json=[item], headers=world.headers("owner"))
        assert (resp.status_code, resp.json()["code"]) == expected, item
    rows = _by_id(await _mappings(client, world, created["id"]))
    assert rows[("staff", "17")]["target_id"] is None
    assert rows[("service", "5")]["target_id"] is None
