"""Booking and changing appointments through the API, and reading what they planned."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, text, update

from slotwise.config import Settings
from slotwise.models import Notification
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.delivery import DeliveryRuntime
from tests.booking.helpers import at, next_monday
from tests.factories import World
from tests.jobs.support import SmtpSink, maker, notifications_of

API = "/api/v1"


def slot(weeks: int = 2, hour: int = 10) -> datetime:
    return at(next_monday(weeks), hour)


async def book(
    client: httpx.AsyncClient,
    world: World,
    start: datetime,
    *,
    workers: list[uuid.UUID] | None = None,
    role: str = "director",
    client_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    resp = await client.post(
        f"{API}/appointments",
        headers=world.headers(role),
        json={
            "location_id": str(world.location_id),
            "start_at": start.isoformat(),
            "worker_ids": [str(w) for w in (workers or [world.specialist_a])],
            "services": [{"service_id": str(world.service_id)}],
            "client_id": str(client_id or world.client_id),
        },
    )
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()
    return data


def of(rows: list[Notification], type_: str, status: str | None = None) -> list[Notification]:
    return [r for r in rows if r.type == type_ and (status is None or r.status == status)]


async def planned(app: FastAPI, appointment: dict[str, Any]) -> list[Notification]:
    return await notifications_of(app, appointment["id"])


async def mark_sent(app: FastAPI, *ids: uuid.UUID) -> None:
    """As if these messages had gone out (for tests of what follows them)."""
    async with maker(app).begin() as session:
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(status="sent", sent_at=func.now())
        )


async def count_firm_notifications(app: FastAPI, firm_id: uuid.UUID) -> int:
    async with maker(app)() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.firm_id == firm_id)
            )
            or 0
        )


async def count_jobs(app: FastAPI) -> int:
    async with maker(app)() as session:
        return int(
            await session.scalar(text("SELECT count(*) FROM procrastinate.procrastinate_jobs")) or 0
        )


def delayed_from(
    moment: datetime, before: datetime, after: datetime, delay: timedelta = timedelta(0)
) -> bool:
    """Whether ``moment`` is ``delay`` after some instant between ``before`` and ``after``
    (taken around the request that planned it): exact, however slow the request was."""
    return before + delay <= moment <= after + delay


def push_runtime(
    app: FastAPI, settings: Settings, sink: SmtpSink, allow_push: ChannelSettings, **update: Any
) -> DeliveryRuntime:
    """A delivery runtime that sends email to the sink and Web Push to the local push
    service of ``allow_push``; ``update`` changes the settings (e.g. the channel order)."""
    return DeliveryRuntime(
        maker(app),
        settings.model_copy(update=update),
        sink.channel_settings().model_copy(
            update={
                "vapid_private_key": allow_push.vapid_private_key,
                "vapid_public_key": allow_push.vapid_public_key,
                "vapid_subject": allow_push.vapid_subject,
                "webpush_allow_http": True,
                "outbound_allowed_hosts": allow_push.outbound_allowed_hosts,
            }
        ),
    )
