"""The guest's way through the page, step by step, with the code read from a real local
SMTP server (aiosmtpd) after the delivery job sent it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from slotwise.models import Notification
from slotwise.notifications.delivery import DeliveryRuntime, deliver
from tests.factories import World
from tests.jobs.support import SmtpSink, maker
from tests.public.helpers import base, guest_hold


async def code_messages(app: FastAPI, world: World) -> list[Notification]:
    async with maker(app)() as session:
        rows = await session.scalars(
            select(Notification)
            .where(Notification.firm_id == world.firm_id, Notification.type == "verification_code")
            .order_by(Notification.created_at)
        )
        return list(rows.all())


async def deliver_codes(app: FastAPI, world: World, runtime: DeliveryRuntime) -> list[str]:
    """Runs the delivery job of every code message not sent yet; returns what happened."""
    return [
        await deliver(runtime, row.id)
        for row in await code_messages(app, world)
        if row.status == "pending"
    ]


def code_in(sink: SmtpSink, address: str, index: int = -1) -> str:
    mail = sink.to(address)[index]
    found = re.search(r"\b(\d{6})\b", str(mail["Subject"]))
    assert found, mail["Subject"]
    body = mail.get_body(("plain",))
    assert body is not None and found.group(1) in body.get_content()
    return found.group(1)


class Guest:
    """One guest's booking: hold, code, confirm; every answer is kept (for the leak scan)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        world: World,
        record: Callable[[httpx.Response], None] | None = None,
    ) -> None:
        self.http, self.world = http, world
        self.record = record or (lambda _: None)
        self.hold_id: str | None = None
        self.token: str | None = None

    def _keep(self, resp: httpx.Response) -> httpx.Response:
        self.record(resp)
        return resp

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Hold-Token": self.token} if self.token else {}

    async def hold(self, start: datetime, specialist_id: uuid.UUID | None = None) -> httpx.Response:
        resp = self._keep(await guest_hold(self.http, self.world, start, specialist_id))
        if resp.status_code == 201:
            self.hold_id, self.token = resp.json()["id"], resp.json()["hold_token"]
        return resp

    async def ask_code(self, **contact: Any) -> httpx.Response:
        return self._keep(
            await self.http.post(
                f"{base(self.world)}/holds/{self.hold_id}/verification",
                json=contact,
                headers=self.headers,
            )
        )

    async def confirm(self, code: str | None) -> httpx.Response:
        body = {} if code is None else {"code": code}
        return self._keep(
            await self.http.post(
                f"{base(self.world)}/holds/{self.hold_id}/confirm", json=body, headers=self.headers
            )
        )
