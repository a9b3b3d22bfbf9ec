from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from tests.appointments.helpers import API, list_ids, read
from tests.factories import World, add_appointment

MONDAY = datetime(2030, 1, 7, 8, tzinfo=UTC)


async def _booked(app: FastAPI, world: World) -> dict[str, uuid.UUID]:
    """Several appointments with different workers and clients, one hour apart."""
    plan = {
        "a_only": ([world.specialist_a], world.client_id),
        "b_only": ([world.specialist_b], world.other_client_id),
        "a_and_b": ([world.specialist_a, world.specialist_b], None),
        "b_and_c": ([world.specialist_b, world.specialist_c], world.client_id),
        "c_only": ([world.specialist_c], world.other_client_id),
        "a_and_c": ([world.specialist_c, world.specialist_a], world.other_client_id),
    }
    ids = {}
    for i, (name, (workers, client_id)) in enumerate(plan.items()):
        ids[name] = await add_appointment(
            app, world, workers=workers, client_id=client_id, start=MONDAY + timedelta(hours=i)
        )
    return ids


async def test_each_role_sees_exactly_its_appointments(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    ids = await _booked(app, world)
    expected = {
        "manager": set(ids),
        "owner": set(ids),
        "director": set(ids),
        "worker": {"a_only", "a_and_b", "a_and_c"},
        "worker_b": {"b_only", "a_and_b", "b_and_c"},
        "client": {"a_only", "b_and_c"},
    }
    for role, names in expected.items():
        seen = set(await list_ids(client, world, role))
        assert seen == {str(ids[n]) for n in names}, role
        for name, appointment_id in ids.items():
            resp = await read(client, world, appointment_id, role)
            if name in names:
                assert resp.status_code == 200, (role, name)
                assert resp.json()["id"] == str(appointment_id)
            else:
                # Exactly as if it did not exist.
                assert resp.status_code == 404, (role, name)
                assert resp.json()["code"] == "appointment_not_found"


async def test_worker_sees_all_coworkers_but_no_contact_data(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appointment_id = await add_appointment(
        app, world, workers=[world.specialist_a, world.specialist_b], client_id=world.client_id
    )
    body = (await read(client, world, appointment_id, "worker")).json()
    assert [w["name"] for w in body["workers"]] == ["Anna", "Ben"]
    assert body["client"] == {
        "id": str(world.client_id),
        "first_name": "Clara",
        "last_name": "Client",
    }
    assert "phone" not in str(body) and "email" not in str(body)


async def test_filters(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    ids = await _booked(app, world)  # 08:00 .. 13:30, 30 minutes each
    by_id = {str(v): k for k, v in ids.items()}

    def names(found: list[str]) -> list[str]:
        return [by_id[i] for i in found]

    everything = names(await list_ids(client, world))
    assert everything == list(ids)  # ordered by start

    # Overlapping [from, to): 09:15-11:00 touches the 09:00, 10:00 appointments; an
    # appointment ending exactly at `from` or starting exactly at `to` is outside.
    window = names(
        await list_ids(
            client,
            world,
            **{"from": "2030-01-07T09:15:00+00:00", "to": "2030-01-07T11:00:00+00:00"},
        )
    )
    assert window == ["b_only", "a_and_b"]
    edge = names(
        await list_ids(
            client, world, **{"from": "2030-01-07T08:30:00Z", "to": "2030-01-07T09:00:00Z"}
        )
    )
    assert edge == []
    # 10:45 in Berlin is 09:45 UTC: the 09:00 appointment has ended, the 10:00 one counts.
    berlin = names(await list_ids(client, world, **{"from": "2030-01-07T10:45:00+01:00"}))
    assert berlin == ["a_and_b", "b_and_c", "c_only", "a_and_c"]
    until = names(await list_ids(client, world, to="2030-01-07T09:00:01Z"))
    assert until == ["a_only", "b_only"]

    assert names(await list_ids(client, world, specialist_id=str(world.specialist_c))) == [
        "b_and_c",
        "c_only",
        "a_and_c",
    ]
    assert names(await list_ids(client, world, client_id=str(world.other_client_id))) == [
        "b_only",
        "c_only",
        "a_and_c",
    ]
    assert names(await list_ids(client, world, location_id=str(world.location_id))) == list(ids)
    assert await list_ids(client, world, location_id=str(uuid.uuid4())) == []
    assert names(await list_ids(client, world, status="scheduled")) == list(ids)
    assert await list_ids(client, world, status="cancelled") == []
    combined = names(
        await list_ids(
            client,
            world,
            specialist_id=str(world.specialist_a),
            client_id=str(world.other_client_id),
        )
    )
    assert combined == ["a_and_c"]
    # A worker's filter narrows their own view; it never widens it.
    worker_c = await list_ids(client, world, "worker", specialist_id=str(world.specialist_c))
    assert names(worker_c) == ["a_and_c"]
    client_other = await list_ids(client, world, "client", client_id=str(world.other_client_id))
    assert client_other == []


async def test_bad_filters(client: httpx.AsyncClient, world: World) -> None:
    head = world.headers("manager")
    for params in (
        {"from": "2030-01-07T10:00:00"},  # naive
        {"to": "tomorrow"},
        {"status": "done"},
        {"specialist_id": "x"},
        {"limit": 501},
        {"offset": -1},
    ):
        resp = await client.get(f"{API}/appointments", params=params, headers=head)
        assert resp.status_code == 422, params
    reversed_range = await client.get(
        f"{API}/appointments",
        headers=head,
        params={"from": "2030-01-08T00:00:00Z", "to": "2030-01-07T00:00:00Z"},
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["code"] == "invalid_range"


async def test_pagination_is_deterministic(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    # Pairs share a start time, so only the id breaks the tie.
    for i in range(7):
        await add_appointment(
            app, world, workers=[world.specialist_a], start=MONDAY + timedelta(hours=i // 2)
        )
    await add_appointment(app, world, workers=[world.specialist_b], start=MONDAY)
    everything = await list_ids(client, world)
    assert len(everything) == 8
    head = world.headers("manager")
    paged: list[str] = []
    for offset in range(0, 9, 3):
        resp = (
            await client.get(
                f"{API}/appointments", headers=head, params={"limit": 3, "offset": offset}
            )
        ).json()
        assert (resp["total"], resp["limit"], resp["offset"]) == (8, 3, offset)
        paged += [item["id"] for item in resp["items"]]
    assert paged == everything
    starts = [
        (item["start_at"], item["id"])
        for item in (
            await client.get(f"{API}/appointments", headers=head, params={"limit": 500})
        ).json()["items"]
    ]
    assert starts == sorted(
        starts, key=lambda pair: (datetime.fromisoformat(pair[0]), uuid.UUID(pair[1]))
    )

    worker_page = (
        await client.get(
            f"{API}/appointments", headers=world.headers("worker"), params={"limit": 5, "offset": 5}
        )
    ).json()
    assert worker_page["total"] == 7
    assert len(worker_page["items"]) == 2
    past_end = (
        await client.get(f"{API}/appointments", headers=head, params={"offset": 100})
    ).json()
    assert past_end == {"items": [], "total": 8, "limit": 50, "offset": 100}


async def test_staff_notes_are_not_shown_to_clients(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await client.post(
        "/api/v1/appointments",
        headers=world.headers("director"),
        json={
            "location_id": str(world.location_id),
            "start_at": "2030-01-07T10:00:00+00:00",
            "worker_ids": [str(world.specialist_a)],
            "client_id": str(world.client_id),
            "services": [{"service_id": str(world.service_id)}],
            "notes": "pays late",
        },
    )
    assert created.status_code == 201
    appointment_id = created.json()["id"]
    staff = await client.get(
        f"/api/v1/appointments/{appointment_id}", headers=world.headers("worker")
    )
    assert staff.json()["notes"] == "pays late"
    own = await client.get(
        f"/api/v1/appointments/{appointment_id}", headers=world.headers("client")
    )
    assert own.status_code == 200
    assert own.json()["notes"] is None
    listed = await client.get("/api/v1/appointments", headers=world.headers("client"))
    assert "pays late" not in listed.text


async def test_dates_are_days_in_the_firms_zone(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """The firm is in Berlin (UTC+1 in January): 2030-01-07 is 06 23:00 to 07 23:00 UTC."""
    starts = {
        "sunday_late": datetime(2030, 1, 6, 22, 30, tzinfo=UTC),
        "monday_early": datetime(2030, 1, 6, 23, 30, tzinfo=UTC),
        "monday_late": datetime(2030, 1, 7, 22, 15, tzinfo=UTC),
        "tuesday_early": datetime(2030, 1, 7, 23, 15, tzinfo=UTC),
    }
    ids = {
        name: str(await add_appointment(app, world, workers=[world.specialist_a], start=start))
        for name, start in starts.items()
    }
    by_id = {v: k for k, v in ids.items()}

    async def listed(**params: str) -> list[str]:
        return [by_id[i] for i in await list_ids(client, world, **params)]

    assert await listed(**{"from": "2030-01-07", "to": "2030-01-07"}) == [
        "monday_early",
        "monday_late",
    ]
    assert await listed(**{"from": "2030-01-07"}) == [
        "monday_early",
        "monday_late",
        "tuesday_early",
    ]
    assert await listed(to="2030-01-06") == ["sunday_late"]
    # A date and an instant together, each read its own way.
    assert await listed(**{"from": "2030-01-07", "to": "2030-01-07T12:00:00+01:00"}) == [
        "monday_early"
    ]
    for params in (
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"from": "9999-12-31T23:59:59-05:00"},
        {"to": "0"},
    ):
        resp = await client.get(
            f"{API}/appointments", params=params, headers=world.headers("manager")
        )
        assert (resp.status_code, resp.json()["code"]) == (422, "validation_error"), params
    reversed_days = await client.get(
        f"{API}/appointments",
        headers=world.headers("manager"),
        params={"from": "2030-01-08", "to": "2030-01-07"},
    )
    assert (reversed_days.status_code, reversed_days.json()["code"]) == (422, "invalid_range")
