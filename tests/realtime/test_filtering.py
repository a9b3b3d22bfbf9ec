"""Each subscriber gets exactly the events it may see, in the form meant for it."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import FastAPI

from slotwise.config import Settings
from tests.appointments.helpers import change_appointment, delete_appointment
from tests.factories import World
from tests.realtime.helpers import SseReader, add_user, create, live, slot, sse


async def _open(stack: AsyncExitStack, url: str, world: World, *roles: str) -> list[SseReader]:
    return [
        await stack.enter_async_context(sse(url, headers=world.headers(role))) for role in roles
    ]


async def test_reassignment_story(
    client: httpx.AsyncClient, settings: Settings, app: FastAPI, world: World
) -> None:
    await add_user(app, world, "worker_c", "worker", specialist_id=world.specialist_c)
    with live(settings) as server:
        async with AsyncExitStack() as stack:
            a, b, c, director = await _open(
                stack, server.url, world, "worker", "worker_b", "worker_c", "director"
            )
            appt = await create(
                client, world, [world.specialist_a, world.specialist_b], notes="bring the dye"
            )
            assert (await a.event()).event == "appointment.created"
            assert (await b.event()).event == "appointment.created"
            assert (await director.event()).event == "appointment.created"

            await change_appointment(
                client, world, appt, worker_ids=[str(world.specialist_b), str(world.specialist_c)]
            )
            removal, update, creation, staff = [
                (await reader.event()).json() for reader in (a, b, c, director)
            ]

            assert removal == {
                "seq": 2,
                "type": "appointment.deleted",
                "appointment_id": appt["id"],
                "changed": [],
                "actor": None,
                "appointment": None,
                "at": removal["at"],
            }
            assert update["type"] == "appointment.updated"
            assert update["changed"] == ["worker_ids"]
            assert {w["name"] for w in update["appointment"]["workers"]} == {"Ben", "Cem"}
            assert creation["type"] == "appointment.created"
            assert creation["appointment"]["id"] == appt["id"]
            assert creation["appointment"]["notes"] == "bring the dye"
            assert creation["actor"]["name"] == "Director"
            assert staff["type"] == "appointment.updated"
            assert staff["appointment"] == update["appointment"]

            # A no longer reads it over REST; C does.
            gone = await client.get(
                f"/api/v1/appointments/{appt['id']}", headers=world.headers("worker")
            )
            assert gone.status_code == 404
            visible = await client.get(
                f"/api/v1/appointments/{appt['id']}", headers=world.headers("worker_c")
            )
            assert visible.status_code == 200

            # A's next event is the next one of A's own, nothing about C's appointment.
            await change_appointment(
                client, world, {**appt, "version": appt["version"] + 1}, notes="x"
            )
            mine = await create(client, world, [world.specialist_a], start=slot(1))
            assert (await a.event()).json()["appointment_id"] == mine["id"]
            assert (await c.event()).json()["changed"] == ["notes"]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


async def test_clients_and_workers_never_receive_what_they_may_not_read(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    """Every payload on the worker's and the client's stream is scanned for the ids, names
    and notes of appointments they have no part in (and for emails and staff names)."""
    a, b, c = world.specialist_a, world.specialist_b, world.specialist_c
    clara, otto = world.client_id, world.other_client_id
    with live(settings) as server:
        async with AsyncExitStack() as stack:
            worker, customer, staff = await _open(
                stack, server.url, world, "worker", "client", "director"
            )
            mine_both = await create(
                client, world, [a], client_id=clara, start=slot(0, 9), notes="note-both"
            )
            foreign = await create(
                client, world, [b], client_id=otto, start=slot(0, 11), notes="note-foreign"
            )
            clara_with_cem = await create(
                client, world, [c], client_id=clara, start=slot(0, 13), notes="note-cem"
            )
            anna_with_otto = await create(
                client, world, [a], client_id=otto, start=slot(0, 15), notes="note-otto"
            )
            foreign = await change_appointment(client, world, foreign, notes="note-foreign-2")
            foreign = await change_appointment(client, world, foreign, worker_ids=[str(b), str(c)])
            await change_appointment(
                client, world, clara_with_cem, start_at=slot(0, 16).isoformat()
            )
            await change_appointment(client, world, anna_with_otto, notes="note-otto-2")
            await change_appointment(client, world, mine_both, is_open=True, role="worker")
            await delete_appointment(client, world, foreign)
            marker = await create(client, world, [a], client_id=clara, start=slot(1, 9))
            total = 11

            async def drain(reader: SseReader) -> list[dict[str, Any]]:
                got: list[dict[str, Any]] = []
                while not got or got[-1]["appointment_id"] != marker["id"]:
                    got.append((await reader.event()).json())
                return got

            worker_events = await drain(worker)
            client_events = await drain(customer)
            assert len(await drain(staff)) == total

    assert {e["appointment_id"] for e in worker_events} == {
        mine_both["id"],
        anna_with_otto["id"],
        marker["id"],
    }
    assert len(worker_events) == 5
    assert {e["appointment_id"] for e in client_events} == {
        mine_both["id"],
        clara_with_cem["id"],
        marker["id"],
    }
    assert len(client_events) == 5

    worker_text = _strings(worker_events)
    for secret in (
        foreign["id"],
        clara_with_cem["id"],
        "note-foreign",
        "note-cem",
        "Ben",
        "Cem",
        "@",
    ):
        assert not any(secret in s for s in worker_text), secret
    client_text = _strings(client_events)
    for secret in (
        foreign["id"],
        anna_with_otto["id"],
        "note-",
        "Otto",
        "Director",
        "Worker",
        "@",
        str(otto),
    ):
        assert not any(secret in s for s in client_text), secret
    assert all(e["actor"] is None for e in client_events)
    assert all("notes" not in (e["appointment"] or {}) for e in client_events)
    opened = next(e for e in worker_events if e["changed"] == ["is_open", "opened_at"])
    assert opened["actor"]["name"] == "Worker"
