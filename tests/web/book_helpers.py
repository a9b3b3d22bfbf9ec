"""Shared by the booking page tests: a firm with its public booking turned on, a server of
its own (whose Web Push settings reach the tests' local push service), the SMTP sink and a
worker that delivers the codes, and a page opener that collects script errors."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import update

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.manage_links import issue_manage_token
from slotwise.models import Firm
from slotwise.notifications import subscriptions
from slotwise.notifications.channels import ChannelSettings, generate_vapid_keys
from slotwise.public import routes as public_routes
from tests.factories import World
from tests.jobs.support import SmtpSink, fast_settings, running_worker, smtp_sink, wait_for
from tests.live_server import serve_app
from tests.notifications.channels.push_service import PushService, allowed_host
from tests.notifications.channels.servers import serve_asgi
from tests.web.accessibility import axe_violations
from tests.web.conftest import FIRM_ZONE, SIZES, expect

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

SCREENSHOTS = Path(__file__).parent / "screenshots"
VAPID = generate_vapid_keys()
CODE = re.compile(r"\b(\d{4,8})\b")


async def open_booking(app: FastAPI, world: World, *, hold_ttl_seconds: int = 120) -> None:
    """Turns the firm's public booking page on (off by default)."""
    async with app.state.sessionmaker.begin() as session:
        await session.execute(
            update(Firm)
            .where(Firm.id == world.firm_id)
            .values(public_booking=True, hold_ttl_seconds=hold_ttl_seconds)
        )


@dataclass
class BookingServer:
    url: str
    sink: SmtpSink
    push: PushService
    push_url: str

    def codes_to(self, address: str) -> list[str]:
        """The verification codes in the messages to ``address``, oldest first."""
        found = []
        for message in self.sink.to(address):
            body = message.get_body(preferencelist=("plain", "html"))
            text = body.get_content() if body is not None else ""
            match = CODE.search(f"{message['Subject']} {text}")
            if match:
                found.append(match.group(1))
        return found

    async def code_to(self, address: str, *, count: int = 1) -> str:
        """The latest code, once ``count`` codes have come to ``address``."""
        codes: list[str] = await wait_for(
            lambda: c if len(c := self.codes_to(address)) >= count else None, timeout=30
        )
        return codes[-1]


def _channels(sink: SmtpSink, push_url: str) -> ChannelSettings:
    return sink.channel_settings().model_copy(
        update={
            "vapid_private_key": SecretStr(VAPID.private_key),
            "vapid_public_key": VAPID.public_key,
            "vapid_subject": "mailto:ops@slotwise.example",
            "webpush_allow_http": True,
            "webpush_timeout_seconds": 5,
            "outbound_allowed_hosts": [allowed_host(push_url)],
        }
    )


_QUICK = {
    name: value
    for name, value in {
        "notice_delay_seconds": 0.0,
        "confirmation_delay_seconds": 0.0,
        "public_rate_max_requests": 100_000,
        "public_rate_max_writes": 10_000,
    }.items()
    if name in Settings.model_fields
}


@pytest.fixture(scope="module")
async def booking_server(settings: Settings) -> AsyncIterator[BookingServer]:
    """The app on a port of its own, with SMTP and Web Push configured, and a worker that
    delivers the outbox (the codes, the confirmations) to the sink and the push service."""
    push = PushService()
    # Messages go out at once, and the page's many requests from one address (every test
    # browses from 127.0.0.1) never meet the per-address limit, which tests/public checks.
    settings = settings.model_copy(update=_QUICK)
    async with serve_asgi(push) as push_url:
        with smtp_sink() as sink:
            channels = _channels(sink, push_url)
            app = create_app(settings)
            app.dependency_overrides[subscriptions.channel_settings] = lambda: channels
            # The VAPID key the public API hands the page.
            app.dependency_overrides[public_routes._channels] = lambda: channels
            with serve_app(app) as url:
                async with running_worker(fast_settings(settings), channels, name="book-worker"):
                    yield BookingServer(url, sink, push, push_url)


@dataclass
class Visit:
    page: Page
    errors: list[str] = field(default_factory=list)  # uncaught script errors
    console: list[str] = field(default_factory=list)  # console errors

    def clean(self) -> bool:
        # A refused request (a 409, a 404 the page expects) is logged by Chromium as a
        # console error; the page's own failures are what must not happen.
        return not self.errors


Opener = Callable[..., Awaitable[Visit]]


@pytest.fixture
async def open_page(browser: Browser) -> AsyncIterator[Opener]:
    """A fresh browser context (English, Berlin time) at ``url``."""
    contexts: list[BrowserContext] = []

    async def open_at(url: str, size: str = "phone", **options: Any) -> Visit:
        width, height = SIZES[size]
        context = await browser.new_context(
            viewport={"width": width, "height": height},
            locale=options.pop("locale", "en-GB"),
            timezone_id=options.pop("timezone_id", "Europe/Berlin"),
            has_touch=size == "phone",
            **options,
        )
        contexts.append(context)
        page = await context.new_page()
        visit = Visit(page)
        page.on("pageerror", lambda exc: visit.errors.append(str(exc)))
        page.on("console", lambda m: visit.console.append(m.text) if m.type == "error" else None)
        await page.goto(url)
        return visit

    yield open_at
    for context in contexts:
        await context.close()


