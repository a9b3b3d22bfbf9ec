"""The clients page in Debian's Chromium: search, create, edit, delete, a client's
appointments and wallet, under the pages' strict content security policy. Every change made
in the page is read back through the API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import World, add_appointment
from tests.web.accessibility import axe_violations, check_view
from tests.web.conftest import (
    SIZES,
    Board,
    expect,
    signed_in,
    sized_context,
    staff_context,
)
from tests.web.static_files import entry_point, served_modules

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"

ClientsOpener = Callable[..., Awaitable[Board]]


@pytest.fixture
async def open_clients(browser: Browser, server: str, world: World) -> AsyncIterator[ClientsOpener]:
    contexts: list[BrowserContext] = []

    async def open_as(
        role: str = "manager", size: str = "desktop", *, path: str = "/clients"
    ) -> Board:
        context = await sized_context(browser, size)
        contexts.append(context)
        board = await signed_in(context, f"{server}{path}", world.emails[role])
        await expect(board.page.locator("#clients")).to_be_visible(timeout=10000)
        return board

    yield open_as
    for context in contexts:
        await context.close()


async def _add_client(http: httpx.AsyncClient, world: World, **fields: Any) -> dict[str, Any]:
    response = await http.post("/clients", json=fields, headers=world.headers("director"))
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def _stored(http: httpx.AsyncClient, world: World, client_id: str) -> httpx.Response:
    return await http.get(f"/clients/{client_id}", headers=world.headers("director"))


async def _search_api(http: httpx.AsyncClient, world: World, q: str) -> list[dict[str, Any]]:
    response = await http.get("/clients", params={"q": q}, headers=world.headers("director"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _names(page: Page) -> Any:
    return page.locator("#results .result-name")


async def _search(page: Page, text: str) -> None:
    async with page.expect_response(
        lambda r: "/api/v1/clients?" in r.url and r.request.method == "GET"
    ):
        await page.get_by_label("Search clients").fill(text)


async def _open_client(page: Page, name: str) -> None:
    await page.locator("#results .result", has_text=name).click()
    await expect(page.locator("#detail-name")).to_have_text(name)


def _clean(board: Board, *refused: int) -> None:
    """No script errors and no console errors (a CSP violation would be one), except the
    browser's own line for each refusal the test provoked (``refused``: their statuses)."""
    assert not board.errors, board.errors
    expected = {f"the server responded with a status of {status} " for status in refused}
    unexpected = [line for line in board.console if not any(e in line for e in expected)]
    assert not unexpected, unexpected


