"""Fixtures for the browser tests: Debian's Chromium and Playwright for Python (both installed
here when missing; Playwright's own browser downloads are never used), a live server, and
helpers that drive the API as the firm's staff."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from slotwise.config import Settings
from tests.factories import PASSWORD, World
from tests.live_server import live_server

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STREAM_URL = re.compile(r"/api/v1/events/stream\?")
FIRM_ZONE = ZoneInfo("Europe/Berlin")  # tests.factories.make_world's firm and location
BROWSER_ZONE = "Pacific/Kiritimati"  # UTC+14: the browser's "today" is rarely the firm's


def expect(target: Any) -> Any:
    """Playwright's ``expect``, imported late: the ``chromium_path`` fixture installs
    Playwright when it is missing, after this module has been imported."""
    from playwright.async_api import expect as playwright_expect

    return playwright_expect(target)


def _loud_skip(reason: str) -> None:
    # Printed past pytest's capture: a skipped browser test must not go unnoticed.
    print(f"\nWARNING: browser tests skipped: {reason}", file=sys.__stderr__)
    pytest.skip(reason)


def _run(command: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DEBIAN_FRONTEND": "noninteractive",
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
    }
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def _install_chromium() -> str | None:
    """Installs Debian's chromium; returns why it could not, or None."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available to install Debian's chromium"
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    steps = [
        [*prefix, "apt-get", "update", "-qq"],
        [*prefix, "apt-get", "install", "-y", "-qq", "chromium"],
    ]
    for step in steps:
        try:
            done = _run(step, timeout=1200)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{' '.join(step)} failed: {exc}"
        if done.returncode != 0:
            return f"{' '.join(step)} failed: {done.stderr.strip()[-500:]}"
    return None


def _ensure_playwright() -> str | None:
    try:
        importlib.import_module("playwright.async_api")
        return None
    except ImportError:
        pass
    done = _run([sys.executable, "-m", "pip", "install", "--quiet", "playwright"], timeout=600)
    if done.returncode != 0:
        return f"pip install playwright failed: {done.stderr.strip()[-500:]}"
    importlib.invalidate_caches()
    try:
        importlib.import_module("playwright.async_api")
    except ImportError as exc:
        return f"playwright was installed but cannot be imported: {exc}"
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        problem = _install_chromium()
        if problem is not None or not os.path.exists(CHROMIUM):
            _loud_skip(
                f"Chromium ({CHROMIUM}) is missing and could not be installed: "
                f"{problem or 'the package did not provide it'}"
            )
    problem = _ensure_playwright()
    if problem is not None:
        _loud_skip(problem)
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    # The async API: the sync one refuses to run inside pytest-asyncio's running loop.
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture(scope="session")
def server(settings: Settings) -> Iterator[str]:
    """A real server (uvicorn on loopback) with the whole app, its listener included."""
    with live_server(settings) as url:
        yield url


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{server}/api/v1", timeout=10) as client:
        yield client


def today_at(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    """A wall-clock time today (or ``days`` later) in the firm's zone."""
    day = datetime.now(FIRM_ZONE).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=FIRM_ZONE)


