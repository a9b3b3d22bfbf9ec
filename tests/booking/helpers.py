from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.factories import World

BERLIN = ZoneInfo("Europe/Berlin")


def next_monday(weeks_ahead: int = 1) -> date:
    today = datetime.now(BERLIN).date()
    return today + timedelta(days=7 * weeks_ahead - today.weekday())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


async def hold(
    client: httpx.AsyncClient,
    world: World,
    role: str,
    start: datetime,
    *,
    specialist_id: uuid.UUID | None = None,
    key: str | None = None,
    **extra: object,
) -> httpx.Response:
    body: dict[str, object] = {
        "service_id": str(world.service_id),
        "location_id": str(world.location_id),
        "start_at": start.isoformat(),
        **extra,
    }
    if specialist_id is not None:
        body["specialist_id"] = str(specialist_id)
    headers = world.headers(role)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post("/api/v1/holds", json=body, headers=headers)


async def book(
    client: httpx.AsyncClient,
    world: World,
    start: datetime,
    minutes: int,
    workers: list[uuid.UUID],
    role: str = "director",
) -> httpx.Response:
    return await client.post(
        "/api/v1/appointments",
        headers=world.headers(role),
        json={
            "location_id": str(world.location_id),
            "start_at": start.isoformat(),
            "end_at": (start + timedelta(minutes=minutes)).isoformat(),
            "worker_ids": [str(w) for w in workers],
            "services": [{"service_id": str(world.service_id)}],
            "client_id": str(world.client_id),
        },
    )
