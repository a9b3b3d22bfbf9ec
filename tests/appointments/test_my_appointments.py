"""My appointments: a logged-in client's own, upcoming and past, with what they may change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from slotwise.models import Firm
from tests.appointments.helpers import API, patch
from tests.booking.helpers import at, next_monday
from tests.factories import World, add_appointment
from tests.jobs.support import maker

URL = f"{API}/me/appointments"


async def _mine(
    client: httpx.AsyncClient, world: World, role: str = "client", **params: Any
) -> dict[str, Any]:
    resp = await client.get(URL, params=params, headers=world.headers(role))
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


async def test_upcoming_and_past_with_place_service_price_and_staff(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    now = datetime.now(UTC)
    soon = await add_appointment(
        app,
        world,
        workers=[world.specialist_a],
        client_id=world.client_id,
        start=at(next_monday(2), 10),
    )
    later = await add_appointment(
        app,
        world,
        workers=[world.specialist_b, world.specialist_c],
        client_id=world.client_id,
        start=at(next_monday(3), 11),
    )
    past = await add_appointment(
        app,
        world,
        workers=[world.specialist_a],
        client_id=world.client_id,
        start=now - timedelta(days=3),
    )
    older = await add_appointment(
        app,
        world,
        workers=[world.specialist_a],
        client_id=world.client_id,
        start=now - timedelta(days=30),
    )
    # Someone else's, before, between and after: never in the client's lists.
    for start in (now - timedelta(days=5), at(next_monday(2), 12), at(next_monday(4), 9)):
        await add_appointment(
            app, world, workers=[world.specialist_a], client_id=world.other_client_id, start=start
        )

    upcoming = await _mine(client, world, when="upcoming")
    assert [item["id"] for item in upcoming["items"]] == [str(soon), str(later)]
    assert upcoming["total"] == 2
    first = upcoming["items"][0]
    assert first["location"] == {"name": "Mitte", "address": "Torstr. 1, Berlin"}
    assert first["service"] == {
        "name": "Haircut",
        "duration_minutes": 30,
        "price": "25.00",
        "currency": "EUR",
    }
    assert first["specialists"] == [{"name": "Anna"}]
    assert first["status"] == "scheduled" and first["can_change"] is True
    assert first["time_zone"] == "Europe/Berlin"
    assert first["start_local"].startswith(at(next_monday(2), 10).isoformat()[:16])
    deadline = datetime.fromisoformat(first["change_deadline"])
    assert deadline == at(next_monday(2), 10) - timedelta(hours=2)
    assert first["specialist_ids"] == [str(world.specialist_a)] and first["version"] == 1
    assert "notes" not in first and "client" not in first
    assert [s["name"] for s in upcoming["items"][1]["specialists"]] == ["Ben", "Cem"]

    past_page = await _mine(client, world, when="past")
    assert [item["id"] for item in past_page["items"]] == [str(past), str(older)]
    assert all(item["can_change"] is False for item in past_page["items"])
    # Paging as in every list.
    one = await _mine(client, world, when="past", limit=1, offset=1)
    assert [item["id"] for item in one["items"]] == [str(older)]
    assert (one["total"], one["limit"], one["offset"]) == (2, 1, 1)
    assert (await _mine(client, world))["items"] == upcoming["items"]  # upcoming by default


async def test_a_client_never_sees_anothers_and_staff_have_none(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    start = at(next_monday(2), 10)
    await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.other_client_id, start=start
    )
    await add_appointment(
        app,
        other_world,
        workers=[other_world.specialist_a],
        client_id=other_world.client_id,
        start=start,
    )
    assert (await _mine(client, world))["items"] == []
    for role in ("owner", "manager", "worker"):
        assert (await _mine(client, world, role))["total"] == 0
    assert (await client.get(URL)).status_code == 401
    bad = await client.get(URL, params={"when": "tomorrow"}, headers=world.headers("client"))
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"


async def test_cancel_and_move_within_the_deadline_and_not_after(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    start = at(next_monday(2), 10)
    movable = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id, start=start
    )
    moved = await patch(
        client,
        world,
        movable,
        {"start_at": at(next_monday(2), 14).isoformat()},
        role="client",
        if_match='"1"',
    )
    assert moved.status_code == 200, moved.text
    [item] = (await _mine(client, world))["items"]
    assert datetime.fromisoformat(item["start_at"]) == at(next_monday(2), 14)
    cancelled = await patch(
        client, world, movable, {"status": "cancelled"}, role="client", if_match='"2"'
    )
    assert cancelled.status_code == 200, cancelled.text
    [item] = (await _mine(client, world))["items"]
    assert (item["status"], item["can_change"]) == ("cancelled", False)

    # A deadline longer than the time left: listed as not changeable, and refused.
    async with maker(app).begin() as session:
        await session.execute(
            update(Firm)
            .where(Firm.id == world.firm_id)
            .values(client_change_deadline_minutes=60 * 24 * 30)
        )
    late = await add_appointment(
        app,
        world,
        workers=[world.specialist_b],
        client_id=world.client_id,
        start=at(next_monday(3), 10),
    )
    [_, item] = (await _mine(client, world))["items"]
    assert (item["id"], item["can_change"]) == (str(late), False)
    refused = await patch(
        client, world, late, {"status": "cancelled"}, role="client", if_match='"1"'
    )
    assert refused.status_code == 409 and refused.json()["code"] == "change_deadline_passed"
