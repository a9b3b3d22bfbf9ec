"""A client's "My appointments" page (/my) in Debian's Chromium: upcoming and past with place,
address, price and staff; cancel (after a confirmation) and move to another free time within
the deadline, read back through the API; the refusals in words beside the card; no buttons
past the deadline; never another client's; three languages; axe-core and screenshots at
three sizes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import World, add_appointment
from tests.web.accessibility import axe_violations, check_view
from tests.web.conftest import (
    FIRM_ZONE,
    SIZES,
    Board,
    Staff,
    expect,
    signed_in,
    sized_context,
)
from tests.web.static_files import entry_point, served_modules

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Locator, Page

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
MyOpener = Callable[..., Awaitable[Board]]


def _weekday_ahead(days: int) -> date:
    """A working day (Monday to Friday: the specialists' days) at least ``days`` ahead in
    the firm's zone."""
    day = datetime.now(FIRM_ZONE).date() + timedelta(days=days)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=FIRM_ZONE)


@pytest.fixture
async def open_my(browser: Browser, server: str, world: World) -> AsyncIterator[MyOpener]:
    contexts: list[BrowserContext] = []

    async def open_as(
        role: str = "client", size: str = "desktop", *, live: bool = True, poll: int = 60
    ) -> Board:
        context = await sized_context(browser, size, live=live)
        contexts.append(context)
        board = await signed_in(context, f"{server}/my?poll={poll}", world.emails[role])
        page = board.page
        await expect(page.locator("#mine")).to_be_visible(timeout=10000)
        if role == "client":
            await expect(page.locator("#mine")).to_have_attribute("aria-busy", "false")
            await expect(page.locator("body")).to_have_attribute("data-loads", re.compile(r"\d"))
        return board

    yield open_as
    for context in contexts:
        await context.close()


def _card(page: Page, appointment_id: Any) -> Locator:
    return page.locator(f"#card-{appointment_id}")


async def _api_view(http: httpx.AsyncClient, world: World, appointment_id: Any) -> dict[str, Any]:
    response = await http.get(f"/appointments/{appointment_id}", headers=world.headers("director"))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _mine(http: httpx.AsyncClient, world: World, when: str) -> list[dict[str, Any]]:
    response = await http.get(
        "/me/appointments", params={"when": when}, headers=world.headers("client")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class Seeded:
    def __init__(self, changeable: dict[str, Any], too_late: Any, past: Any, other: Any) -> None:
        self.changeable = changeable  # as POST /appointments answered
        self.too_late = too_late  # ids
        self.past = past
        self.other = other


async def _seed(app: FastAPI, staff: Staff, world: World) -> Seeded:
    day = _weekday_ahead(2)
    changeable = await staff.book(_at(day, 10), [world.specialist_b], notes="Staff only: VIP")
    # Starting within the firm's deadline (2 h): too late for the client to change.
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=50)
    too_late = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id, start=soon
    )
    past = await add_appointment(
        app,
        world,
        workers=[world.specialist_c],
        client_id=world.client_id,
        start=_at(datetime.now(FIRM_ZONE).date() - timedelta(days=3), 11),
    )
    # Done: the firm marked it completed.
    await staff.change(await _api_view(staff.http, world, past), status="completed")
    other = await add_appointment(
        app,
        world,
        workers=[world.specialist_b],
        client_id=world.other_client_id,
        start=_at(day, 12),
    )
    return Seeded(changeable, too_late, past, other)


def _clean(board: Board) -> None:
    assert board.errors == [] and board.console == [], (board.errors, board.console)


async def test_the_page_is_a_self_contained_shell(client: httpx.AsyncClient) -> None:
    response = await client.get("/my")
    assert response.status_code == 200
    page = response.text
    assert entry_point(page).startswith("/board/static/my.js?v=")
    assert 'href="/board/static/my.css?v=' in page
    assert 'id="login-form"' in page
    assert '<a href="/my" data-i18n="nav.my" data-roles="client"' in page
    assert 'aria-current="page"' in page
    assert "http://" not in page and "https://" not in page
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert await served_modules(client, entry_point(page)) == {
        "my.js",
        "i18n.js",
        "live.js",
        "session.js",
        "signin.js",
        "strings-common.js",
        "strings-my.js",
    }
    # Every staff page links to it, for clients only.
    board = (await client.get("/board")).text
    assert '<a href="/my" data-i18n="nav.my" data-roles="client" hidden>' in board