async def test_search_finds_by_name_phone_and_email(
    open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    await _add_client(
        http,
        world,
        first_name="Zoe",
        last_name="Zimmer",
        phone="+49 170 5550101",
        email="zoe.z@example.org",
    )
    board = await open_clients("manager")
    page = board.page
    # Everyone at first, by last name: Clara Client, Otto Other, Zoe Zimmer.
    await expect(_names(page)).to_have_text(["Clara Client", "Otto Other", "Zoe Zimmer"])
    await expect(page.locator("#results-count")).to_have_text("3 clients")
    row = page.locator("#results .result", has_text="Zoe Zimmer")
    await expect(row).to_contain_text("+49 170 5550101")
    await expect(row).to_contain_text("zoe.z@example.org")

    await _search(page, "zimm")  # part of the name, any case
    await expect(_names(page)).to_have_text(["Zoe Zimmer"])
    await _search(page, "Clara Cli")  # first and last name together
    await expect(_names(page)).to_have_text(["Clara Client"])
    await _search(page, "5550101")  # part of the phone
    await expect(_names(page)).to_have_text(["Zoe Zimmer"])
    await _search(page, f"otto-{world.slug}@")  # part of the email
    await expect(_names(page)).to_have_text(["Otto Other"])
    await expect(page.locator("#results-count")).to_have_text("1 client")

    await _search(page, "Nobody Here")
    await expect(_names(page)).to_have_count(0)
    await expect(page.locator("#results-count")).to_have_text("No clients found for “Nobody Here”.")
    assert await axe_violations(page) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "clients-none-desktop.png"))
    # From a search that found nobody, straight to a new client with the name filled in.
    await page.get_by_role("button", name="Add “Nobody Here” as a new client").click()
    dialog = page.locator("#client-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_label("First name")).to_have_value("Nobody")
    await expect(dialog.get_by_label("Last name")).to_have_value("Here")
    assert await axe_violations(page) == []
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    assert await _search_api(http, world, "Nobody") == []  # cancelling wrote nothing
    # The search is kept in the address: a reload shows the same.
    assert "q=Nobody+Here" in page.url
    _clean(board)


async def test_typing_is_debounced(
    open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_clients("manager")
    page = board.page
    await expect(_names(page)).to_have_count(2)
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/api/v1/clients?" in r.url else None)
    box = page.get_by_label("Search clients")
    await box.press_sequentially("Clara", delay=40)  # faster than the 250 ms pause
    await expect(_names(page)).to_have_text(["Clara Client"])
    await page.wait_for_timeout(400)
    assert len(searches) == 1, searches
    assert "q=Clara" in searches[0]


async def test_show_more_reads_the_next_page(
    open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    for n in range(28):
        await _add_client(http, world, first_name="Max", last_name=f"Muster{n:02d}")
    board = await open_clients("director")
    page = board.page
    await _search(page, "Muster")
    await expect(_names(page)).to_have_count(25)
    await expect(page.locator("#results-count")).to_have_text("28 clients · 25 of 28 shown")
    await page.get_by_role("button", name="Show more").click()
    await expect(_names(page)).to_have_count(28)
    await expect(page.locator("#results-count")).to_have_text("28 clients")
    await expect(page.get_by_role("button", name="Show more")).to_be_hidden()
    await expect(_names(page).last).to_have_text("Max Muster27")
    _clean(board)


async def test_create_a_client(
    open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_clients("manager")
    page = board.page
    await page.get_by_role("button", name="New client").click()
    dialog = page.locator("#client-dialog")
    await expect(dialog.locator("#client-dialog-title")).to_have_text("New client")
    await dialog.get_by_label("First name").fill("Paula")
    await dialog.get_by_label("Last name").fill("Perez")
    await dialog.get_by_label("Phone").fill("+34 600 123 456")
    await dialog.get_by_role("textbox", name="Email").fill("paula@example.com")
    await dialog.get_by_label("Telegram id").fill("@paula_p")
    await dialog.get_by_label("Language for messages").select_option("de")
    await dialog.get_by_label("WhatsApp messages").check()
    await dialog.get_by_label("Email messages").check()
    await dialog.get_by_label("Notes").fill("Likes it short.\nNo fringe.")
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await dialog.get_by_role("button", name="Save").click()
    assert (await posted.value).status == 201
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#clients-note")).to_have_text("Paula Perez was added.")
    await expect(page.locator("#detail-name")).to_have_text("Paula Perez")
    await expect(page.locator("#detail-facts")).to_contain_text("+34 600 123 456")
    await expect(page.locator("#detail-facts")).to_contain_text("Deutsch")
    await expect(page.locator("#detail-facts")).to_contain_text("WhatsApp messages, Email messages")
    await expect(page.locator("#detail-notes")).to_have_text("Likes it short.\nNo fringe.")
    await expect(page.locator("#history-empty")).to_be_visible()
    await expect(page.locator("#wallet-balance")).to_have_text("Balance: €0.00")

    [stored] = await _search_api(http, world, "Paula")
    assert stored["last_name"] == "Perez"
    assert stored["phone"] == "+34 600 123 456"
    assert stored["email"] == "paula@example.com"
    assert stored["telegram_id"] == "@paula_p"
    assert stored["locale"] == "de"
    assert stored["preferred_channels"] == ["whatsapp", "email"]  # in the order ticked
    assert stored["notes"] == "Likes it short.\nNo fringe."
    assert stored["is_active"] is True
    _clean(board)


async def test_a_new_client_with_a_known_phone_or_email_is_pointed_out(
    open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_clients("manager")
    page = board.page
    await page.get_by_role("button", name="New client").click()
    dialog = page.locator("#client-dialog")
    await dialog.get_by_label("First name").fill("Carla")
    await dialog.get_by_label("Phone").fill("+49 30 1234567")  # Clara's, spaced differently
    await dialog.get_by_label("Phone").press("Tab")
    await expect(dialog.locator("#h-phone")).to_have_text(
        "Clara Client already has this phone number. Saving adds another client all the same."
    )
    await dialog.get_by_role("textbox", name="Email").fill(f"Clara-{world.slug}@example.com")
    await dialog.get_by_role("textbox", name="Email").press("Tab")
    await expect(dialog.locator("#h-email")).to_contain_text(
        "Clara Client already has this email address."
    )
    assert await axe_violations(page) == []
    # Only a hint: a family may share a phone.
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    assert [c["first_name"] for c in await _search_api(http, world, "1234567")] == [
        "Carla",
        "Clara",
    ]
    _clean(board)


async def test_refusals_are_shown_beside_the_field_and_keep_what_was_typed(
    open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    await _add_client(http, world, first_name="Tom", telegram_id="tom_t")
    board = await open_clients("manager")
    page = board.page
    await page.get_by_role("button", name="New client").click()
    dialog = page.locator("#client-dialog")
    await dialog.get_by_label("First name").fill("Vera")
    await dialog.get_by_label("Phone").fill("call me")
    await dialog.get_by_role("textbox", name="Email").fill("vera@nowhere")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#e-phone")).to_have_text(
        "Use digits, spaces, +, ( ) or - (5 to 32 characters)."
    )
    await expect(dialog.locator("#e-email")).to_contain_text("Enter an email address")
    await expect(dialog.get_by_label("Phone")).to_have_attribute("aria-invalid", "true")
    await expect(dialog.get_by_label("Phone")).to_be_focused()
    await expect(dialog.get_by_label("Phone")).to_have_value("call me")
    await expect(dialog.get_by_label("First name")).to_have_value("Vera")
    assert await axe_violations(page) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "clients-form-refused-desktop.png"))
    assert await _search_api(http, world, "Vera") == []

    # An empty first name; a Telegram id another client has (a 409, beside its field).
    await dialog.get_by_label("First name").fill("  ")
    await dialog.get_by_label("Phone").fill("+49 30 9876543")
    await dialog.get_by_role("textbox", name="Email").fill("")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#e-first_name")).to_have_text("Enter a first name.")
    await expect(dialog.locator("#e-phone")).to_be_hidden()
    await dialog.get_by_label("First name").fill("Vera")
    await dialog.get_by_label("Telegram id").fill("tom_t")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#e-telegram_id")).to_have_text(
        "Another client already has this Telegram id."
    )
    await expect(dialog.locator("#e-first_name")).to_be_hidden()
    assert await _search_api(http, world, "Vera") == []

    await dialog.get_by_label("Telegram id").fill("")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    [stored] = await _search_api(http, world, "Vera")
    assert stored["phone"] == "+49 30 9876543"
    assert stored["email"] is None and stored["telegram_id"] is None
    _clean(board, 422, 409)


async def test_edit_a_client(
    open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_clients("director")
    page = board.page
    await _open_client(page, "Clara Client")
    await page.get_by_role("button", name="Edit").click()
    dialog = page.locator("#client-dialog")
    await expect(dialog.locator("#client-dialog-title")).to_have_text("Edit Clara Client")
    await expect(dialog.get_by_label("Phone")).to_have_value("+49301234567")
    assert await axe_violations(page) == []
    # Someone else changes the notes meanwhile: this edit does not touch them.
    response = await http.patch(
        f"/clients/{world.client_id}",
        json={"notes": "Set by a colleague"},
        headers=world.headers("owner"),
    )
    assert response.status_code == 200
    await dialog.get_by_label("Last name").fill("Clientová")
    await dialog.get_by_label("Phone").fill("+49 30 111 222")
    await dialog.get_by_role("textbox", name="Email").fill("")  # cleared: no email any more
    async with page.expect_request(lambda r: r.method == "PATCH") as sent:
        await dialog.get_by_role("button", name="Save").click()
    assert (await sent.value).post_data_json == {
        "last_name": "Clientová",
        "phone": "+49 30 111 222",
        "email": None,
    }
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#detail-name")).to_have_text("Clara Clientová")
    await expect(page.locator("#detail-note")).to_have_text(
        "The changes to Clara Clientová are saved."
    )
    await expect(page.locator("#results .result", has_text="Clara Clientová")).to_contain_text(
        "+49 30 111 222"
    )
    stored = (await _stored(http, world, str(world.client_id))).json()
    assert stored["last_name"] == "Clientová"
    assert stored["phone"] == "+49 30 111 222"
    assert stored["email"] is None
    assert stored["notes"] == "Set by a colleague"

    # A refused edit keeps the dialog and what was typed; nothing is written.
    await page.get_by_role("button", name="Edit").click()
    await dialog.get_by_label("Phone").fill("12")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#e-phone")).to_be_visible()
    await expect(dialog.get_by_label("Phone")).to_have_value("12")
    await dialog.get_by_role("button", name="Cancel").click()
    assert (await _stored(http, world, str(world.client_id))).json()["phone"] == "+49 30 111 222"

    # Deactivate and reactivate from the panel.
    await page.get_by_role("button", name="Deactivate").click()
    await expect(page.locator("#detail-inactive")).to_be_visible()
    assert (await _stored(http, world, str(world.client_id))).json()["is_active"] is False
    await page.get_by_role("button", name="Reactivate").click()
    await expect(page.locator("#detail-inactive")).to_be_hidden()
    assert (await _stored(http, world, str(world.client_id))).json()["is_active"] is True
    _clean(board, 422)


async def test_inactive_clients_are_left_out_unless_asked_for(
    open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    await _add_client(http, world, first_name="Ina", last_name="Inactive", is_active=False)
    board = await open_clients("manager")
    page = board.page
    await expect(_names(page)).to_have_text(["Clara Client", "Otto Other"])
    await page.get_by_label("Include inactive clients").check()
    await expect(_names(page)).to_have_text(["Clara Client", "Ina Inactive inactive", "Otto Other"])
    _clean(board)


async def test_delete_a_client_after_confirming(
    open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    made = await _add_client(http, world, first_name="Dora", last_name="Delete")
    board = await open_clients("manager")
    page = board.page
    await _open_client(page, "Dora Delete")
    dialog = page.locator("#delete-dialog")
    await page.get_by_role("button", name="Delete…").click()
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#delete-title")).to_have_text("Delete Dora Delete?")
    await expect(dialog.get_by_role("button", name="Keep the client")).to_be_focused()
    assert await axe_violations(page) == []
    await dialog.get_by_role("button", name="Keep the client").click()
    await expect(dialog).to_be_hidden()
    assert (await _stored(http, world, made["id"])).status_code == 200

    await page.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#clients-note")).to_have_text("Dora Delete was deleted.")
    await expect(page.locator("#detail")).to_be_hidden()
    await expect(_names(page)).to_have_text(["Clara Client", "Otto Other"])
    assert (await _stored(http, world, made["id"])).status_code == 404
    _clean(board)


async def test_a_client_with_history_or_a_login_is_kept(
    app: FastAPI, open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    await add_appointment(app, world, workers=[world.specialist_a], client_id=world.other_client_id)
    board = await open_clients("manager")
    page = board.page
    dialog = page.locator("#delete-dialog")
    # Clara has a login to the booking pages.
    await _open_client(page, "Clara Client")
    await page.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog.locator("#delete-error")).to_have_text(
        "This client has a login to the booking pages; remove the login first."
    )
    await expect(dialog.get_by_role("button", name="Deactivate instead")).to_be_hidden()
    # Asking again would only be refused again.
    await expect(dialog.get_by_role("button", name="Delete", exact=True)).to_be_hidden()
    await dialog.get_by_role("button", name="Keep the client").click()
    assert (await _stored(http, world, str(world.client_id))).status_code == 200

    # Otto has an appointment: kept for the books, and deactivated instead.
    await _open_client(page, "Otto Other")
    await page.get_by_role("button", name="Delete…").click()
    await expect(dialog.locator("#delete-error")).to_be_hidden()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog.locator("#delete-error")).to_have_text(
        "This client has appointments or wallet entries, so the record stays for the firm's "
        "books. Deactivate the client instead."
    )
    await expect(dialog).to_be_visible()
    assert await axe_violations(page) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "clients-delete-refused-desktop.png"))
    assert (await _stored(http, world, str(world.other_client_id))).status_code == 200

    await dialog.get_by_role("button", name="Deactivate instead").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#detail-note")).to_have_text("Otto Other is now inactive.")
    stored = (await _stored(http, world, str(world.other_client_id))).json()
    assert stored["is_active"] is False
    _clean(board, 409)


async def _seed_history(app: FastAPI, http: httpx.AsyncClient, world: World) -> None:
    """Clara: one appointment ahead (Mon 7 Jan 2030, 10:00 UTC = 11:00 in Berlin) with Anna,
    one past and completed (Tue 5 Mar 2024, 16:30 UTC = 17:30 in Berlin) with Ben, and 40.00
    in her wallet."""
    await add_appointment(
        app,
        world,
        workers=[world.specialist_a],
        client_id=world.client_id,
        start=datetime(2030, 1, 7, 10, tzinfo=UTC),
    )
    past = await add_appointment(
        app,
        world,
        workers=[world.specialist_b],
        client_id=world.client_id,
        start=datetime(2024, 3, 5, 16, 30, tzinfo=UTC),
        minutes=45,
    )
    done = await http.patch(
        f"/appointments/{past}",
        json={"status": "completed"},
        headers={**world.headers("director"), "If-Match": '"1"'},
    )
    assert done.status_code == 200, done.text
    credit = await http.post(
        f"/clients/{world.client_id}/wallet/transactions",
        json={"amount": "40.00", "description": "Gift card"},
        headers=world.headers("director"),
    )
    assert credit.status_code == 201, credit.text


async def test_history_shows_appointments_in_the_firms_time_zone_and_the_wallet(
    app: FastAPI, open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    await _seed_history(app, http, world)
    board = await open_clients("owner")
    page = board.page
    await _open_client(page, "Clara Client")
    upcoming = page.locator("#history-upcoming .visit")
    past = page.locator("#history-past .visit")
    await expect(upcoming).to_have_count(1)
    await expect(past).to_have_count(1)
    # The firm's wall clock (Berlin), not the browser's (UTC+14, where it is already Tuesday).
    await expect(upcoming).to_contain_text("Mon, 7 Jan 2030, 11:00\u201311:30")
    await expect(upcoming).to_contain_text("scheduled")
    await expect(upcoming).to_contain_text("Haircut")
    await expect(upcoming).to_contain_text("€25.00")
    await expect(upcoming).to_contain_text("with Anna")
    await expect(past).to_contain_text("Tue, 5 Mar 2024, 17:30\u201318:15")
    await expect(past).to_contain_text("completed")
    await expect(past).to_contain_text("with Ben")
    await expect(page.locator("#history-zone")).to_have_text("Times in Europe/Berlin")
    await expect(page.locator("#wallet-balance")).to_have_text("Balance: €40.00")
    await page.locator("#wallet-summary").click()
    await expect(page.locator("#wallet-rows tr")).to_have_count(1)
    await expect(page.locator("#wallet-rows")).to_contain_text("Gift card")
    await expect(page.locator("#wallet-rows")).to_contain_text("+€40.00")
    assert await axe_violations(page) == []

    # What the page shows is what the API has.
    listed = await http.get(
        "/appointments",
        params={"client_id": str(world.client_id)},
        headers=world.headers("director"),
    )
    statuses = {a["id"]: a["status"] for a in listed.json()["items"]}
    for visit in await page.locator(".visit").all():
        appointment_id = await visit.get_attribute("data-appointment-id")
        assert appointment_id is not None
        assert await visit.get_attribute("data-status") == statuses[appointment_id]
    # A reload keeps the chosen client (it is in the address).
    assert f"client={world.client_id}" in page.url
    await page.reload()
    await expect(page.locator("#detail-name")).to_have_text("Clara Client")
    await expect(page.locator("#history-upcoming .visit")).to_have_count(1)
    _clean(board)


async def test_a_worker_is_told_the_page_is_for_managers(
    open_clients: ClientsOpener, world: World
) -> None:
    board = await open_clients("worker", path=f"/clients?client={world.client_id}")
    page = board.page
    await expect(page.locator("#clients-managers-only")).to_be_visible()
    await expect(page.locator("#clients-managers-only")).to_contain_text(
        "This page is for the firm's managers"
    )
    await expect(page.locator("#clients-work")).to_be_hidden()
    await expect(page.get_by_text("Clara")).to_have_count(0)
    assert await axe_violations(page) == []
    # The topbar does not offer the page to a worker either.
    await expect(page.locator(".pages a[href='/clients']")).to_be_hidden()
    _clean(board)


async def test_a_worker_asks_the_api_for_no_client_data(
    browser: Browser, server: str, world: World
) -> None:
    context = await staff_context(browser)
    try:
        asked: list[str] = []
        context.on("request", lambda r: asked.append(r.url) if "/api/v1/clients" in r.url else None)
        board = await signed_in(context, f"{server}/clients", world.emails["worker"])
        await expect(board.page.locator("#clients-managers-only")).to_be_visible()
        assert asked == []
        _clean(board)
    finally:
        await context.close()


@pytest.mark.parametrize("size", list(SIZES))
async def test_screenshots_of_each_view(
    app: FastAPI,
    open_clients: ClientsOpener,
    http: httpx.AsyncClient,
    world: World,
    size: str,
) -> None:
    await _seed_history(app, http, world)
    await _add_client(
        http,
        world,
        first_name="Maximilian-Alexander",
        last_name="von Hohenzollern-Sigmaringen",
        phone="+49 (0) 170 555 0199",
        email="maximilian.alexander.hohenzollern@example.com",
    )
    board = await open_clients("manager", size)
    page = board.page
    SCREENSHOTS.mkdir(exist_ok=True)

    async def shot(view: str) -> None:
        await check_view(page, view, SCREENSHOTS / f"clients-{view}-{size}.png")

    await expect(_names(page)).to_have_count(3)
    await shot("list")
    await _open_client(page, "Clara Client")
    await expect(page.locator("#history-past .visit")).to_have_count(1)
    await expect(page.locator("#detail-name")).to_be_in_viewport()
    await shot("detail")
    if size == "phone":
        # The client's panel takes the screen; the way back leads to the results.
        await expect(page.locator("#results")).to_be_hidden()
        await page.get_by_role("button", name="Back to the results").click()
        await expect(page.locator("#results")).to_be_visible()
        await expect(page.locator("#detail")).to_be_hidden()
        await expect(page.locator("#results .result", has_text="Clara Client")).to_be_focused()
        await _open_client(page, "Clara Client")
    await page.get_by_role("button", name="Edit").click()
    await expect(page.locator("#client-dialog")).to_be_visible()
    await shot("edit")
    await page.keyboard.press("Escape")
    await expect(page.locator("#client-dialog")).to_be_hidden()
    await page.get_by_role("button", name="Delete…").click()
    await expect(page.locator("#delete-dialog")).to_be_visible()
    await shot("delete")
    await page.keyboard.press("Escape")
    _clean(board)


async def test_german_and_russian(
    app: FastAPI, open_clients: ClientsOpener, http: httpx.AsyncClient, world: World
) -> None:
    await _seed_history(app, http, world)
    board = await open_clients("manager")
    page = board.page
    await _open_client(page, "Clara Client")
    await expect(page.locator("#history-upcoming .visit")).to_have_count(1)

    await page.locator("#language").select_option("de")
    await expect(page.locator("#clients-title")).to_have_text("Kunden")
    await expect(page.get_by_label("Kunden suchen")).to_be_visible()
    await expect(page.get_by_role("button", name="Neuer Kunde")).to_be_visible()
    await expect(page.locator("#results-count")).to_have_text("2 Kunden")
    await expect(page.locator("#history-title")).to_have_text("Termine")
    await expect(page.locator("#history-upcoming .visit")).to_contain_text("Mo., 7. Jan. 2030")
    await expect(page.locator("#history-upcoming .visit")).to_contain_text("11:00")
    await expect(page.locator("#history-upcoming .visit")).to_contain_text("geplant")
    await expect(page.locator("#history-past .visit")).to_contain_text("erledigt")
    await expect(page.locator("#wallet-balance")).to_have_text(re.compile(r"Kontostand: 40,00\s€"))
    await page.get_by_role("button", name="Bearbeiten").click()
    await expect(page.locator("#client-dialog-title")).to_have_text("Clara Client bearbeiten")
    await expect(page.get_by_label("Vorname")).to_have_value("Clara")
    await page.keyboard.press("Escape")
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "clients-detail-de-desktop.png"), full_page=True)

    async with page.expect_response(lambda r: r.url.endswith("/api/v1/me")):
        await page.locator("#language").select_option("ru")
    await expect(page.locator("#clients-title")).to_have_text("Клиенты")
    await expect(page.locator("#results-count")).to_have_text("2 клиента")
    await expect(page.get_by_role("button", name="Изменить")).to_be_visible()
    await expect(page.locator("#history-upcoming .visit")).to_contain_text("запланирована")
    await expect(page.locator("#history-upcoming .visit")).to_contain_text("2030")
    await expect(page.locator("#wallet-balance")).to_have_text(re.compile(r"Баланс: 40,00\s€"))
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=str(SCREENSHOTS / "clients-detail-ru-phone.png"), full_page=True)
    # The choice is kept with the login.
    me = await http.get("/me", headers=world.headers("manager"))
    assert me.json()["locale"] == "ru"

    # Every word of the page exists in all three languages.
    keys = await page.evaluate(
        """async () => {
            const strings = (await import('/board/static/strings-clients.js')).default;
            return Object.fromEntries(
                Object.entries(strings).map(([lang, words]) => [lang, Object.keys(words).sort()])
            );
        }"""
    )
    assert keys["de"] == keys["en"] and keys["ru"] == keys["en"]
    _clean(board)


async def test_clients_page_and_its_modules(client: httpx.AsyncClient) -> None:
    response = await client.get("/clients")
    assert response.status_code == 200
    page = response.text
    assert entry_point(page).startswith("/board/static/clients.js?v=")
    assert 'href="/board/static/clients.css?v=' in page
    assert 'id="login-form"' in page
    assert '<a href="/clients" data-i18n="nav.clients"' in page and 'aria-current="page"' in page
    assert "http://" not in page and "https://" not in page
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    modules = await served_modules(client, entry_point(page))
    assert {"clients.js", "clients-form.js", "clients-history.js", "strings-clients.js"} <= modules
    style = await client.get("/board/static/clients.css")
    assert style.headers["content-type"].startswith("text/css")
    # The API's list of clients is still the API's.
    assert (await client.get("/api/v1/clients")).status_code == 401