class Staff:
    """Makes changes through the public API, as a browser user's colleagues would."""

    def __init__(self, http: httpx.AsyncClient, world: World) -> None:
        self.http = http
        self.world = world

    async def book(
        self, start: datetime, workers: list[Any], *, client: bool = True, notes: str = ""
    ) -> dict[str, Any]:
        body = {
            "location_id": str(self.world.location_id),
            "start_at": start.isoformat(),
            "worker_ids": [str(w) for w in workers],
            "services": [{"service_id": str(self.world.service_id)}],
            "notes": notes,
        }
        if client:
            body["client_id"] = str(self.world.client_id)
        response = await self.http.post(
            "/appointments", json=body, headers=self.world.headers("director")
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def change(
        self, appointment: dict[str, Any], *, role: str = "director", **fields: Any
    ) -> dict[str, Any]:
        body = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in fields.items()}
        response = await self.http.patch(
            f"/appointments/{appointment['id']}",
            json=body,
            headers={**self.world.headers(role), "If-Match": f'"{appointment["version"]}"'},
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def delete(self, appointment: dict[str, Any]) -> None:
        response = await self.http.delete(
            f"/appointments/{appointment['id']}", headers=self.world.headers("director")
        )
        assert response.status_code == 204, response.text


@pytest.fixture
def staff(http: httpx.AsyncClient, world: World) -> Staff:
    return Staff(http, world)


@dataclass
class Board:
    page: Page
    errors: list[str]  # uncaught script errors: a passing test must not have any
    console: list[str]  # console errors (a CSP violation, a failed request, ...)


async def signed_in(context: BrowserContext, url: str, email: str) -> Board:
    """A new page of ``context`` at ``url`` (a staff page), signed in with the form, its
    script errors and console errors collected."""
    page = await context.new_page()
    board = Board(page, [], [])
    page.on("pageerror", lambda exc: board.errors.append(str(exc)))
    page.on("console", lambda msg: board.console.append(msg.text) if msg.type == "error" else None)
    await page.goto(url)
    form = page.locator("#login")
    await form.get_by_label("Email", exact=True).fill(email)
    await form.get_by_label("Password", exact=True).fill(PASSWORD)
    await form.get_by_role("button", name="Sign in").click()
    return board


BoardOpener = Callable[..., Awaitable[Board]]


async def staff_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context whose user chose English on the pages (the test firm's default
    language is German): the tests read the English words."""
    context = await browser.new_context(**options)
    await context.add_init_script("localStorage.setItem('slotwise.language', 'en')")
    return context


@pytest.fixture
async def open_board(browser: Browser, server: str, world: World) -> AsyncIterator[BoardOpener]:
    """Opens /board in a fresh browser context, logged in as a role, with the day loaded."""
    contexts: list[BrowserContext] = []

    async def open_as(
        role: str,
        *,
        poll_seconds: int = 60,
        block_stream: bool = False,
        expect_live: bool = True,
        base_url: str | None = None,
    ) -> Board:
        # A browser far from the firm, in a 12-hour locale: the board must still show the
        # firm's day and its wall-clock times.
        context = await staff_context(browser, timezone_id=BROWSER_ZONE, locale="en-US")
        contexts.append(context)
        if block_stream:
            # The stream cannot be reached at all (as behind a proxy that drops it).
            await context.route(STREAM_URL, lambda route: route.abort("connectionrefused"))
        board = await signed_in(
            context, f"{base_url or server}/board?poll={poll_seconds}", world.emails[role]
        )
        page = board.page
        await expect(page.locator("#board")).to_have_attribute("aria-busy", "false", timeout=10000)
        await expect(page.locator("body")).to_have_attribute(
            "data-live", "live" if expect_live else "down", timeout=10000
        )
        return board

    yield open_as
    for context in contexts:
        await context.close()


# The desktop, tablet and phone viewports every page is tried and shown at.
SIZES = {"desktop": (1440, 900), "tablet": (1024, 768), "phone": (390, 844)}
CalendarOpener = Callable[..., Awaitable[Board]]


async def sized_context(browser: Browser, size: str, *, live: bool = True) -> BrowserContext:
    """A context at one of ``SIZES``, in a zone far from the firm's (the pages must show the
    location's wall-clock times); ``live=False``: the page hears of no change made
    elsewhere, its stream refused."""
    width, height = SIZES[size]
    context = await staff_context(
        browser,
        timezone_id=BROWSER_ZONE,
        locale="en-US",
        viewport={"width": width, "height": height},
    )
    if not live:
        await context.route(STREAM_URL, lambda route: route.abort("connectionrefused"))
    return context


@pytest.fixture
async def open_calendar(
    browser: Browser, server: str, world: World
) -> AsyncIterator[CalendarOpener]:
    contexts: list[BrowserContext] = []

    async def open_as(role: str, size: str = "desktop", *, live: bool = True) -> Board:
        """``live=False``: the page hears of no change made elsewhere (no stream, and it
        would poll only after an hour), to show what a stale version meets."""
        context = await sized_context(browser, size, live=live)
        contexts.append(context)
        board = await signed_in(context, f"{server}/calendar?poll=3600", world.emails[role])
        page = board.page
        await expect(page.locator("#planner")).to_be_visible(timeout=10000)
        await expect(page.locator("#planner")).to_have_attribute("aria-busy", "false")
        await expect(page.locator("body")).to_have_attribute(
            "data-live", "live" if live else "down"
        )
        return board

    yield open_as
    for context in contexts:
        await context.close()