async def test_upcoming_and_past_with_their_details(
    app: FastAPI, open_my: MyOpener, staff: Staff, world: World
) -> None:
    seeded = await _seed(app, staff, world)
    board = await open_my()
    page = board.page
    await expect(page.get_by_role("tab", name=re.compile("Upcoming"))).to_have_attribute(
        "aria-selected", "true"
    )
    await expect(page.locator("#list-upcoming .my-card")).to_have_count(2)
    mine = _card(page, seeded.changeable["id"])
    start = datetime.fromisoformat(seeded.changeable["start_at"]).astimezone(FIRM_ZONE)
    long_day = f"{start:%A}, {start.day} {start:%B} {start.year}"
    await expect(mine.locator(".my-when")).to_have_text(f"{long_day}, 10:00\u201310:30")
    await expect(mine.locator(".my-service")).to_contain_text("Haircut · 30 min")
    await expect(mine.locator(".my-staff")).to_contain_text("Ben")
    await expect(mine.locator(".my-place")).to_contain_text("Mitte")
    await expect(mine.locator(".my-place")).to_contain_text("Torstr. 1, Berlin")
    await expect(mine.locator(".my-price")).to_contain_text("€25.00")
    await expect(mine.locator(".badge")).to_have_text("scheduled")
    await expect(mine.locator(".my-zone")).to_have_text("Times in Europe/Berlin")
    await expect(mine.locator(".my-deadline")).to_contain_text("You can cancel or move it until")
    await expect(mine.get_by_role("button", name="Cancel")).to_be_visible()
    await expect(mine.get_by_role("button", name="Move")).to_be_visible()
    # Soonest first: the one starting within the hour, then the one in two days.
    ids = await page.locator("#list-upcoming .my-card").evaluate_all(
        "cards => cards.map(c => c.dataset.id)"
    )
    assert ids == [str(seeded.too_late), seeded.changeable["id"]]

    # Past the deadline: no buttons, but until when and whom to call.
    late = _card(page, seeded.too_late)
    await expect(late.locator(".my-staff")).to_contain_text("Anna")
    await expect(late.get_by_role("button")).to_have_count(0)
    await expect(late.locator(".my-too-late")).to_contain_text("Changes were possible until")
    await expect(late.locator(".my-too-late")).to_contain_text(f"please call Firm {world.slug}")

    await page.get_by_role("tab", name=re.compile("Past")).click()
    await expect(page.locator("#panel-upcoming")).to_be_hidden()
    await expect(page.locator("#list-past .my-card")).to_have_count(1)
    past = _card(page, seeded.past)
    await expect(past.locator(".my-when")).to_contain_text("11:00\u201311:30")
    await expect(past.locator(".my-staff")).to_contain_text("Cem")
    await expect(past.locator(".my-place")).to_contain_text("Torstr. 1, Berlin")
    await expect(past.locator(".badge")).to_have_text("completed")
    await expect(past.get_by_role("button")).to_have_count(0)
    await expect(past.locator(".my-deadline")).to_have_count(0)
    # The keyboard moves between the tabs.
    await page.keyboard.press("ArrowLeft")
    await expect(page.get_by_role("tab", name=re.compile("Upcoming"))).to_be_focused()
    await expect(page.locator("#panel-upcoming")).to_be_visible()

    # Never another client's appointment, nor the firm's notes.
    await expect(_card(page, seeded.other)).to_have_count(0)
    await expect(page.locator("body")).not_to_contain_text("Otto")
    await expect(page.locator("body")).not_to_contain_text("Staff only")
    _clean(board)


