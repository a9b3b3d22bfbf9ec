"""A firm's own website frames its booking page: the page works inside the frame (a guest can
pick a time there), and the staff pages refuse to be framed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from starlette.responses import HTMLResponse

from tests.factories import World
from tests.notifications.channels.servers import serve_asgi
from tests.web.book_helpers import (
    SCREENSHOTS,
    BookingServer,
    Opener,
    Visit,
    booking_server,
    open_booking,
    open_page,
)
from tests.web.conftest import expect

pytestmark = pytest.mark.browser
__all__ = ["booking_server", "open_page"]  # fixtures


async def test_the_booking_page_works_in_a_firms_website_and_the_board_does_not(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener
) -> None:
    await open_booking(app, world)
    # The firm's website, on another origin (another port), with the setup page's snippet.
    site = (
        "<!doctype html><title>Kiez Barbers</title><h1>Kiez Barbers</h1>"
        f'<iframe id="book" title="Book" src="{booking_server.url}/book/{world.slug}"'
        ' width="420" height="700"></iframe>'
        f'<iframe id="board" title="Board" src="{booking_server.url}/board"'
        ' width="420" height="300"></iframe>'
    )

    async def website(scope: Any, receive: Any, send: Any) -> None:
        await HTMLResponse(site)(scope, receive, send)

    async with serve_asgi(website) as site_url:
        visit = await open_page(f"{site_url}/", "desktop")
        await _check_frames(visit)


async def _check_frames(visit: Visit) -> None:
    page = visit.page
    frame = page.frame_locator("#book")
    await expect(frame.locator("#view-specialist")).to_be_visible(timeout=15000)
    await frame.get_by_role("button", name="Anyone").click()
    await expect(frame.locator("#slot-list .slot").first).to_be_visible(timeout=15000)
    # (No axe here: the outer page is the test's stand-in for the firm's site.)
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "book-embedded-desktop.png"))
    # The board's frame-ancestors 'none': Chromium shows no board in the frame.
    board = page.frame_locator("#board")
    await expect(board.locator("#login")).to_have_count(0)
    assert visit.clean(), visit.errors
