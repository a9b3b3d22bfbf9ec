from __future__ import annotations

import httpx

from tests.booking.helpers import next_monday
from tests.factories import World


async def test_booking_rules_are_per_firm_and_apply(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    current = await client.get("/api/v1/firm", headers=world.headers("client"))
    assert current.status_code == 200
    assert current.json()["slot_step_minutes"] == 15
    assert current.json()["hold_ttl_seconds"] == 120
    assert current.json()["client_change_deadline_minutes"] == 120

    denied = await client.patch(
        "/api/v1/firm", headers=world.headers("manager"), json={"slot_step_minutes": 30}
    )
    assert denied.status_code == 403
    changed = await client.patch(
        "/api/v1/firm",
        headers=world.headers("director"),
        json={"slot_step_minutes": 30, "hold_ttl_seconds": 300},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["slot_step_minutes"] == 30
    assert changed.json()["hold_ttl_seconds"] == 300
    # The other firm keeps its own rules.
    other = await client.get("/api/v1/firm", headers=other_world.headers("owner"))
    assert other.json()["slot_step_minutes"] == 15

    day = next_monday().isoformat()
    slots = await client.get(
        "/api/v1/availability",
        headers=world.headers("client"),
        params={
            "service_id": str(world.service_id),
            "location_id": str(world.location_id),
            "from": day,
            "to": day,
            "specialist_id": str(world.specialist_a),
        },
    )
    minutes = {s["start_local"][14:16] for s in slots.json()["slots"]}
    assert minutes == {"00", "30"}


async def test_bad_firm_settings_are_422_and_change_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers("owner")
    for body in (
        {"slot_step_minutes": 0},
        {"hold_ttl_seconds": 5},
        {"time_zone": "Mars/Base"},
        {"slot_step_minutes": None},
        {"name": ""},
        {"unknown": 1},
        {"booking_horizon_days": "soon"},
    ):
        resp = await client.patch("/api/v1/firm", headers=headers, json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["code"] == "validation_error"
    after = (await client.get("/api/v1/firm", headers=headers)).json()
    assert after["slot_step_minutes"] == 15
    assert after["hold_ttl_seconds"] == 120
    assert after["time_zone"] == "Europe/Berlin"


async def test_reminder_offsets_and_client_channel_preferences(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers("owner")
    changed = await client.patch(
        "/api/v1/firm", headers=headers, json={"reminder_offsets_minutes": [2880, 120]}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["reminder_offsets_minutes"] == [2880, 120]
    bad = await client.patch(
        "/api/v1/firm", headers=headers, json={"reminder_offsets_minutes": [0]}
    )
    assert bad.status_code == 422

    made = await client.post(
        "/api/v1/clients",
        headers=headers,
        json={
            "first_name": "Pia",
            "email": "pia@example.com",
            "preferred_channels": ["telegram", "email"],
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["preferred_channels"] == ["telegram", "email"]
    wrong = await client.patch(
        f"/api/v1/clients/{made.json()['id']}",
        headers=headers,
        json={"preferred_channels": ["pigeon"]},
    )
    assert wrong.status_code == 422