async def test_a_change_by_the_firm_shows_at_once(
    app: FastAPI, open_my: MyOpener, staff: Staff, world: World
) -> None:
    seeded = await _seed(app, staff, world)
    board = await open_my()
    page = board.page
    await expect(page.locator("body")).to_have_attribute("data-live", "live")
    mine = _card(page, seeded.changeable["id"])
    slots = await _open_move_with_slots(page, mine)
    await slots.first.focus()
    start = await slots.first.get_attribute("data-start")
    day = datetime.fromisoformat(seeded.changeable["start_at"]).astimezone(FIRM_ZONE).date()
    await staff.change(seeded.changeable, start_at=_at(day, 16), end_at=_at(day, 16, 30))
    await expect(mine.locator(".my-when")).to_contain_text("16:00\u201316:30", timeout=5000)
    # The list was read again under the client's hands: the open step and the focus stay.
    await expect(mine.locator(".my-move-panel")).to_be_visible()
    await expect(mine.locator(f'.my-slot[data-start="{start}"]')).to_be_focused()
    # Its free times are read again: the old time is free now, the new one is not offered.
    await expect(mine.locator(".my-slot").filter(has_text=re.compile("^10:00$"))).to_have_count(1)
    await expect(mine.locator(".my-slot").filter(has_text=re.compile("^16:00$"))).to_have_count(0)
    # Given to another client, it is gone from this one's page.
    moved = await _api_view(staff.http, world, seeded.changeable["id"])
    await staff.change(moved, client_id=str(world.other_client_id))
    await expect(mine).to_have_count(0, timeout=5000)
    await expect(page.locator("#list-upcoming .my-card")).to_have_count(1)
    _clean(board)


async def test_cancel_after_a_confirmation(
    app: FastAPI, open_my: MyOpener, staff: Staff, http: httpx.AsyncClient, world: World
) -> None:
    seeded = await _seed(app, staff, world)
    board = await open_my()
    page = board.page
    mine = _card(page, seeded.changeable["id"])
    await mine.get_by_role("button", name="Cancel").click()
    await expect(mine.locator(".my-ask")).to_have_text("Cancel this appointment?")
    await expect(mine.get_by_role("button", name="Keep it")).to_be_focused()
    await mine.get_by_role("button", name="Keep it").click()
    await expect(mine.get_by_role("button", name="Cancel")).to_be_focused()
    assert (await _api_view(http, world, seeded.changeable["id"]))["status"] == "scheduled"

    await mine.get_by_role("button", name="Cancel").click()
    await mine.get_by_role("button", name="Yes, cancel it").click()
    await expect(mine.locator(".my-note")).to_have_text("Your appointment has been cancelled.")
    await expect(mine.locator(".badge")).to_have_text("cancelled")
    await expect(mine.get_by_role("button")).to_have_count(0)
    assert (await _api_view(http, world, seeded.changeable["id"]))["status"] == "cancelled"
    statuses = {a["id"]: a["status"] for a in await _mine(http, world, "upcoming")}
    assert statuses[seeded.changeable["id"]] == "cancelled"
    _clean(board)


async def _open_move_with_slots(page: Page, card: Locator) -> Locator:
    await card.get_by_role("button", name="Move").click()
    await expect(card.locator(".my-move-panel")).to_have_attribute(
        "data-slots-read", re.compile(r"\d")
    )
    slots = card.locator(".my-slot")
    for _ in range(7):  # on to a day with free times
        if await slots.count():
            break
        read = await card.locator(".my-move-panel").get_attribute("data-slots-read")
        await card.get_by_role("button", name="Next day").click()
        await expect(card.locator(".my-move-panel")).not_to_have_attribute(
            "data-slots-read", str(read)
        )
    await expect(slots.first).to_be_visible()
    return slots


