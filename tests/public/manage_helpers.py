"""Shared by the manage link tests: a firm with its public page on, a booked appointment of
its client, and the token of that appointment's manage link."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from slotwise.manage_links import issue_manage_token
from slotwise.models import Firm
from tests.factories import World
from tests.jobs.support import maker
from tests.notifications.helpers import book, mark_sent, of, planned, slot

API = "/api/v1"


async def set_firm(app: FastAPI, world: World, **values: Any) -> None:
    async with maker(app).begin() as session:
        await session.execute(update(Firm).where(Firm.id == world.firm_id).values(**values))


def token_for(app: FastAPI, world: World, appointment: dict[str, Any], **overrides: Any) -> str:
    values: dict[str, Any] = {
        "appointment_id": uuid.UUID(appointment["id"]),
        "firm_id": world.firm_id,
        "end_at": datetime.fromisoformat(appointment["end_at"]),
        "secret": app.state.secret_key,
        "client_id": uuid.UUID(appointment["client_id"]) if appointment["client_id"] else None,
    }
    values.update(overrides)
    return issue_manage_token(**values)


async def booked(
    client: httpx.AsyncClient, app: FastAPI, world: World, start: datetime | None = None
) -> tuple[dict[str, Any], str]:
    """An appointment of the world's client (Anna, Haircut), with the firm's page on, whose
    confirmation (carrying the link) went out."""
    await set_firm(app, world, public_booking=True)
    appointment = await book(client, world, start or slot())
    await mark_sent(app, *(row.id for row in of(await planned(app, appointment), "confirmation")))
    return appointment, token_for(app, world, appointment)


def manage(world: World, path: str = "") -> str:
    return f"{API}/public/{world.slug}/manage{path}"


def with_token(token: str) -> dict[str, str]:
    return {"X-Manage-Token": token}
