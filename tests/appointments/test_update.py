from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import Service
from tests.appointments.helpers import appointment_body, count_rows, created, patch, read
from tests.factories import World, add_appointment


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_if_match_forms_and_version_bumps(client: httpx.AsyncClient, world: World) -> None:
    appt = await created(client, world)
    first = await patch(client, world, appt["id"], {"notes": "one"}, if_match='"1"')
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2
    assert first.headers["etag"] == '"2"'
    assert first.json()["notes"] == "one"
    assert _instant(first.json()["updated_at"]) > _instant(appt["updated_at"])
    weak = await patch(client, world, appt["id"], {"notes": "two"}, if_match='W/"2"')
    assert weak.json()["version"] == 3
    bare = await patch(client, world, appt["id"], {"notes": "three"}, if_match="3")
    assert bare.json()["version"] == 4
    in_body = await patch(client, world, appt["id"], {"notes": "four", "version": 4})
    assert in_body.json()["version"] == 5
    listed = await patch(client, world, appt["id"], {"notes": "five"}, if_match='"9", "5"')
    assert listed.json()["version"] == 6
    current = await read(client, world, appt["id"])
    assert current.headers["etag"] == '"6"'
    assert current.json()["notes"] == "five"


async def test_missing_and_stale_versions_change_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    appt = await created(client, world)
    missing = await patch(client, world, appt["id"], {"notes": "lost update"})
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"
    await patch(client, world, appt["id"], {"notes": "first writer"}, if_match='"1"')

    stale = await patch(client, world, appt["id"], {"notes": "second writer"}, if_match='"1"')
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_mismatch"
    assert "2" in stale.json()["message"]
    assert stale.headers["etag"] == '"2"'
    stale_body = await patch(client, world, appt["id"], {"notes": "x", "version": 1})
    assert stale_body.status_code == 412
    stale_workers = await patch(
        client, world, appt["id"], {"worker_ids": [str(world.specialist_c)]}, if_match='"1"'
    )
    assert stale_workers.status_code == 412

    for bad in ('"abc"', "*", 'W/"', ""):
        resp = await patch(client, world, appt["id"], {"notes": "x"}, if_match=bad)
        assert resp.status_code == 422, bad
        assert resp.json()["code"] == "invalid_if_match"
    disagree = await patch(client, world, appt["id"], {"notes": "x", "version": 2}, if_match='"1"')
    assert disagree.status_code == 422
    assert disagree.json()["code"] == "ambiguous_version"

    now = (await read(client, world, appt["id"])).json()
    assert now["version"] == 2
    assert now["notes"] == "first writer"
    assert [w["name"] for w in now["workers"]] == ["Anna"]


async def test_concurrent_writers_with_one_version(client: httpx.AsyncClient, world: World) -> None:
    appt = await created(client, world)
    results = await asyncio.gather(
        *(
            patch(client, world, appt["id"], {"notes": f"writer {i}"}, if_match='"1"')
            for i in range(6)
        )
    )
    assert sorted(r.status_code for r in results) == [200] + [412] * 5
    winner = next(r for r in results if r.status_code == 200).json()
    now = (await read(client, world, appt["id"])).json()
    assert now["version"] == 2
    assert now["notes"] == winner["notes"]


async def test_nothing_to_change_keeps_the_version(client: httpx.AsyncClient, world: World) -> None:
    appt = await created(client, world, notes="same")
    same = await patch(
        client,
        world,
        appt["id"],
        {
            "notes": "same",
            "start_at": "2030-01-07T11:00:00+01:00",
            "worker_ids": [str(world.specialist_a)],
        },
        if_match='"1"',
    )
    assert same.status_code == 200
    assert same.json()["version"] == 1
    only_version = await patch(client, world, appt["id"], {"version": 1})
    assert only_version.json()["version"] == 1


