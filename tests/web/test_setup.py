# ruff: noqa: RUF001 - the page writes ranges with en dashes, and Russian words.
"""The setup page in Debian's Chromium: booking rules, locations with their hours and holidays,
workplaces with the services they offer, and services, each written through the browser and
read back through the API; refusals shown beside the form; the role limits; three sizes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI

from tests.catalog.helpers import set_appointment_workplace
from tests.factories import World, add_appointment
from tests.web.accessibility import axe_violations
from tests.web.conftest import SIZES, Board, expect, signed_in, staff_context
from tests.web.static_files import entry_point, served_modules

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Locator, Page

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
TABS = {
    "rules": "Booking rules",
    "locations": "Locations",
    "workplaces": "Workplaces",
    "services": "Services",
}

SetupOpener = Callable[..., Awaitable[Board]]


@pytest.fixture
async def open_setup(browser: Browser, server: str, world: World) -> AsyncIterator[SetupOpener]:
    contexts: list[BrowserContext] = []

    async def open_as(role: str, size: str = "desktop", tab: str = "rules") -> Board:
        width, height = SIZES[size]
        context = await staff_context(
            browser, locale="en-US", viewport={"width": width, "height": height}
        )
        contexts.append(context)
        board = await signed_in(context, f"{server}/setup#{tab}", world.emails[role])
        await expect(board.page.locator("#setup")).to_be_visible(timeout=10000)
        return board

    yield open_as
    for context in contexts:
        await context.close()


async def _get(http: httpx.AsyncClient, world: World, path: str) -> Any:
    response = await http.get(path, headers=world.headers("owner"))
    assert response.status_code == 200, response.text
    return response.json()


async def _items(http: httpx.AsyncClient, world: World, path: str) -> list[dict[str, Any]]:
    page: dict[str, Any] = await _get(http, world, path)
    items: list[dict[str, Any]] = page["items"]
    return items


# Chromium logs every refused request as a console error; the refusals the tests ask for are
# those, and nothing else may be there (a CSP violation would be).
REFUSED = re.compile(r"Failed to load resource: the server responded with a status of 4(03|09|22)")


def _clean(board: Board) -> None:
    assert not board.errors, board.errors
    assert not [m for m in board.console if not REFUSED.match(m)], board.console


def _row(page: Page, table: str, name: str) -> Locator:
    return page.locator(f"#{table}-rows tr", has=page.locator("td.name", has_text=name))


# ---------------------------------------------------------------- booking rules


async def test_a_director_changes_the_booking_rules(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_setup("director")
    page = board.page
    form = page.locator("#rules-form")
    await expect(form.get_by_label("Start times every")).to_have_value("15")
    before = await _get(http, world, "/firm")

    # A value out of range is named, and nothing is sent.
    await form.get_by_label("Start times every").fill("0")
    await form.get_by_role("button", name="Save booking rules").click()
    await expect(page.locator("#rules-error")).to_contain_text("Start times every (minutes)")
    await expect(form.get_by_label("Start times every")).to_have_attribute("aria-invalid", "true")
    assert await _get(http, world, "/firm") == before

    # A zone the API does not know: its refusal is shown, nothing is written.
    await form.get_by_label("Start times every").fill("20")
    await form.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    await form.get_by_role("button", name="Save booking rules").click()
    await expect(page.locator("#rules-error")).to_have_text(
        "Some of the fields are not filled in correctly."
    )
    assert await _get(http, world, "/firm") == before

    await form.get_by_label("Time zone").fill("Europe/Vienna")
    await form.get_by_label("Name", exact=True).fill("Salon Kurz")
    await form.get_by_label("Default language").select_option("ru")
    await form.get_by_label("Book at least").fill("120")
    await expect(page.locator("#rule-notice-hint")).to_contain_text("= 2 hours")
    await form.get_by_label("Book at most").fill("30")
    await form.get_by_label("Clients may cancel").fill("1440")
    await expect(page.locator("#rule-deadline-hint")).to_contain_text("= 1 day")
    await form.get_by_label("A chosen time is held").fill("300")
    await form.get_by_label("Reminders").fill("2880, 90")
    await form.get_by_role("button", name="Save booking rules").click()
    await expect(page.locator("#rules-done")).to_have_text("Saved.")
    await expect(page.locator("#rules-error")).to_be_hidden()
    after = await _get(http, world, "/firm")
    assert {k: after[k] for k in after if k not in ("id", "slug")} == {
        "name": "Salon Kurz",
        "time_zone": "Europe/Vienna",
        "default_locale": "ru",
        "slot_step_minutes": 20,
        "min_notice_minutes": 120,
        "booking_horizon_days": 30,
        "client_change_deadline_minutes": 1440,
        "hold_ttl_seconds": 300,
        "reminder_offsets_minutes": [2880, 90],
        "public_booking": False,  # not ticked: left as it was
        "max_discount_percent": "100.00",  # not on this form
    }
    # Saving again with nothing changed sends nothing and says so.
    await form.get_by_role("button", name="Save booking rules").click()
    await expect(page.locator("#rules-done")).to_have_text("Nothing was changed.")
    # Undo puts back what the API said.
    await form.get_by_label("Book at most").fill("99")
    await form.get_by_role("button", name="Undo changes").click()
    await expect(form.get_by_label("Book at most")).to_have_value("30")
    _clean(board)


async def test_a_director_turns_the_booking_page_on_and_copies_its_embed_code(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_setup("director")
    page = board.page
    form = page.locator("#rules-form")
    box = form.get_by_label("Clients can book online")
    await expect(box).not_to_be_checked()
    await expect(page.locator("#rule-page-share")).to_be_hidden()

    await box.check()
    slug = (await _get(http, world, "/firm"))["slug"]
    address = f"{board.page.url.split('/setup')[0]}/book/{slug}"
    await expect(page.locator("#rule-page-link")).to_have_text(address)
    await expect(page.locator("#rule-page-link")).to_have_attribute("href", address)
    code = await form.get_by_label("To show it on your own website").input_value()
    assert code.startswith(f'<iframe src="{address}" title="Book at ')
    assert code.endswith("></iframe>")
    await page.locator("#rule-page-share").scroll_into_view_if_needed()
    await page.screenshot(path=SCREENSHOTS / "setup-booking-page-desktop.png")
    await form.get_by_role("button", name="Save booking rules").click()
    await expect(page.locator("#rules-done")).to_have_text("Saved.")
    assert (await _get(http, world, "/firm"))["public_booking"] is True

    # Copy: the clipboard holds the code (or, where the browser refuses, it is selected).
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await form.get_by_role("button", name="Copy the code").click()
    await expect(page.locator("#rule-embed-copied")).to_have_text("Copied.")
    assert await page.evaluate("navigator.clipboard.readText()") == code

    # Turned off again: the address and code go away, and the firm says so.
    await box.uncheck()
    await expect(page.locator("#rule-page-share")).to_be_hidden()
    await form.get_by_role("button", name="Save booking rules").click()
    await expect(page.locator("#rules-done")).to_have_text("Saved.")
    assert (await _get(http, world, "/firm"))["public_booking"] is False
    _clean(board)


async def test_a_manager_sees_the_booking_rules_read_only(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_setup("manager")
    page = board.page
    await expect(page.locator("#rules-readonly")).to_be_visible()
    form = page.locator("#rules-form")
    await expect(form.get_by_label("Start times every")).to_have_value("15")
    await expect(form.get_by_label("Start times every")).to_be_disabled()
    await expect(form.get_by_label("Name", exact=True)).to_be_disabled()
    await expect(page.get_by_role("button", name="Save booking rules")).to_be_hidden()
    # It is the API's rule, which the page follows.
    refused = await http.patch(
        "/firm", json={"slot_step_minutes": 5}, headers=world.headers("manager")
    )
    assert refused.status_code == 403
    # The rest of the page is the manager's to change.
    await page.get_by_role("tab", name="Services").click()
    await page.get_by_role("button", name="Add service").click()
    dialog = page.locator("#service-dialog")
    await dialog.get_by_label("Name").fill("Shave")
    await dialog.get_by_label("Price").fill("15")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    names = [s["name"] for s in await _items(http, world, "/services")]
    assert names == ["Haircut", "Shave"]
    assert await axe_violations(page) == []
    _clean(board)


async def test_a_worker_is_told_the_page_is_for_managers(
    open_setup: SetupOpener, world: World
) -> None:
    board = await open_setup("worker")
    page = board.page
    await expect(page.locator("#setup-denied")).to_be_visible()
    await expect(page.locator("#setup-denied")).to_contain_text("for the firm's managers")
    await expect(page.locator("#setup-body")).to_be_hidden()
    # Not in its topbar either.
    await expect(page.get_by_role("link", name="Setup", exact=True)).to_be_hidden()
    assert await axe_violations(page) == []
    _clean(board)


# ---------------------------------------------------------------- locations


async def test_locations_are_added_changed_retired_and_deleted(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World, app: FastAPI
) -> None:
    board = await open_setup("owner", tab="locations")
    page = board.page
    dialog = page.locator("#location-dialog")
    await expect(_row(page, "locations", "Mitte")).to_contain_text("Mon–Sat 09:00–19:00")

    await page.get_by_role("button", name="Add location").click()
    await expect(dialog.get_by_label("Time zone")).to_have_value("Europe/Berlin")  # the firm's
    await dialog.get_by_label("Name").fill("Mitte")
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("#location-error")).to_have_text(
        "Another location already has this name."
    )
    await expect(dialog).to_be_visible()  # what was typed stays
    assert len(await _items(http, world, "/locations")) == 1

    await dialog.get_by_label("Name").fill("Prenzlauer Berg")
    await dialog.get_by_label("Address").fill("Kastanienallee 5")
    await dialog.get_by_label("Time zone").fill("Europe/Berlin")
    await dialog.get_by_label("Appointments at once").fill("2")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    row = _row(page, "locations", "Prenzlauer Berg")
    await expect(row).to_contain_text("No opening hours yet")
    stored = {x["name"]: x for x in await _items(http, world, "/locations")}["Prenzlauer Berg"]
    assert (stored["address"], stored["capacity"], stored["is_active"]) == (
        "Kastanienallee 5",
        2,
        True,
    )

    # Renamed, no limit, retired.
    await page.get_by_role("button", name="Edit: Prenzlauer Berg").click()
    await expect(dialog.get_by_label("Name")).to_have_value("Prenzlauer Berg")
    await dialog.get_by_label("Name").fill("Prenzlberg")
    await dialog.get_by_label("Appointments at once").fill("")
    await dialog.get_by_label("Active").uncheck()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(_row(page, "locations", "Prenzlberg")).to_contain_text("inactive")
    changed = await _get(http, world, f"/locations/{stored['id']}")
    assert (changed["name"], changed["capacity"], changed["is_active"]) == (
        "Prenzlberg",
        None,
        False,
    )

    # Deleted, after a confirmation.
    await page.get_by_role("button", name="Edit: Prenzlberg").click()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Keep it").click()
    await expect(page.locator("#location-confirm")).to_be_hidden()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(_row(page, "locations", "Prenzlberg")).to_have_count(0)
    gone = await http.get(f"/locations/{stored['id']}", headers=world.headers("owner"))
    assert gone.status_code == 404

    # A location with workplaces, and one with appointments, is refused.
    await page.get_by_role("button", name="Edit: Mitte").click()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(page.locator("#location-error")).to_contain_text("still has workplaces")
    await add_appointment(app, world, workers=[world.specialist_a])
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(page.locator("#location-error")).to_contain_text(
        "has appointments, so it cannot be deleted"
    )
    await expect(dialog).to_be_visible()
    assert (await _get(http, world, f"/locations/{world.location_id}"))["is_active"] is True
    assert await axe_violations(page) == []
    _clean(board)


async def _hours(http: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    hours: list[dict[str, Any]] = await _get(http, world, f"/locations/{world.location_id}/hours")
    return hours


async def test_weekly_hours_are_edited_as_a_week(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_setup("owner", tab="locations")
    page = board.page
    dialog = page.locator("#hours-dialog")
    await page.get_by_role("button", name="Hours: Mitte").click()
    await expect(dialog.locator("#hours-title")).to_have_text("Opening hours of Mitte")
    monday = dialog.get_by_role("group", name="Monday")
    saturday = dialog.get_by_role("group", name="Saturday")
    sunday = dialog.get_by_role("group", name="Sunday")
    tuesday = dialog.get_by_role("group", name="Tuesday")
    await expect(monday.get_by_label("Open")).to_be_checked()
    await expect(monday.get_by_label("Monday: From")).to_have_value("09:00")
    await expect(sunday.get_by_label("Open")).not_to_be_checked()
    before = await _hours(http, world)

    # A closing time before the opening: named in words, nothing written.
    await tuesday.get_by_label("Tuesday: To").fill("08:00")
    await dialog.get_by_role("button", name="Save hours").click()
    await expect(page.locator("#hours-error")).to_contain_text(
        "Tuesday: closing must be after opening"
    )
    await expect(dialog).to_be_visible()
    assert await _hours(http, world) == before
    await tuesday.get_by_label("Tuesday: To").fill("19:00")

    # Two overlapping times of one day: the API refuses, and the page says so.
    await monday.get_by_role("button", name="Add hours").click()
    await monday.get_by_label("Monday: From").nth(1).fill("18:00")
    await monday.get_by_label("Monday: To").nth(1).fill("20:00")
    await dialog.get_by_role("button", name="Save hours").click()
    await expect(page.locator("#hours-error")).to_have_text("Two opening times of one day overlap.")
    assert await _hours(http, world) == before

    # A lunch break on Monday, Saturday closed, Sunday open in the morning.
    await monday.get_by_label("Monday: To").first.fill("12:00")
    await monday.get_by_label("Monday: From").nth(1).fill("13:00")
    await monday.get_by_label("Monday: To").nth(1).fill("19:00")
    await saturday.get_by_label("Open").uncheck()
    await expect(saturday.get_by_label("Saturday: From")).to_be_hidden()
    await sunday.get_by_label("Open").check()
    await sunday.get_by_label("Sunday: From").fill("10:00")
    await sunday.get_by_label("Sunday: To").fill("14:00")
    await dialog.get_by_role("button", name="Save hours").click()
    await expect(dialog).to_be_hidden()
    await expect(_row(page, "locations", "Mitte")).to_contain_text(
        "Mon 09:00–12:00, 13:00–19:00 · Tue–Fri 09:00–19:00 · Sun 10:00–14:00"
    )
    week = [
        (h["day_of_week"], h["start_time"][:5], h["end_time"][:5], h["is_day_off"])
        for h in await _hours(http, world)
    ]
    assert week == [
        (0, "09:00", "12:00", False),
        (0, "13:00", "19:00", False),
        *[(day, "09:00", "19:00", False) for day in range(1, 5)],
        (5, "00:00", "00:00", True),
        (6, "10:00", "14:00", False),
    ]
    _clean(board)


async def test_holidays_are_added_changed_and_removed(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_setup("director", tab="locations")
    page = board.page
    dialog = page.locator("#holidays-dialog")
    path = f"/locations/{world.location_id}/holidays"
    await page.get_by_role("button", name="Holidays: Mitte").click()
    await expect(dialog.locator("#holidays-title")).to_have_text("Holidays of Mitte")
    await expect(page.locator("#holidays-empty")).to_be_visible()

    await dialog.get_by_label("Date").fill("2030-12-25")
    await dialog.get_by_label("Description").fill("Christmas")
    await dialog.get_by_role("button", name="Add holiday").click()
    row = page.locator("#holidays-rows tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Wed, 25 December 2030")
    await expect(row).to_contain_text("closed")
    stored = await _get(http, world, path)
    assert [(h["date"], h["is_working"], h["description"]) for h in stored] == [
        ("2030-12-25", False, "Christmas")
    ]

    # The same date twice is refused beside the form.
    await dialog.get_by_label("Date").fill("2030-12-25")
    await dialog.get_by_role("button", name="Add holiday").click()
    await expect(page.locator("#holiday-error")).to_have_text(
        "This location already has a holiday on that date."
    )
    assert len(await _get(http, world, path)) == 1

    await dialog.get_by_role("button", name="New holiday instead").is_hidden()
    await dialog.get_by_role("button", name=re.compile("^Edit: ")).click()
    await expect(dialog.get_by_label("Description")).to_have_value("Christmas")
    await dialog.get_by_label("Date").fill("2030-12-28")
    await dialog.get_by_label("Open that day").check()
    await dialog.get_by_label("Description").fill("Extra Saturday")
    await dialog.get_by_role("button", name="Save holiday").click()
    await expect(row).to_contain_text("Sat, 28 December 2030")
    await expect(row).to_contain_text("open")
    stored = await _get(http, world, path)
    assert [(h["date"], h["is_working"], h["description"]) for h in stored] == [
        ("2030-12-28", True, "Extra Saturday")
    ]
    assert await axe_violations(page) == []

    await dialog.get_by_role("button", name=re.compile("^Remove: ")).click()
    await expect(row).to_have_count(0)
    assert await _get(http, world, path) == []
    _clean(board)


# ---------------------------------------------------------------- workplaces


async def test_workplaces_are_added_changed_moved_and_deleted(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World, app: FastAPI
) -> None:
    other = await http.post(
        "/locations",
        json={"name": "Kreuzberg", "time_zone": "Europe/Berlin"},
        headers=world.headers("owner"),
    )
    assert other.status_code == 201
    board = await open_setup("manager", tab="workplaces")
    page = board.page
    dialog = page.locator("#workplace-dialog")
    shown = page.locator("#panel-workplaces").get_by_label("Location")
    await expect(shown).to_have_value(str(world.location_id))
    await expect(_row(page, "workplaces", "Chair 1")).to_contain_text("none yet")

    await page.get_by_role("button", name="Add workplace").click()
    await dialog.get_by_label("Name").fill("Chair 1")
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("#workplace-error")).to_have_text(
        "Another workplace at this location already has this name."
    )
    assert len(await _items(http, world, "/workplaces")) == 1

    await dialog.get_by_label("Name").fill("Chair 2")
    await dialog.get_by_label("Kind").fill("chair")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(_row(page, "workplaces", "Chair 2")).to_contain_text("chair")
    stored = {w["name"]: w for w in await _items(http, world, "/workplaces")}["Chair 2"]
    assert (stored["location_id"], stored["type"]) == (str(world.location_id), "chair")

    # Renamed, retired and moved to Kreuzberg: the list follows it there.
    await page.get_by_role("button", name="Edit: Chair 2").click()
    await dialog.get_by_label("Name").fill("Window chair")
    await dialog.get_by_label("Active").uncheck()
    await dialog.get_by_label("Location").select_option(label="Kreuzberg")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(shown).to_have_value(other.json()["id"])
    await expect(_row(page, "workplaces", "Window chair")).to_contain_text("inactive")
    moved = await _get(http, world, f"/workplaces/{stored['id']}")
    assert (moved["name"], moved["is_active"], moved["location_id"]) == (
        "Window chair",
        False,
        other.json()["id"],
    )

    await page.get_by_role("button", name="Edit: Window chair").click()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog).to_be_hidden()
    gone = await http.get(f"/workplaces/{stored['id']}", headers=world.headers("owner"))
    assert gone.status_code == 404
    await expect(page.locator("#workplaces-empty")).to_be_visible()

    # A workplace with appointments cannot be deleted: the refusal says what to do instead.
    appointment = await add_appointment(app, world, workers=[world.specialist_a])
    await set_appointment_workplace(app, appointment, world.workplace_id)
    await shown.select_option(label="Mitte")
    await page.get_by_role("button", name="Edit: Chair 1").click()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(page.locator("#workplace-error")).to_contain_text("Untick “Active” to retire it")
    assert (await _get(http, world, f"/workplaces/{world.workplace_id}"))["name"] == "Chair 1"
    _clean(board)


async def test_a_workplace_offers_services_with_its_own_price(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_setup("owner", tab="workplaces")
    page = board.page
    dialog = page.locator("#offers-dialog")
    path = f"/workplaces/{world.workplace_id}/services"
    await page.get_by_role("button", name="Services: Chair 1").click()
    await expect(dialog.locator("#offers-title")).to_have_text("Services at Chair 1")
    row = dialog.locator("#offers-rows tr", has_text="Haircut")
    await expect(row).to_contain_text("usually €25.00, 30 min")
    await expect(row.get_by_label("Haircut: Price")).to_be_disabled()

    await row.get_by_label("Haircut: offered here").check()
    await row.get_by_label("Haircut: Price").fill("thirty")
    await row.get_by_role("button", name="Save: Haircut").click()
    await expect(row.locator(".error")).to_contain_text("Haircut: Price")
    assert await _get(http, world, path) == []

    await row.get_by_label("Haircut: Price").fill("30,5")
    await row.get_by_label("Haircut: Break after").fill("0")
    await row.get_by_role("button", name="Save: Haircut").click()
    await expect(row.locator(".row-note")).to_have_text("Saved.")
    stored = await _get(http, world, path)
    assert [
        (o["service_id"], o["price"], o["duration_minutes"], o["break_after_minutes"])
        for o in stored
    ] == [(str(world.service_id), "30.50", None, 0)]
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(_row(page, "workplaces", "Chair 1")).to_contain_text("Haircut")

    await page.get_by_role("button", name="Services: Chair 1").click()
    await expect(row.get_by_label("Haircut: Price")).to_have_value("30.50")
    await expect(row.get_by_label("Haircut: Duration")).to_have_value("")
    await row.get_by_label("Haircut: offered here").uncheck()
    await row.get_by_role("button", name="Save: Haircut").click()
    await expect(row.locator(".row-note")).to_have_text("No longer offered here.")
    assert await _get(http, world, path) == []
    await dialog.get_by_role("button", name="Close").click()
    await expect(_row(page, "workplaces", "Chair 1")).to_contain_text("none yet")
    _clean(board)


# ---------------------------------------------------------------- services


async def test_services_are_added_changed_retired_and_deleted(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World, app: FastAPI
) -> None:
    board = await open_setup("director", tab="services")
    page = board.page
    dialog = page.locator("#service-dialog")
    await expect(_row(page, "services", "Haircut")).to_contain_text("€25.00")

    await page.get_by_role("button", name="Add service").click()
    await expect(dialog.get_by_label("Currency")).to_have_value("EUR")
    await dialog.get_by_label("Name").fill("Haircut")
    await dialog.get_by_label("Price").fill("20")
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("#service-error")).to_have_text(
        "Another service already has this name."
    )
    assert len(await _items(http, world, "/services")) == 1

    await dialog.get_by_label("Name").fill("Beard trim")
    await dialog.get_by_label("Description").fill("With hot towel")
    await dialog.get_by_label("Duration").fill("20")
    await dialog.get_by_label("Break after").fill("5")
    await dialog.get_by_label("Price").fill("12,50")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    row = _row(page, "services", "Beard trim")
    await expect(row).to_contain_text("€12.50")
    await expect(row).to_contain_text("20 min")
    stored = {s["name"]: s for s in await _items(http, world, "/services")}["Beard trim"]
    assert (
        stored["description"],
        stored["duration_minutes"],
        stored["break_after_minutes"],
        stored["price"],
        stored["currency"],
    ) == ("With hot towel", 20, 5, "12.50", "EUR")

    await page.get_by_role("button", name="Edit: Beard trim").click()
    await expect(dialog.get_by_label("Price")).to_have_value("12.50")
    await dialog.get_by_label("Price").fill("14")
    await dialog.get_by_label("Preparation before").fill("5")
    await dialog.get_by_label("Active").uncheck()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(row).to_contain_text("€14.00")
    await expect(row).to_contain_text("inactive")
    # The keyboard goes on from the changed row.
    await expect(page.get_by_role("button", name="Edit: Beard trim")).to_be_focused()
    changed = await _get(http, world, f"/services/{stored['id']}")
    assert (changed["price"], changed["buffer_before_minutes"], changed["is_active"]) == (
        "14.00",
        5,
        False,
    )

    await page.get_by_role("button", name="Edit: Beard trim").click()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(row).to_have_count(0)
    gone = await http.get(f"/services/{stored['id']}", headers=world.headers("owner"))
    assert gone.status_code == 404

    await add_appointment(app, world, workers=[world.specialist_a])
    await page.get_by_role("button", name="Edit: Haircut").click()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(page.locator("#service-error")).to_contain_text("has been booked")
    assert (await _get(http, world, f"/services/{world.service_id}"))["is_active"] is True
    _clean(board)


# ---------------------------------------------------------------- every view


DIALOGS = {
    "location": ("locations", "Edit: Mitte", "#location-dialog"),
    "hours": ("locations", "Hours: Mitte", "#hours-dialog"),
    "holidays": ("locations", "Holidays: Mitte", "#holidays-dialog"),
    "workplace": ("workplaces", "Edit: Chair 1", "#workplace-dialog"),
    "offers": ("workplaces", "Services: Chair 1", "#offers-dialog"),
    "service": ("services", "Edit: Haircut", "#service-dialog"),
}


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_section_and_dialog_passes_axe_at_every_size(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World, size: str
) -> None:
    holiday = await http.post(
        f"/locations/{world.location_id}/holidays",
        json={"date": "2030-10-03", "description": "Unity Day"},
        headers=world.headers("owner"),
    )
    assert holiday.status_code == 201
    board = await open_setup("owner", size)
    page = board.page
    SCREENSHOTS.mkdir(exist_ok=True)
    for tab, name in TABS.items():
        await page.get_by_role("tab", name=name).click()
        await expect(page.locator(f"#panel-{tab}")).to_be_visible()
        if tab == "workplaces":
            await expect(_row(page, "workplaces", "Chair 1")).to_contain_text("none yet")
        assert await axe_violations(page) == [], tab
        await page.screenshot(path=str(SCREENSHOTS / f"setup-{tab}-{size}.png"), full_page=True)
        # The page never scrolls sideways as a whole (a table may, inside its box).
        assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth"), tab
    for view, (tab, opener, dialog) in DIALOGS.items():
        await page.get_by_role("tab", name=TABS[tab]).click()
        await page.get_by_role("button", name=opener).click()
        await expect(page.locator(dialog)).to_be_visible()
        if view == "offers":
            await expect(page.locator("#offers-rows tr")).to_have_count(1)
        if view == "holidays":
            await expect(page.locator("#holidays-rows tr")).to_have_count(1)
        assert await axe_violations(page) == [], view
        await page.screenshot(path=str(SCREENSHOTS / f"setup-{view}-dialog-{size}.png"))
        await page.keyboard.press("Escape")
        await expect(page.locator(dialog)).to_be_hidden()
    _clean(board)


async def test_the_tabs_work_from_the_keyboard(open_setup: SetupOpener) -> None:
    board = await open_setup("owner")
    page = board.page
    rules = page.get_by_role("tab", name="Booking rules")
    await expect(rules).to_have_attribute("aria-selected", "true")
    await rules.focus()
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_role("tab", name="Locations")).to_be_focused()
    await expect(page.locator("#panel-locations")).to_be_visible()
    await expect(page.locator("#panel-rules")).to_be_hidden()
    await page.keyboard.press("End")
    await expect(page.get_by_role("tab", name="Services")).to_have_attribute(
        "aria-selected", "true"
    )
    assert page.url.endswith("#services")  # a reload comes back to it
    await page.reload()
    await expect(page.locator("#panel-services")).to_be_visible(timeout=10000)
    _clean(board)


async def test_the_page_speaks_german_and_russian(
    open_setup: SetupOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_setup("owner", tab="locations")
    page = board.page
    await expect(_row(page, "locations", "Mitte")).to_contain_text("Mon–Sat")
    await page.locator("#language").select_option("de")
    await expect(page.get_by_role("tab", name="Buchungsregeln")).to_be_visible()
    await expect(page.get_by_role("button", name="Standort hinzufügen")).to_be_visible()
    await expect(_row(page, "locations", "Mitte")).to_contain_text("Mo–Sa 09:00–19:00")
    await expect(page.locator("#locations-table th").first).to_have_text("Name")
    await page.get_by_role("button", name="Zeiten: Mitte").click()
    await expect(page.locator("#hours-title")).to_have_text("Öffnungszeiten von Mitte")
    await expect(page.get_by_role("group", name="Montag").get_by_label("Geöffnet")).to_be_checked()
    await page.keyboard.press("Escape")
    await page.get_by_role("tab", name="Arbeitsplätze").click()
    await page.get_by_role("button", name="Leistungen: Chair 1").click()
    offers = page.locator("#offers-dialog")
    await expect(offers.locator("#offers-title")).to_have_text("Leistungen an Chair 1")
    await offers.get_by_label("Haircut: hier angeboten").check()
    await offers.get_by_label("Haircut: Preis").fill("31")
    # Switched while typing: the rows are in English now and keep what was typed.
    await page.locator("#language").evaluate(
        "s => { s.value = 'en'; s.dispatchEvent(new Event('change')); }"
    )
    await expect(offers.locator("#offers-title")).to_have_text("Services at Chair 1")
    await expect(offers.get_by_label("Haircut: Price")).to_have_value("31")
    await expect(offers.get_by_label("Haircut: Price")).to_be_enabled()
    await page.keyboard.press("Escape")
    await page.locator("#language").select_option("de")
    await page.get_by_role("tab", name="Leistungen").click()
    await expect(_row(page, "services", "Haircut")).to_contain_text("25,00 €")
    await expect(_row(page, "services", "Haircut")).to_contain_text("30 Min.")

    await page.locator("#language").select_option("ru")
    await expect(page.get_by_role("tab", name="Правила записи")).to_be_visible()
    await expect(page.get_by_role("button", name="Добавить услугу")).to_be_visible()
    await expect(_row(page, "services", "Haircut")).to_contain_text("активно")
    await page.get_by_role("tab", name="Правила записи").click()
    await expect(page.locator("#rule-notice-hint")).to_contain_text("1 час")
    # A refusal in the chosen language too.
    await page.get_by_role("tab", name="Услуги").click()
    await page.get_by_role("button", name="Добавить услугу").click()
    await page.locator("#service-name").fill("Haircut")
    await page.locator("#service-price").fill("20")
    await page.locator("#service-save").click()
    await expect(page.locator("#service-error")).to_have_text("Услуга с таким названием уже есть.")
    me = await http.get("/me", headers=world.headers("owner"))
    assert me.json()["locale"] == "ru"  # kept with the login
    _clean(board)


async def test_the_page_and_its_modules_are_served(http: httpx.AsyncClient, server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as web:
        response = await web.get("/setup")
        assert response.status_code == 200
        page = response.text
        assert entry_point(page).startswith("/board/static/setup.js?v=")
        assert 'id="login-form"' in page
        assert 'aria-current="page"' in page and 'href="/setup"' in page
        assert "http://" not in page and "https://" not in page
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert " style=" not in page  # the policy would refuse inline styles
        seen = await served_modules(web, entry_point(page))
        assert {"setup-ui.js", "setup-hours.js", "strings-setup.js", "session.js"} <= seen
        style = await web.get("/board/static/setup.css")
        assert style.status_code == 200
        assert style.headers["content-type"].startswith("text/css")