async def test_move_to_another_free_time(
    app: FastAPI, open_my: MyOpener, staff: Staff, http: httpx.AsyncClient, world: World
) -> None:
    seeded = await _seed(app, staff, world)
    board = await open_my()
    page = board.page
    mine = _card(page, seeded.changeable["id"])
    slots = await _open_move_with_slots(page, mine)
    # Its own time is not offered as a move.
    starts = await slots.evaluate_all("nodes => nodes.map(n => n.dataset.start)")
    booked = datetime.fromisoformat(seeded.changeable["start_at"])
    assert booked not in {datetime.fromisoformat(s) for s in starts}
    target = slots.nth(2)
    start = await target.get_attribute("data-start")
    assert start
    label = await target.inner_text()
    await target.click()
    await expect(mine.locator(".my-ask").last).to_contain_text("Move it to ")
    await expect(mine.get_by_role("button", name="Yes, move it")).to_be_focused()
    await mine.get_by_role("button", name="Yes, move it").click()
    await expect(mine.locator(".my-note")).to_contain_text("Your appointment has been moved to")
    await expect(mine.locator(".my-when")).to_contain_text(f", {label}\u2013")
    await expect(mine.locator(".my-move-panel")).to_have_count(0)
    moved = await _api_view(http, world, seeded.changeable["id"])
    assert datetime.fromisoformat(moved["start_at"]) == datetime.fromisoformat(start)
    assert [w["id"] for w in moved["workers"]] == [str(world.specialist_b)]
    listed = {a["id"]: a for a in await _mine(http, world, "upcoming")}
    assert datetime.fromisoformat(
        listed[seeded.changeable["id"]]["start_at"]
    ) == datetime.fromisoformat(start)
    _clean(board)


async def test_a_time_taken_meanwhile_is_said_beside_the_card(
    app: FastAPI, open_my: MyOpener, staff: Staff, http: httpx.AsyncClient, world: World
) -> None:
    seeded = await _seed(app, staff, world)
    board = await open_my()
    page = board.page
    mine = _card(page, seeded.changeable["id"])
    slots = await _open_move_with_slots(page, mine)
    target = slots.nth(1)
    start = await target.get_attribute("data-start")
    assert start
    await target.click()
    # Someone else books Ben at that time before the client confirms.
    taken = datetime.fromisoformat(start)
    await staff.book(taken, [world.specialist_b], client=False)
    await mine.get_by_role("button", name="Yes, move it").click()
    await expect(mine.locator(".my-note")).to_have_text(re.compile("That time has just been taken"))
    await expect(mine.locator(".my-move-panel")).to_be_visible()
    await expect(mine.locator(f'.my-slot[data-start="{start}"]')).to_have_count(0)
    await expect(mine.locator(".my-slot").first).to_be_visible()
    unchanged = await _api_view(http, world, seeded.changeable["id"])
    assert unchanged["start_at"] == seeded.changeable["start_at"]
    assert await axe_violations(page) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "my-slot-taken-desktop.png"), full_page=True)
    _clean_except(board, "409 (Conflict)")


async def test_a_change_made_meanwhile_is_said_and_shown(
    app: FastAPI, open_my: MyOpener, staff: Staff, http: httpx.AsyncClient, world: World
) -> None:
    seeded = await _seed(app, staff, world)
    # No stream and no polling for an hour: the page keeps the version it read.
    board = await open_my(live=False, poll=3600)
    page = board.page
    mine = _card(page, seeded.changeable["id"])
    day = datetime.fromisoformat(seeded.changeable["start_at"]).astimezone(FIRM_ZONE).date()
    await staff.change(seeded.changeable, start_at=_at(day, 15), end_at=_at(day, 15, 30))
    await mine.get_by_role("button", name="Cancel").click()
    await mine.get_by_role("button", name="Yes, cancel it").click()
    await expect(mine.locator(".my-note")).to_have_text(
        re.compile("This appointment was changed meanwhile")
    )
    # The list is read again: the firm's new time is shown, still scheduled.
    await expect(mine.locator(".my-when")).to_contain_text("15:00\u201315:30")
    await expect(mine.locator(".badge")).to_have_text("scheduled")
    assert (await _api_view(http, world, seeded.changeable["id"]))["status"] == "scheduled"
    _clean_except(board, "412 (Precondition Failed)", "ERR_CONNECTION_REFUSED")


