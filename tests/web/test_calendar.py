"""The staff calendar in Debian's Chromium: the day as a column per specialist, the week, the
list, in the location's time zone, under the pages' strict content security policy."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.factories import World
from tests.web.accessibility import UPSTREAM, axe_violations, upstream_findings
from tests.web.calendar_helpers import drag, read_stored
from tests.web.conftest import (
    SIZES,
    BoardOpener,
    CalendarOpener,
    Staff,
    expect,
    staff_context,
    today_at,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


async def test_day_view_has_a_column_per_specialist_with_their_appointments(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_b], notes="Allergic to lavender")
    board = await open_calendar("director")
    page = board.page
    await expect(page.locator(".ec-event")).to_have_count(1)
    headers = page.locator(".ec-header .ec-col-head")
    await expect(headers).to_have_text(["Anna", "Ben", "Cem"])
    card = page.locator(".ec-event", has_text="Clara Client")
    await expect(card).to_have_count(1)
    # 10:00 in the firm's zone, although the browser is at UTC+14.
    await expect(card).to_contain_text("10:00")
    await expect(card).to_contain_text("Haircut")
    await expect(card).to_contain_text("Note")
    # In Ben's column: its left edge lies under Ben's header.
    ben = await headers.nth(1).bounding_box()
    box = await card.bounding_box()
    assert ben is not None and box is not None
    assert ben["x"] - 2 <= box["x"] < ben["x"] + ben["width"], (ben, box)
    assert booked["workers"][0]["name"] == "Ben"

    await page.get_by_role("button", name="Week", exact=True).click()
    await expect(page.locator(".ec-event", has_text="Clara Client")).to_have_count(1)
    await page.get_by_role("button", name="List", exact=True).click()
    await expect(page.locator(".ec-list .ec-event", has_text="Clara Client")).to_have_count(1)
    await page.get_by_role("button", name="Day", exact=True).click()
    await page.get_by_role("button", name="Next day").click()  # tomorrow: nothing booked
    await expect(page.locator(".ec-event")).to_have_count(0)
    await page.get_by_role("button", name="Today", exact=True).click()
    await expect(page.locator(".ec-event", has_text="Clara Client")).to_have_count(1)
    assert not board.errors, board.errors
    assert not board.console, board.console  # a CSP violation would be one


async def test_a_worker_sees_their_own_column(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    await staff.book(today_at(11), [world.specialist_a])
    await staff.book(today_at(12), [world.specialist_b])
    board = await open_calendar("worker")
    await expect(board.page.locator(".ec-header .ec-col-head")).to_have_text(["Anna"])
    await expect(board.page.locator(".ec-event")).to_have_count(1)
    await expect(board.page.locator(".ec-event")).to_contain_text("11:00")
    assert not board.errors and not board.console, (board.errors, board.console)


@pytest.mark.parametrize("size", list(SIZES))
async def test_screenshots_of_the_day(
    open_calendar: CalendarOpener, staff: Staff, world: World, size: str
) -> None:
    await staff.book(today_at(9, 30), [world.specialist_a])
    await staff.book(today_at(13), [world.specialist_c], notes="First visit")
    board = await open_calendar("director", size)
    await expect(board.page.locator(".ec-event")).to_have_count(2)
    assert await axe_violations(board.page) == []
    # The component's own finding is still there (when it is gone, drop it from UPSTREAM).
    assert await upstream_findings(board.page) == UPSTREAM
    SCREENSHOTS.mkdir(exist_ok=True)
    await board.page.screenshot(path=str(SCREENSHOTS / f"calendar-day-{size}.png"), full_page=True)
    # Every column can be reached: the last one is on the page or reachable by scrolling.
    last = board.page.locator(".ec-header .ec-col-head").last
    await last.scroll_into_view_if_needed()
    await expect(last).to_be_in_viewport()


async def test_the_sign_in_form_and_the_board_pass_axe(
    browser: Browser,
    server: str,
    open_board: BoardOpener,
    staff: Staff,
    world: World,
) -> None:
    context = await staff_context(browser)
    try:
        page = await context.new_page()
        await page.goto(f"{server}/calendar")
        await expect(page.locator("#login").get_by_label("Email", exact=True)).to_be_visible()
        assert await axe_violations(page) == []
    finally:
        await context.close()
    await staff.book(today_at(10), [world.specialist_a], notes="Window seat")
    board = await open_board("director")
    await expect(board.page.locator(".card")).to_have_count(1)
    assert await axe_violations(board.page) == []


async def test_drag_moves_and_reassigns_with_the_version(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a])
    board = await open_calendar("director")
    card = board.page.locator(f'[data-appointment="{booked["id"]}"]')
    await expect(card).to_contain_text("10:00")

    async with board.page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        await drag(board, booked["id"], to_column=1, minutes=60)  # to Ben, 11:00
    assert (await saved.value).status == 200

    await expect(card).to_contain_text("11:00")
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert stored["start_at"] == today_at(11).astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert [w["name"] for w in stored["workers"]] == ["Ben"]
    assert stored["version"] == booked["version"] + 1
    ben = await board.page.locator(".ec-header .ec-col-head").nth(1).bounding_box()
    box = await card.bounding_box()
    assert ben is not None and box is not None
    assert ben["x"] - 2 <= box["x"] < ben["x"] + ben["width"]
    assert not board.errors and not board.console, (board.errors, board.console)


async def test_a_refused_drop_puts_the_card_back_and_says_why(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a])
    await staff.book(today_at(11), [world.specialist_c], client=False)
    board = await open_calendar("director", live=False)
    card = board.page.locator(f'[data-appointment="{booked["id"]}"]')
    anna = await board.page.locator(".ec-header .ec-col-head").nth(0).bounding_box()

    await drag(board, booked["id"], to_column=2, minutes=60)  # onto Cem's 11:00

    note = board.page.locator("#change-note")
    await expect(note).to_be_visible()
    await expect(note).to_have_text("Cem already has an appointment from 11:00 to 11:40.")
    await expect(card).to_contain_text("10:00")
    box = await card.bounding_box()
    assert anna is not None and box is not None
    assert anna["x"] - 2 <= box["x"] < anna["x"] + anna["width"]
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert stored["version"] == booked["version"]  # nothing changed

    # Someone else changes it meanwhile: the drop is refused (412), and the card shows theirs.
    await staff.change(booked, start_at=today_at(14))
    await expect(card).to_contain_text("10:00")  # this page has not heard of it yet
    await drag(board, booked["id"], to_column=1, minutes=30)
    await expect(note).to_contain_text("Someone else changed this appointment")
    await expect(card).to_contain_text("14:00")
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert stored["start_at"].startswith(today_at(14).astimezone(UTC).isoformat()[:16])
    assert [w["name"] for w in stored["workers"]] == ["Anna"]


async def test_a_worker_cannotdrag(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a])
    board = await open_calendar("worker")
    card = board.page.locator(f'[data-appointment="{booked["id"]}"]')
    await expect(card).to_be_visible()
    await drag(board, booked["id"], to_column=0, minutes=60)
    await expect(card).to_contain_text("10:00")
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert stored["version"] == booked["version"]


async def test_the_card_dialog_edits_notes_cancels_and_deletes(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    first = await staff.book(today_at(10), [world.specialist_a], notes="Short")
    second = await staff.book(today_at(12), [world.specialist_b])
    board = await open_calendar("director")
    page = board.page
    dialog = page.locator("#card-dialog")

    await page.locator(f'[data-appointment="{first["id"]}"]').click()
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#card-title")).to_have_text("Clara Client")
    await expect(dialog.locator("#card-when")).to_contain_text("10:00\u201310:30")
    await expect(dialog.get_by_label("Notes")).to_have_value("Short")
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "calendar-card-dialog-desktop.png"))
    await dialog.get_by_label("Notes").fill("Prefers the window seat")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    assert (await read_stored(staff, world, first["id"])).json()[
        "notes"
    ] == "Prefers the window seat"

    await page.locator(f'[data-appointment="{first["id"]}"]').click()
    await dialog.get_by_role("button", name="Cancel appointment").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator(f'[data-appointment="{first["id"]}"]')).to_have_class(
        re.compile("is-cancelled")
    )
    assert (await read_stored(staff, world, first["id"])).json()["status"] == "cancelled"

    card = page.locator(f'[data-appointment="{second["id"]}"]')
    await card.click()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Keep it").click()
    await expect(dialog.locator("#card-confirm")).to_be_hidden()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(card).to_have_count(0)
    assert (await read_stored(staff, world, second["id"])).status_code == 404
    assert not board.errors and not board.console, (board.errors, board.console)


async def test_the_dialog_keeps_what_was_typed_when_someone_else_changed_it(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a])
    board = await open_calendar("director", live=False)
    dialog = board.page.locator("#card-dialog")
    await board.page.locator(f'[data-appointment="{booked["id"]}"]').click()
    await dialog.get_by_label("Notes").fill("Typed while someone else moved it")
    await staff.change(booked, start_at=today_at(15))

    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#card-error")).to_contain_text(
        "Someone else changed this appointment"
    )
    await expect(dialog.locator("#card-when")).to_contain_text("15:00\u201315:30")
    await expect(dialog.get_by_label("Notes")).to_have_value("Typed while someone else moved it")
    # Saving again applies on top of the other change.
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert stored["notes"] == "Typed while someone else moved it"
    assert stored["start_at"].startswith(today_at(15).astimezone(UTC).isoformat()[:16])
    assert await axe_violations(board.page) == []


async def test_a_card_opens_from_the_keyboard(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a])
    board = await open_calendar("director")
    card = board.page.locator(f'[data-appointment="{booked["id"]}"]')
    await expect(card).to_have_attribute("tabindex", "0")
    await card.focus()
    writes: list[str] = []
    board.page.on("request", lambda r: writes.append(r.method) if r.method != "GET" else None)
    await board.page.keyboard.press("Enter")
    dialog = board.page.locator("#card-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("button", name="Start")).to_be_visible()
    # The Enter that opened it pressed nothing inside it (such as Start).
    await board.page.keyboard.press("Escape")  # a modal dialog closes with Escape
    await expect(dialog).to_be_hidden()
    assert (
        writes == []
        and (await read_stored(staff, world, booked["id"])).json()["version"] == booked["version"]
    )
