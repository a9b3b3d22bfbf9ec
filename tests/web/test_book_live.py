"""The booking page while others book: two browsers race for one time (one holds it, the
other is told and sees the fresh list), a third sees the held time vanish and come back
live, and a hold that runs out on the page sends its visitor back to the times."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI

from tests.factories import World
from tests.web.book_helpers import (
    BookingServer,
    Opener,
    Visit,
    booking_server,
    check_view,
    open_booking,
    open_page,
    wait_for_month,
)
from tests.web.conftest import expect

if TYPE_CHECKING:
    from playwright.async_api import Locator

pytestmark = pytest.mark.browser
__all__ = ["booking_server", "open_page"]  # fixtures

GONE = "Sorry, someone has just taken that time. Here are the times that are still free."


async def _at_the_times_of(visit: Visit, specialist: str) -> None:
    page = visit.page
    await expect(page.locator("#view-specialist")).to_be_visible(timeout=15000)
    await page.get_by_role("button", name=specialist, exact=True).click()
    await wait_for_month(page)
    await expect(page.locator("#slot-list .slot").first).to_be_visible()


async def _a_later_day(visit: Visit) -> None:
    """A day after today: a whole day of times (late in the day, today may have one left,
    or none by the time the test gets there)."""
    page = visit.page
    later = page.locator("#month-days td:not(.today) button.day")
    if await later.count() == 0:  # today is the month's last working day
        await page.get_by_role("button", name="Next month").click()
        await expect(later.first).to_be_visible()
    day = await later.first.get_attribute("aria-label")
    await later.first.click()
    await expect(page.locator('#month-days td:not(.today) [aria-pressed="true"]')).to_have_count(1)
    await expect(page.locator("#slots-title")).to_have_text(str(day))
    await expect(page.locator("#slots")).to_have_attribute("aria-busy", "false")
    await expect(page.locator("#slot-list .slot").nth(2)).to_be_visible()


def _slot(visit: Visit, start: str) -> Locator:
    return visit.page.locator(f'#slot-list .slot[data-start="{start}"]')


async def test_two_browsers_race_for_one_time_and_a_third_sees_it_go_and_come_back(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener
) -> None:
    await open_booking(app, world)
    url = f"{booking_server.url}/book/{world.slug}"
    a, b, watcher = [await open_page(url) for _ in range(3)]
    # Anna only: one specialist, so a held time is gone for everyone else.
    for visit in (a, b, watcher):
        await _at_the_times_of(visit, "Anna")
        await expect(visit.page.locator("body")).to_have_attribute("data-live", "live")
        await _a_later_day(visit)
    start = await a.page.locator("#slot-list .slot").first.get_attribute("data-start")
    assert start
    for visit in (a, b, watcher):
        await expect(_slot(visit, start)).to_have_count(1)

    # Both click the same time at once: exactly one holds it.
    await asyncio.gather(
        _slot(a, start).click(),
        _slot(b, start).click(),
    )
    for visit in (a, b):
        answered = visit.page.locator("#view-details:not([hidden]), #slots-note:not([hidden])")
        await expect(answered).to_have_count(1, timeout=15000)
    a_holds = await a.page.locator("#view-details").is_visible()
    b_holds = await b.page.locator("#view-details").is_visible()
    assert a_holds != b_holds, (a_holds, b_holds)
    winner, loser = (a, b) if a_holds else (b, a)

    # The loser is told, stays at the times, and its list no longer offers the time.
    await expect(loser.page.locator("#slots-note")).to_have_text(GONE)
    await expect(loser.page.locator("#slots-note")).to_be_in_viewport()
    await expect(loser.page.locator("#view-time")).to_be_visible()
    await expect(_slot(loser, start)).to_have_count(0)
    await expect(loser.page.locator("#slot-list .slot").first).to_be_visible()
    await check_view(loser.page, "slot-gone", "phone")
    # The watcher clicked nothing: the stream took the held time off its page.
    await expect(_slot(watcher, start)).to_have_count(0, timeout=5000)

    # The winner goes back: the hold is released and the time comes back, live.
    await winner.page.get_by_role("button", name="Back").click()
    await expect(winner.page.locator("#view-time")).to_be_visible()
    await expect(_slot(watcher, start)).to_have_count(1, timeout=5000)
    await expect(_slot(loser, start)).to_have_count(1, timeout=5000)
    for visit in (a, b, watcher):
        assert visit.clean(), visit.errors


async def test_a_hold_that_runs_out_sends_the_visitor_back_to_the_times(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener
) -> None:
    await open_booking(app, world, hold_ttl_seconds=10)  # the shortest a firm may set
    visit = await open_page(f"{booking_server.url}/book/{world.slug}")
    page = visit.page
    await _at_the_times_of(visit, "Ben")
    await _a_later_day(visit)
    slot = page.locator("#slot-list .slot").first
    start = await slot.get_attribute("data-start")
    await slot.click()
    await expect(page.locator("#view-details")).to_be_visible()
    # The countdown shows what is left of the ten seconds and counts down.
    await expect(page.locator("#hold-left")).to_have_text(re.compile(r"^0:(0\d|10)$"))
    await expect(page.locator("#hold-banner")).to_have_class(re.compile(r"\bending\b"))
    await expect(page.locator("#hold-left")).to_have_text(re.compile(r"^0:0[0-7]$"), timeout=8000)
    await page.get_by_label("Name").fill("Slow Sam")

    await expect(page.locator("#view-time")).to_be_visible(timeout=20000)
    await expect(page.locator("#book-message")).to_have_text(
        "Your reserved time ran out, so it was released. Please pick a time again."
    )
    await expect(page.locator("#hold-banner")).to_be_hidden()
    # The time is offered again (the server's hold has expired too).
    await expect(page.locator(f'#slot-list .slot[data-start="{start}"]')).to_have_count(
        1, timeout=15000
    )
    await check_view(page, "hold-expired", "phone")
    assert visit.clean(), visit.errors