async def check_view(page: Page, name: str, size: str, *, full_page: bool = True) -> None:
    """No critical or serious axe-core finding, and a screenshot of the view (of the
    screen only for a dialog, whose backdrop covers the screen)."""
    assert await axe_violations(page) == [], name
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"book-{name}-{size}.png"), full_page=full_page)


async def wait_for_month(page: Page) -> None:
    """The month's free days are read (the first free day opens by itself)."""
    await expect(page.locator("#view-time")).to_be_visible(timeout=15000)
    await expect(page.locator("body")).to_have_attribute("data-month-read", re.compile(r"\d+"))


async def pick_first_slot(page: Page) -> str:
    """Holds the first free time of the day shown; returns its ``start``."""
    slot = page.locator("#slot-list .slot").first
    await expect(slot).to_be_visible(timeout=15000)
    start = await slot.get_attribute("data-start")
    assert start
    await slot.click()
    return start


def guest_email(world: World) -> str:
    return f"guest-{uuid.uuid4().hex[:6]}-{world.slug}@example.com"


async def first_free_slot(
    http: httpx.AsyncClient,
    world: World,
    specialist: uuid.UUID,
    *,
    skip: int = 0,
    after_days: int = 0,
) -> dict[str, Any]:
    """The ``skip``-th free time of the specialist on the first day that has one, from
    ``after_days`` days after today."""
    base = f"/public/{world.slug}/availability"
    query = {
        "location_id": str(world.location_id),
        "service_id": str(world.service_id),
        "specialist_id": str(specialist),
    }
    today = datetime.now(FIRM_ZONE).date() + timedelta(days=after_days)
    days = await http.get(
        f"{base}/days",
        params={**query, "from": today.isoformat(), "to": (today + timedelta(days=14)).isoformat()},
    )
    assert days.status_code == 200, days.text
    for day in days.json()["days"]:
        slots = await http.get(f"{base}/slots", params={**query, "date": day})
        assert slots.status_code == 200, slots.text
        if len(slots.json()["slots"]) > skip:
            found: dict[str, Any] = slots.json()["slots"][skip]
            return found
    raise AssertionError("no free slot in two weeks")


async def book_as_guest(
    server: BookingServer, world: World, specialist: uuid.UUID, email: str
) -> tuple[dict[str, Any], str]:
    """A guest's booking through the public API (hold, code, confirm): the appointment as
    the API answered it and its manage token."""
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=10) as http:
        slot = await first_free_slot(http, world, specialist)
        base = f"/public/{world.slug}"
        held = await http.post(
            f"{base}/holds",
            json={
                "location_id": str(world.location_id),
                "service_id": str(world.service_id),
                "specialist_id": str(specialist),
                "start_at": slot["start"],
            },
        )
        assert held.status_code == 201, held.text
        hold = held.json()
        proof = {"X-Hold-Token": hold["hold_token"]}
        sent = await http.post(
            f"{base}/holds/{hold['id']}/verification",
            json={"name": "Mia Manage", "email": email},
            headers=proof,
        )
        assert sent.status_code == 202, sent.text
        code = await server.code_to(email)
        confirmed = await http.post(
            f"{base}/holds/{hold['id']}/confirm", json={"code": code}, headers=proof
        )
        assert confirmed.status_code == 201, confirmed.text
        body = confirmed.json()
        return body["appointment"], body["manage_token"]


async def booked_with_link(
    server: BookingServer,
    app: FastAPI,
    world: World,
    specialist: uuid.UUID,
    *,
    skip: int = 0,
    client_id: uuid.UUID | None = None,
) -> tuple[dict[str, Any], str]:
    """An appointment of the firm's client Clara (or ``client_id``) at a free time from
    tomorrow on (well before the firm's deadline for changes), booked by the director, and
    the manage link's token its messages carry."""
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=10) as http:
        slot = await first_free_slot(http, world, specialist, skip=skip, after_days=1)
        response = await http.post(
            "/appointments",
            json={
                "location_id": str(world.location_id),
                "start_at": slot["start"],
                "worker_ids": [str(specialist)],
                "services": [{"service_id": str(world.service_id)}],
                "client_id": str(client_id or world.client_id),
            },
            headers=world.headers("director"),
        )
    assert response.status_code == 201, response.text
    appointment: dict[str, Any] = response.json()
    token = issue_manage_token(
        uuid.UUID(appointment["id"]),
        world.firm_id,
        datetime.fromisoformat(appointment["end_at"]),
        secret=app.state.secret_key,
        client_id=client_id or world.client_id,
    )
    return appointment, token
