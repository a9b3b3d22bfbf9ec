"""Rescheduling and cancelling keep the no-double-booking guarantee."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.booking.helpers import at, book, hold, next_monday
from tests.factories import World


async def _patch(
    client: httpx.AsyncClient,
    world: World,
    appointment: dict[str, object],
    role: str = "director",
    **changes: object,
) -> httpx.Response:
    return await client.patch(
        f"/api/v1/appointments/{appointment['id']}",
        headers={**world.headers(role), "If-Match": f'"{appointment["version"]}"'},
        json=changes,
    )


async def test_reschedule_into_conflict_is_409_and_changes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    day = next_monday()
    first = (await book(client, world, at(day, 10), 30, [world.specialist_a])).json()
    second = (await book(client, world, at(day, 11), 30, [world.specialist_a])).json()
    moved = await _patch(client, world, second, start_at=at(day, 10, 15).isoformat())
    assert moved.status_code == 409, moved.text
    assert moved.json()["code"] == "slot_taken"
    assert moved.json()["details"][0]["kind"] == "appointment"
    after = (
        await client.get(f"/api/v1/appointments/{second['id']}", headers=world.headers("director"))
    ).json()
    assert after["start_at"] == second["start_at"]
    assert after["version"] == second["version"]

    # Adding a worker who is busy then is a conflict too; the workers stay as they were.
    third = (await book(client, world, at(day, 10), 30, [world.specialist_b])).json()
    crowd = await _patch(
        client, world, third, worker_ids=[str(world.specialist_b), str(world.specialist_a)]
    )
    assert crowd.status_code == 409
    unchanged = (
        await client.get(f"/api/v1/appointments/{third['id']}", headers=world.headers("director"))
    ).json()
    assert [w["id"] for w in unchanged["workers"]] == [str(world.specialist_b)]
    assert first["id"] != third["id"]


async def test_moving_keeps_length_and_frees_the_old_time(
    client: httpx.AsyncClient, world: World
) -> None:
    day = next_monday()
    appointment = (await book(client, world, at(day, 12), 45, [world.specialist_a])).json()
    moved = await _patch(client, world, appointment, start_at=at(day, 14).isoformat())
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["end_at"]) == at(day, 14, 45)
    assert (await book(client, world, at(day, 12), 45, [world.specialist_a])).status_code == 201


async def test_cancel_frees_time_and_keeps_the_record(
    client: httpx.AsyncClient, world: World
) -> None:
    day = next_monday()
    appointment = (await book(client, world, at(day, 9), 30, [world.specialist_c])).json()
    cancelled = await _patch(client, world, appointment, status="cancelled")
    assert cancelled.status_code == 200
    kept = await client.get(
        f"/api/v1/appointments/{appointment['id']}", headers=world.headers("director")
    )
    assert kept.json()["status"] == "cancelled"
    replacement = await book(client, world, at(day, 9), 30, [world.specialist_c])
    assert replacement.status_code == 201, replacement.text
    # Un-cancelling the old one now collides with the replacement.
    revived = await _patch(client, world, cancelled.json(), status="scheduled")
    assert revived.status_code == 409


async def test_client_cancels_and_moves_own_appointment_before_deadline(
    client: httpx.AsyncClient, world: World
) -> None:
    day = next_monday()
    held = (
        await hold(client, world, "client", at(day, 10), specialist_id=world.specialist_b)
    ).json()
    appointment = (
        await client.post(
            "/api/v1/appointments", headers=world.headers("client"), json={"hold_id": held["id"]}
        )
    ).json()
    notes = await _patch(client, world, appointment, role="client", notes="hi")
    assert notes.status_code == 403
    assert notes.json()["code"] == "forbidden_field"

    moved = await _patch(
        client, world, appointment, role="client", start_at=at(day, 15).isoformat()
    )
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["end_at"]) == at(day, 15, 30)

    blocker = await book(client, world, at(day, 16), 30, [world.specialist_b])
    assert blocker.status_code == 201
    into_conflict = await _patch(
        client, world, moved.json(), role="client", start_at=at(day, 16).isoformat()
    )
    assert into_conflict.status_code == 409
    assert into_conflict.json()["code"] == "slot_taken"
    # Half over its own time and half over another booking: only the other one is named.
    # (Its own claim is 15:00-15:40 with the break; the neighbour's ends at 16:00.)
    neighbour = await book(client, world, at(day, 15, 45), 5, [world.specialist_b])
    assert neighbour.status_code == 201, neighbour.text
    overlapping = await _patch(
        client, world, moved.json(), role="client", start_at=at(day, 15, 15).isoformat()
    )
    assert overlapping.status_code == 409
    assert overlapping.json()["code"] == "slot_taken"
    [in_the_way] = overlapping.json()["details"]
    assert (in_the_way["kind"], datetime.fromisoformat(in_the_way["start"])) == (
        "appointment",
        at(day, 15, 45),
    )

    cancelled = await _patch(client, world, moved.json(), role="client", status="cancelled")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"


async def test_client_change_after_deadline_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=90)
    appointment = (await book(client, world, soon, 30, [world.specialist_c])).json()
    resp = await _patch(client, world, appointment, role="client", status="cancelled")
    assert resp.status_code == 409
    assert resp.json()["code"] == "change_deadline_passed"