def _clean_except(board: Board, *expected: str) -> None:
    """No script error; the browser's own lines for the requests the test had refused (a
    status, or the stream it blocked) and nothing else."""
    assert board.errors == []
    assert board.console, "the refused request is not in the console"
    assert all(any(e in line for e in expected) for line in board.console), board.console


async def test_staff_get_a_note_and_clients_the_link(
    app: FastAPI, open_my: MyOpener, staff: Staff, world: World
) -> None:
    await _seed(app, staff, world)
    board = await open_my("director")
    page = board.page
    await expect(page.locator("#mine-staff")).to_contain_text("This page is for clients")
    await expect(page.locator("#mine-lists")).to_be_hidden()
    await expect(page.get_by_role("link", name="My appointments")).to_be_hidden()
    await expect(page.get_by_role("link", name="Calendar")).to_be_visible()
    _clean(board)

    client = await open_my("client")
    page = client.page
    await expect(page.locator("#mine-staff")).to_be_hidden()
    link = page.get_by_role("link", name="My appointments")
    await expect(link).to_be_visible()
    await expect(link).to_have_attribute("aria-current", "page")
    await expect(page.get_by_role("link", name="Calendar")).to_be_hidden()
    await page.get_by_role("link", name="Live board").click()
    await expect(page.locator("#board")).to_be_visible()
    await expect(page.get_by_role("link", name="My appointments")).to_be_visible()
    _clean(client)


@pytest.mark.parametrize(
    ("language", "title", "upcoming", "cancel", "late"),
    [
        ("de", "Meine Termine", "Bevorstehend", "Stornieren", "Änderungen waren bis"),
        ("ru", "Мои записи", "Предстоящие", "Отменить", "Изменить запись можно было до"),
    ],
)
async def test_german_and_russian(
    app: FastAPI,
    open_my: MyOpener,
    staff: Staff,
    world: World,
    language: str,
    title: str,
    upcoming: str,
    cancel: str,
    late: str,
) -> None:
    seeded = await _seed(app, staff, world)
    board = await open_my()
    page = board.page
    await page.locator("#language").select_option(language)
    await expect(page.locator("#mine-title")).to_have_text(title)
    await expect(page.get_by_role("tab", name=re.compile(upcoming))).to_be_visible()
    mine = _card(page, seeded.changeable["id"])
    await expect(mine.get_by_role("button", name=cancel, exact=True)).to_be_visible()
    await expect(_card(page, seeded.too_late).locator(".my-too-late")).to_contain_text(late)
    await expect(page.get_by_role("link", name=title)).to_be_visible()
    assert await page.evaluate("document.documentElement.lang") == language
    _clean(board)


@pytest.mark.parametrize("size", list(SIZES))
async def test_screenshots_and_accessibility(
    app: FastAPI, open_my: MyOpener, staff: Staff, world: World, size: str
) -> None:
    seeded = await _seed(app, staff, world)
    board = await open_my("client", size)
    page = board.page
    SCREENSHOTS.mkdir(exist_ok=True)

    async def shot(view: str) -> None:
        await check_view(page, view, SCREENSHOTS / f"my-{view}-{size}.png")

    await expect(page.locator("#list-upcoming .my-card")).to_have_count(2)
    await shot("upcoming")
    mine = _card(page, seeded.changeable["id"])
    await mine.get_by_role("button", name="Cancel").click()
    await shot("cancel-ask")
    await mine.get_by_role("button", name="Keep it").click()
    slots = await _open_move_with_slots(page, mine)
    await shot("move")
    await slots.nth(1).click()
    await shot("move-ask")
    await mine.get_by_role("button", name="No, keep the old time").click()
    await page.get_by_role("tab", name=re.compile("Past")).click()
    await expect(page.locator("#list-past .my-card")).to_have_count(1)
    await shot("past")
    _clean(board)
