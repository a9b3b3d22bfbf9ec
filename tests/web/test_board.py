"""The live board in real headless Chromium against a real server: changes made through the
API by other people appear on open boards without a reload."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI

from slotwise.config import Settings
from slotwise.connections import repository
from slotwise.models import Connection
from slotwise.realtime.events import record_sync_conflict
from tests.factories import PASSWORD, World, add_connection
from tests.live_server import live_server
from tests.web.conftest import STREAM_URL, BoardOpener, Staff, expect, staff_context, today_at

pytestmark = pytest.mark.browser

if TYPE_CHECKING:
    from playwright.async_api import Browser, Locator, Page

LIVE_MS = 2000  # what "at once" means for an open board


def times(start: str, end: str) -> str:
    return f"{start}\N{EN DASH}{end}"


def card(page: Page | Locator, appointment: dict[str, Any]) -> Locator:
    return page.locator(f'li.card[data-appointment-id="{appointment["id"]}"]')


def column(page: Page, specialist_id: object) -> Locator:
    return page.locator(f'section.column[data-worker-id="{specialist_id}"]')


class Stopwatch:
    """Reports how long each live change took to show, for the record (-s to see it)."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def lap(self, what: str) -> None:
        print(f"board: {what} shown after {1000 * (time.monotonic() - self.started):.0f} ms")
        self.started = time.monotonic()


async def test_worker_board_shows_directors_changes_live(
    open_board: BoardOpener, staff: Staff, world: World
) -> None:
    first = await staff.book(today_at(10), [world.specialist_a])
    board = await open_board("worker")
    page = board.page
    await expect(card(page, first)).to_contain_text(times("10:00", "10:30"))
    await expect(card(page, first)).to_contain_text("Clara Client")
    await expect(page.locator("li.card")).to_have_count(1)

    watch = Stopwatch()
    first = await staff.change(first, notes="Bring the blue towel")
    await expect(card(page, first)).to_contain_text("Bring the blue towel", timeout=LIVE_MS)
    watch.lap("a changed note")

    watch = Stopwatch()
    first = await staff.change(first, start_at=today_at(11, 30), end_at=today_at(12))
    await expect(card(page, first)).to_contain_text(times("11:30", "12:00"), timeout=LIVE_MS)
    watch.lap("a changed time")

    # Another worker's booking stays off this board; the worker's own new one appears.
    await staff.book(today_at(13), [world.specialist_b])
    watch = Stopwatch()
    second = await staff.book(today_at(9), [world.specialist_a], client=False)
    await expect(card(page, second)).to_contain_text(times("09:00", "09:30"), timeout=LIVE_MS)
    watch.lap("a new appointment")
    cards = page.locator("li.card")
    await expect(cards).to_have_count(2)
    # Ordered by time: the new 09:00 one comes before the 11:30 one.
    assert await cards.nth(0).get_attribute("data-appointment-id") == second["id"]
    assert await cards.nth(1).get_attribute("data-appointment-id") == first["id"]
    assert board.errors == [] and board.console == []


async def test_worker_board_drops_appointments_taken_away(
    open_board: BoardOpener, staff: Staff, world: World
) -> None:
    shared = await staff.book(today_at(10), [world.specialist_a, world.specialist_b])
    doomed = await staff.book(today_at(12), [world.specialist_a])
    kept = await staff.book(today_at(15), [world.specialist_a])
    board = await open_board("worker")
    page = board.page
    await expect(page.locator("li.card")).to_have_count(3)
    await expect(card(page, shared)).to_contain_text("With Ben")

    watch = Stopwatch()
    await staff.change(shared, worker_ids=[str(world.specialist_b), str(world.specialist_c)])
    await expect(card(page, shared)).to_have_count(0, timeout=LIVE_MS)
    watch.lap("a reassignment away")

    watch = Stopwatch()
    await staff.delete(doomed)
    await expect(card(page, doomed)).to_have_count(0, timeout=LIVE_MS)
    watch.lap("a deletion")
    await expect(page.locator("li.card")).to_have_count(1)
    await expect(card(page, kept)).to_be_visible()
    assert board.errors == [] and board.console == []


