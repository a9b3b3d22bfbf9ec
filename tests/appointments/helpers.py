"""Shared helpers for the appointment tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import Appointment, AppointmentServiceItem, AppointmentWorker
from tests.factories import World

API = "/api/v1"
START = "2030-01-07T10:00:00+00:00"  # a Monday


def appointment_body(world: World, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "location_id": str(world.location_id),
        "start_at": START,
        "worker_ids": [str(world.specialist_a)],
        "services": [{"service_id": str(world.service_id)}],
    }
    body.update(fields)
    return body


async def create(
    client: httpx.AsyncClient, world: World, role: str = "manager", **fields: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/appointments", json=appointment_body(world, **fields), headers=world.headers(role)
    )


async def created(client: httpx.AsyncClient, world: World, **fields: Any) -> dict[str, Any]:
    resp = await create(client, world, **fields)
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()
    return data


async def read(
    client: httpx.AsyncClient, world: World, appointment_id: object, role: str = "manager"
) -> httpx.Response:
    return await client.get(f"{API}/appointments/{appointment_id}", headers=world.headers(role))


async def patch(
    client: httpx.AsyncClient,
    world: World,
    appointment_id: object,
    body: dict[str, Any],
    *,
    role: str = "manager",
    if_match: str | None = None,
) -> httpx.Response:
    headers = world.headers(role)
    if if_match is not None:
        headers["If-Match"] = if_match
    return await client.patch(f"{API}/appointments/{appointment_id}", json=body, headers=headers)


async def change_appointment(
    client: httpx.AsyncClient,
    world: World,
    appointment: dict[str, Any],
    role: str = "director",
    **changes: Any,
) -> dict[str, Any]:
    """PATCHes the appointment at its current version; asserts 200 and returns the new one."""
    headers = {**world.headers(role), "If-Match": f'"{appointment["version"]}"'}
    resp = await client.patch(
        f"{API}/appointments/{appointment['id']}", headers=headers, json=changes
    )
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


async def delete_appointment(
    client: httpx.AsyncClient, world: World, appointment: dict[str, Any]
) -> None:
    resp = await client.delete(
        f"{API}/appointments/{appointment['id']}", headers=world.headers("director")
    )
    assert resp.status_code == 204, resp.text


async def list_ids(
    client: httpx.AsyncClient, world: World, role: str = "manager", **params: Any
) -> list[str]:
    params.setdefault("limit", 500)
    resp = await client.get(f"{API}/appointments", params=params, headers=world.headers(role))
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


async def count_rows(app: FastAPI, firm_id: uuid.UUID) -> tuple[int, int, int]:
    """(appointments, worker rows, service rows) of a firm, read straight from the database."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        counts = []
        for model in (Appointment, AppointmentWorker, AppointmentServiceItem):
            counts.append(
                int(
                    await session.scalar(
                        select(func.count()).select_from(model).where(model.firm_id == firm_id)
                    )
                    or 0
                )
            )
        return counts[0], counts[1], counts[2]
