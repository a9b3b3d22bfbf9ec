"""The manage page of a booking (/book/<slug>/manage#<token>) in Debian's Chromium: cancel
after a confirmation, move to another offered time, and the clear pages for an altered and
an expired link; axe-core and screenshots of each view at three sizes."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from slotwise.manage_links import issue_manage_token
from tests.factories import World
from tests.web.book_helpers import (
    BookingServer,
    Opener,
    booked_with_link,
    booking_server,
    check_view,
    open_booking,
    open_page,
)
from tests.web.conftest import SIZES, expect

pytestmark = pytest.mark.browser
__all__ = ["booking_server", "open_page"]  # fixtures


async def _staff_view(server: BookingServer, world: World, appointment_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=10) as http:
        response = await http.get(
            f"/appointments/{appointment_id}", headers=world.headers("director")
        )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _manage_url(server: BookingServer, world: World, token: str) -> str:
    return f"{server.url}/book/{world.slug}/manage#{token}"


@pytest.mark.parametrize("size", list(SIZES))
async def test_cancel_through_the_link(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener, size: str
) -> None:
    await open_booking(app, world)
    appointment, token = await booked_with_link(booking_server, app, world, world.specialist_b)
    requests: list[str] = []
    visit = await open_page(_manage_url(booking_server, world, token), size)
    page = visit.page
    page.on("request", lambda r: requests.append(r.url))
    await expect(page.locator("#view-appointment")).to_be_visible(timeout=15000)
    summary = page.locator("#appointment-summary")
    await expect(summary).to_contain_text("Haircut · 30 min")
    await expect(summary).to_contain_text("Ben")
    await expect(summary).to_contain_text("Mitte, Torstr. 1, Berlin")
    await expect(page.locator("#manage-deadline")).to_contain_text("You can change or cancel it")
    await check_view(page, "manage", size)

    await page.get_by_role("button", name="Cancel appointment").click()
    dialog = page.get_by_role("dialog", name="Cancel this appointment?")
    await expect(dialog).to_be_visible()
    await expect(page.get_by_role("button", name="Keep it")).to_be_focused()
    await check_view(page, "manage-cancel-ask", size, full_page=False)
    # "Keep it" changes nothing.
    await page.get_by_role("button", name="Keep it").click()
    await expect(dialog).to_be_hidden()
    assert (await _staff_view(booking_server, world, appointment["id"]))["status"] == "scheduled"

    await page.get_by_role("button", name="Cancel appointment").click()
    await page.get_by_role("button", name="Yes, cancel it").click()
    await expect(page.locator("#book-message")).to_have_text("Your appointment has been cancelled.")
    await expect(page.locator("#appointment-status")).to_have_text("cancelled")
    await expect(page.locator("#manage-change")).to_be_hidden()
    await expect(page.get_by_role("link", name="Book an appointment")).to_be_visible()
    await check_view(page, "manage-cancelled", size)
    assert (await _staff_view(booking_server, world, appointment["id"]))["status"] == "cancelled"
    assert not [url for url in requests if token in url]
    assert visit.clean(), visit.errors


async def test_move_through_the_link(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener
) -> None:
    await open_booking(app, world)
    appointment, token = await booked_with_link(booking_server, app, world, world.specialist_c)
    visit = await open_page(_manage_url(booking_server, world, token))
    page = visit.page
    await expect(page.locator("#view-appointment")).to_be_visible(timeout=15000)
    await page.get_by_role("button", name="Move to another time").click()
    await expect(page.locator("#move-panel")).to_be_visible()
    # The day after the booked one (or the next with free times): its times are read.
    body = page.locator("body")
    slots = page.locator("#move-slots .slot")
    for _ in range(7):  # past a weekend to a day with free times
        await expect(body).to_have_attribute("data-slots-read", re.compile(r"\d"))
        read = await body.get_attribute("data-slots-read")
        await page.get_by_role("button", name="Next day").click()
        await expect(body).not_to_have_attribute("data-slots-read", str(read))
        if await slots.count():
            break
    target = slots.nth(1)
    start = await target.get_attribute("data-start")
    assert start
    await target.click()
    dialog = page.get_by_role("dialog", name="Move your appointment?")
    await expect(dialog).to_be_visible()
    await check_view(page, "manage-move-ask", "phone", full_page=False)
    await page.get_by_role("button", name="Yes, move it").click()
    await expect(page.locator("#book-message")).to_have_text("Your appointment has been moved.")
    await expect(page.locator("#move-panel")).to_be_hidden()
    moved = await _staff_view(booking_server, world, appointment["id"])
    assert datetime.fromisoformat(moved["start_at"]) == datetime.fromisoformat(start)
    assert [w["id"] for w in moved["workers"]] == [str(world.specialist_c)]  # still Cem
    await expect(page.locator("#appointment-summary")).to_contain_text("Cem")
    assert visit.clean(), visit.errors


@pytest.mark.parametrize("size", list(SIZES))
async def test_an_altered_or_expired_link_gets_a_clear_page(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener, size: str
) -> None:
    await open_booking(app, world)
    appointment, token = await booked_with_link(booking_server, app, world, world.specialist_a)
    head, _, signature = token.rpartition(".")
    altered = f"{head}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    visit = await open_page(_manage_url(booking_server, world, altered), size)
    page = visit.page
    await expect(page.locator("#view-invalid")).to_be_visible(timeout=15000)
    await expect(page.locator("#invalid-title")).to_have_text("This link does not work")
    await expect(page.get_by_role("link", name="Book an appointment")).to_have_attribute(
        "href", f"/book/{world.slug}"
    )
    await expect(page.locator("#view-appointment")).to_be_hidden()
    await check_view(page, "manage-invalid", size)

    # A genuine link of an appointment long over.
    expired = issue_manage_token(
        uuid.UUID(appointment["id"]),
        world.firm_id,
        datetime.now(UTC) - timedelta(days=400),
        secret=app.state.secret_key,
    )
    await page.goto(_manage_url(booking_server, world, expired))  # the page reads it anew
    await expect(page.locator("#view-expired")).to_be_visible(timeout=15000)
    await expect(page.locator("#expired-title")).to_have_text("This link has expired")
    await check_view(page, "manage-expired", size)
    assert visit.clean(), visit.errors