async def test_toast_when_a_worker_opens_an_appointment(
    open_board: BoardOpener, staff: Staff, world: World
) -> None:
    appointment = await staff.book(today_at(10), [world.specialist_a])
    board = await open_board("director")
    page = board.page
    await expect(card(page, appointment)).to_have_count(1)

    watch = Stopwatch()
    await staff.change(appointment, role="worker", is_open=True)
    toast = page.locator("#toasts .toast")
    # The actor is the worker's user ("Worker" in the test firm), the time local (Berlin).
    await expect(toast.locator("span")).to_have_text(
        "Worker started the 10:00 appointment with Clara Client", timeout=LIVE_MS
    )
    watch.lap("the toast")
    await expect(card(page, appointment).locator(".badge-open")).to_have_text("Open")
    # The toast is announced politely to screen readers and can be dismissed.
    assert await page.locator("#toasts").get_attribute("aria-live") == "polite"
    await toast.get_by_role("button", name="Dismiss").click()
    await expect(toast).to_have_count(0)
    assert board.errors == [] and board.console == []


async def test_banner_and_polling_while_the_stream_is_down(
    open_board: BoardOpener, staff: Staff, world: World
) -> None:
    appointment = await staff.book(today_at(10), [world.specialist_a])
    board = await open_board("worker", poll_seconds=1, block_stream=True, expect_live=False)
    page = board.page
    banner = page.locator("#banner")
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("Live updates unavailable")
    await expect(banner).to_have_attribute("role", "alert")
    # The day still loaded, through the polling fallback.
    await expect(card(page, appointment)).to_contain_text(times("10:00", "10:30"))

    watch = Stopwatch()
    appointment = await staff.change(appointment, notes="Polled, not streamed")
    await expect(card(page, appointment)).to_contain_text("Polled, not streamed", timeout=5000)
    watch.lap("a change by polling (1 s interval)")
    added = await staff.book(today_at(16), [world.specialist_a])
    await expect(card(page, added)).to_be_visible(timeout=5000)
    await expect(banner).to_be_visible()

    # The stream comes back: the banner goes and changes are live again.
    await page.context.unroute(STREAM_URL)
    await expect(page.locator("body")).to_have_attribute("data-live", "live", timeout=10000)
    await expect(banner).to_be_hidden()
    watch = Stopwatch()
    await staff.change(appointment, notes="Streamed again")
    await expect(card(page, appointment)).to_contain_text("Streamed again", timeout=LIVE_MS)
    watch.lap("a change after the stream came back")
    assert board.errors == []


async def test_director_board_has_a_column_per_worker(
    open_board: BoardOpener, staff: Staff, world: World
) -> None:
    pair = await staff.book(today_at(10), [world.specialist_a, world.specialist_b])
    tomorrow = await staff.book(today_at(10, days=1), [world.specialist_c])
    board = await open_board("director")
    page = board.page
    columns = page.locator("section.column")
    await expect(columns).to_have_count(3)
    await expect(columns.locator("h3 .column-name")).to_have_text(["Anna", "Ben", "Cem"])
    anna, ben, cem = (
        column(page, s) for s in (world.specialist_a, world.specialist_b, world.specialist_c)
    )
    await expect(card(anna, pair)).to_contain_text("With Ben")
    await expect(card(ben, pair)).to_contain_text("With Anna")
    await expect(cem.locator("li.card")).to_have_count(0)
    await expect(cem.locator(".empty")).to_be_visible()
    await expect(card(page, tomorrow)).to_have_count(0)

    # Live: another day's booking changes nothing visible; today's shows in its column.
    await staff.book(today_at(11, days=1), [world.specialist_c])
    watch = Stopwatch()
    today = await staff.book(today_at(12), [world.specialist_c])
    await expect(card(cem, today)).to_be_visible(timeout=LIVE_MS)
    watch.lap("a new appointment in its column")
    await expect(page.locator("li.card")).to_have_count(3)  # pair twice, and today's
    # Reassigned from Anna and Ben to Cem: it leaves their columns and joins his.
    await staff.change(pair, worker_ids=[str(world.specialist_c)])
    await expect(card(cem, pair)).to_be_visible(timeout=LIVE_MS)
    await expect(card(anna, pair)).to_have_count(0)
    await expect(card(ben, pair)).to_have_count(0)
    await expect(cem.locator("li.card")).to_have_count(2)
    assert board.errors == [] and board.console == []