async def test_admin_replaces_workers_and_services(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        shave = Service(
            firm_id=world.firm_id, name="Shave", duration_minutes=15, price=Decimal("12.00")
        )
        session.add(shave)
        await session.flush()
        shave_id = str(shave.id)
    appt = await created(
        client,
        world,
        client_id=str(world.client_id),
        worker_ids=[str(world.specialist_a), str(world.specialist_b)],
    )

    workers = await patch(
        client,
        world,
        appt["id"],
        {"worker_ids": [str(world.specialist_c), str(world.specialist_b)]},
        if_match='"1"',
    )
    assert workers.status_code == 200, workers.text
    assert workers.json()["version"] == 2
    assert [w["name"] for w in workers.json()["workers"]] == ["Ben", "Cem"]
    # Only the worker rows changed, yet the appointment records the change.
    assert _instant(workers.json()["updated_at"]) > _instant(appt["updated_at"])
    # The worker removed no longer sees it; the one added does.
    assert (await read(client, world, appt["id"], "worker")).status_code == 404
    assert (await read(client, world, appt["id"], "worker_b")).status_code == 200

    services = await patch(
        client,
        world,
        appt["id"],
        {
            "services": [
                {"service_id": shave_id},
                {"service_id": str(world.service_id), "price": "20.00"},
            ]
        },
        if_match='"2"',
    )
    assert services.status_code == 200, services.text
    assert services.json()["version"] == 3
    assert services.json()["services"] == [
        {"id": str(world.service_id), "name": "Haircut", "price": "20.00", "duration_minutes": 30},
        {"id": shave_id, "name": "Shave", "price": "12.00", "duration_minutes": 15},
    ]
    # The end is not moved by a change of services; the caller decides it.
    assert services.json()["end_at"] == appt["end_at"]

    everything = await patch(
        client,
        world,
        appt["id"],
        {
            "start_at": "2030-01-08T09:00:00Z",
            "end_at": "2030-01-08T10:00:00Z",
            "status": "cancelled",
            "client_id": None,
            "workplace_id": str(world.workplace_id),
            "services": [{"service_id": shave_id}],
            "notes": "moved",
            "external_id": "x-9",
        },
        if_match='"3"',
    )
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert body["version"] == 4
    assert (body["status"], body["client"], body["notes"]) == ("cancelled", None, "moved")
    assert body["workplace_id"] == str(world.workplace_id)
    assert datetime.fromisoformat(body["start_at"]) == datetime(2030, 1, 8, 9, tzinfo=UTC)
    assert [s["name"] for s in body["services"]] == ["Shave"]
    assert await count_rows(app, world.firm_id) == (1, 2, 1)


async def test_end_must_follow_start_after_merging(client: httpx.AsyncClient, world: World) -> None:
    appt = await created(client, world)  # 10:00 - 10:30
    early_end = await patch(
        client, world, appt["id"], {"end_at": "2030-01-07T09:00:00Z"}, if_match='"1"'
    )
    assert early_end.status_code == 422
    assert early_end.json()["code"] == "end_before_start"
    both = await patch(
        client,
        world,
        appt["id"],
        {"start_at": "2030-01-07T12:00:00Z", "end_at": "2030-01-07T11:00:00Z"},
        if_match='"1"',
    )
    assert both.status_code == 422
    unchanged = (await read(client, world, appt["id"])).json()
    assert unchanged["version"] == 1
    assert unchanged["start_at"] == appt["start_at"]
    assert unchanged["end_at"] == appt["end_at"]


async def test_worker_opens_and_closes_own_appointment(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    own = await add_appointment(app, world, workers=[world.specialist_a, world.specialist_b])
    before = datetime.now(UTC)
    opened = await patch(client, world, own, {"is_open": True}, role="worker", if_match='"1"')
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["is_open"] is True
    assert body["version"] == 2
    opened_at = datetime.fromisoformat(body["opened_at"])
    assert before - timedelta(seconds=1) <= opened_at <= datetime.now(UTC)
    assert body["closed_at"] is None

    closed = await patch(client, world, own, {"is_open": False}, role="worker_b", if_match='"2"')
    assert closed.status_code == 200, closed.text
    assert closed.json()["is_open"] is False
    assert datetime.fromisoformat(closed.json()["closed_at"]) >= opened_at
    assert closed.json()["opened_at"] == body["opened_at"]
    assert closed.json()["version"] == 3

    explicit = await patch(
        client,
        world,
        own,
        {"is_open": True, "opened_at": "2030-01-07T10:02:00+00:00"},
        role="worker",
        if_match='"3"',
    )
    assert explicit.status_code == 200
    assert datetime.fromisoformat(explicit.json()["opened_at"]) == datetime(
        2030, 1, 7, 10, 2, tzinfo=UTC
    )
    assert explicit.json()["closed_at"] is None  # reopened: the earlier close is void
    backwards = await patch(
        client,
        world,
        own,
        {"closed_at": "2030-01-07T10:01:00+00:00"},
        role="worker",
        if_match='"4"',
    )
    assert backwards.status_code == 422
    assert backwards.json()["code"] == "closed_before_opened"


async def test_worker_limits(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    own = await add_appointment(app, world, workers=[world.specialist_a])
    others = await add_appointment(app, world, workers=[world.specialist_b])
    for body in (
        {"notes": "mine now"},
        {"start_at": "2030-01-07T11:00:00Z"},
        {"is_open": True, "notes": "sneaky"},
        {"worker_ids": [str(world.specialist_a), str(world.specialist_c)]},
    ):
        resp = await patch(client, world, own, body, role="worker", if_match='"1"')
        assert resp.status_code == 403, body
        assert resp.json()["code"] == "forbidden_field"
        for name in body:
            if name != "is_open":
                assert name in resp.json()["message"]
    not_assigned = await patch(
        client, world, others, {"is_open": True}, role="worker", if_match='"1"'
    )
    assert not_assigned.status_code == 404
    assert not_assigned.json()["code"] == "appointment_not_found"

    for appointment_id in (own, others):
        now = (await read(client, world, appointment_id)).json()
        assert (now["version"], now["is_open"], now["notes"]) == (1, False, "")
        assert now["start_at"].startswith("2030-01-07T10:00:00")


async def test_client_may_not_write(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    own = await add_appointment(app, world, workers=[world.specialist_a], client_id=world.client_id)
    resp = await patch(client, world, own, {"notes": "please"}, role="client", if_match='"1"')
    assert resp.status_code == 403
    opened = await patch(client, world, own, {"is_open": True}, role="client", if_match='"1"')
    assert opened.status_code == 403
    delete = await client.delete(f"/api/v1/appointments/{own}", headers=world.headers("client"))
    assert delete.status_code == 403
    post = await client.post(
        "/api/v1/appointments",
        headers=world.headers("client"),
        json=appointment_body(world, client_id=str(world.client_id)),
    )
    assert post.status_code == 403
    assert await count_rows(app, world.firm_id) == (1, 1, 1)
    now = (await read(client, world, own, "director")).json()
    assert (now["version"], now["notes"], now["is_open"]) == (1, "", False)
