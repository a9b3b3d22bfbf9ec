"""The staff page in Debian's Chromium: specialists (their services, weekly hours and breaks)
for owners, directors and managers, and the staff logins for owners and directors; every
change is checked through the API afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.factories import World
from tests.web.conftest import Board, expect, signed_in, staff_context

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
SIZES = {"desktop": (1440, 900), "tablet": (1024, 768), "phone": (390, 844)}

StaffOpener = Callable[..., Awaitable[Board]]


@pytest.fixture
async def open_staff(browser: Browser, server: str, world: World) -> AsyncIterator[StaffOpener]:
    contexts: list[BrowserContext] = []

    async def open_as(role: str, size: str = "desktop") -> Board:
        width, height = SIZES[size]
        context = await staff_context(browser, viewport={"width": width, "height": height})
        contexts.append(context)
        board = await signed_in(context, f"{server}/staff", world.emails[role])
        await expect(board.page.locator("#staff")).to_be_visible(timeout=10000)
        return board

    yield open_as
    for context in contexts:
        await context.close()


async def test_smoke(open_staff: StaffOpener) -> None:
    board = await open_staff("owner")
    page = board.page
    await expect(page.locator("#specialists-body tr")).to_have_count(3)
    await expect(page.locator("#logins-body tr")).to_have_count(6 - 1)
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "smoke.png"), full_page=True)
    assert not board.errors and not board.console, (board.errors, board.console)