async def test_client_board_shows_only_their_own(
    open_board: BoardOpener, staff: Staff, world: World
) -> None:
    own = await staff.book(today_at(10), [world.specialist_a], notes="Staff only: VIP")
    other = await staff.book(today_at(11), [world.specialist_b], client=False)
    board = await open_board("client")
    page = board.page
    await expect(page.locator("section.column")).to_have_count(1)
    await expect(page.locator("li.card")).to_have_count(1)
    await expect(card(page, own)).to_contain_text("With Anna")
    await expect(card(page, other)).to_have_count(0)

    own = await staff.change(
        own, start_at=today_at(14), end_at=today_at(14, 30), notes="Staff only: changed"
    )
    await expect(card(page, own)).to_contain_text(times("14:00", "14:30"), timeout=LIVE_MS)
    # Staff notes never reach a client's board (neither from the list nor from the stream).
    await expect(page.locator("body")).not_to_contain_text("Staff only")
    # Taking the appointment away from the client drops it from their board.
    await staff.change(own, client_id=str(world.other_client_id))
    await expect(card(page, own)).to_have_count(0, timeout=LIVE_MS)
    assert board.errors == [] and board.console == []


async def test_session_is_refreshed_before_the_access_token_expires(
    open_board: BoardOpener, staff: Staff, world: World, settings: Settings
) -> None:
    ttl = 4
    short_lived = settings.model_copy(update={"access_token_ttl_seconds": ttl})
    with live_server(short_lived) as url:
        board = await open_board("worker", base_url=url)
        page = board.page
        read_token = "() => JSON.parse(sessionStorage.getItem('slotwise.board.session')).access"
        first = await page.evaluate(read_token)
        await page.wait_for_function(
            f"(t) => ({read_token})() !== t", arg=first, timeout=ttl * 1000
        )
        await asyncio.sleep(ttl + 1)  # the first access token has expired by now
        status_of = """async (token) => (await fetch('/api/v1/me',
                           {headers: {Authorization: `Bearer ${token}`}})).status"""
        assert await page.evaluate(status_of, first) == 401
        assert await page.evaluate(status_of, await page.evaluate(read_token)) == 200
        await expect(page.locator("#login")).to_be_hidden()
        # Streams must end before the server can stop.
        await page.context.close()
    assert board.errors == []


async def test_sign_in_reload_and_sign_out(
    browser: Browser, server: str, staff: Staff, world: World
) -> None:
    appointment = await staff.book(today_at(10), [world.specialist_a])
    context = await staff_context(browser)
    try:
        page = await context.new_page()
        await page.goto(f"{server}/board")
        await page.get_by_label("Email", exact=True).fill(world.emails["worker"])
        await page.get_by_label("Password", exact=True).fill("not the password")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator("#login-error")).to_have_text("Wrong email or password.")
        await expect(page.locator("#board")).to_be_hidden()

        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(card(page, appointment)).to_be_visible()
        await expect(page.locator("#who")).to_contain_text("Worker")
        # The password field is emptied; the tokens stay in this tab's sessionStorage only.
        assert await page.get_by_label("Password", exact=True).input_value() == ""
        assert await page.evaluate("Object.keys(localStorage)") == ["slotwise.language"]

        await page.reload()  # still signed in, and live again
        await expect(card(page, appointment)).to_be_visible()
        await expect(page.locator("body")).to_have_attribute("data-live", "live")
        await expect(page.locator("#login")).to_be_hidden()

        await page.get_by_role("button", name="Sign out").click()
        await expect(page.locator("#login")).to_be_visible()
        await expect(page.locator("#board")).to_be_hidden()
        assert await page.evaluate("sessionStorage.length") == 0
        await page.reload()
        await expect(page.locator("#login")).to_be_visible()
    finally:
        await context.close()


async def test_a_directors_board_keeps_its_cards_when_a_sync_conflict_comes(
    open_board: BoardOpener, staff: Staff, world: World, app: FastAPI
) -> None:
    # Polled: the conflict's envelope reaches the page's event handling (a stream would
    # hand it over too); it is about no appointment, so the card it names stays.
    booked = await staff.book(today_at(10), [world.specialist_a])
    board = await open_board("director", poll_seconds=1, block_stream=True, expect_live=False)
    page = board.page
    await expect(card(page, booked)).to_be_visible()
    connection_id = await add_connection(app, world)
    async with app.state.sessionmaker.begin() as session:
        connection = await session.get(Connection, connection_id)
        assert connection is not None
        opened = await repository.open_conflict(
            session,
            connection,
            external_id="4564:9001",
            appointment_id=uuid.UUID(booked["id"]),
            reason="The specialist is already claimed by an appointment",
            payload={},
        )
        await record_sync_conflict(session, world.firm_id, opened.conflict)
    booked = await staff.change(booked, notes="After the conflict")
    await expect(card(page, booked)).to_contain_text("After the conflict", timeout=5000)
    await expect(page.locator("li.card")).to_have_count(1)
    assert board.errors == []  # the console has the blocked stream's failures
