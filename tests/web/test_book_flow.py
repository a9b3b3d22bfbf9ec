"""The public booking page in Debian's Chromium: a guest books from the first screen to the
summary (the code read from the local SMTP server), at a phone's, a tablet's and a desktop's
size, with axe-core and a screenshot of every view; a signed-in client skips the code; the
page's languages."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import PASSWORD, World
from tests.web.book_helpers import (
    BookingServer,
    Opener,
    booking_server,
    check_view,
    guest_email,
    open_booking,
    open_page,
    pick_first_slot,
    wait_for_month,
)
from tests.web.conftest import FIRM_ZONE, SIZES, expect

pytestmark = pytest.mark.browser
__all__ = ["booking_server", "open_page"]  # fixtures


async def _client(base: str, world: World, client_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=10) as http:
        response = await http.get(f"/clients/{client_id}", headers=world.headers("director"))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _appointments(base: str, world: World) -> list[dict[str, Any]]:
    start = datetime.now(FIRM_ZONE) - timedelta(days=1)
    async with httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=10) as http:
        response = await http.get(
            "/appointments",
            params={"from": start.isoformat(), "to": (start + timedelta(days=70)).isoformat()},
            headers=world.headers("director"),
        )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_guest_books_from_the_first_screen_to_the_summary(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener, size: str
) -> None:
    await open_booking(app, world)
    requests: list[str] = []
    visit = await open_page(f"{booking_server.url}/book/{world.slug}", size)
    page = visit.page
    page.on("request", lambda r: requests.append(r.url))

    # One location and one service: the page starts at the specialists.
    await expect(page.locator("#view-specialist")).to_be_visible(timeout=15000)
    await expect(page.locator("#firm-name")).to_have_text(f"Firm {world.slug}")
    choices = page.locator("#specialist-list .choice")
    await expect(choices).to_have_count(4)  # anyone, Anna, Ben, Cem
    await expect(choices.first).to_contain_text("Anyone")
    await check_view(page, "specialist", size)

    await page.get_by_role("button", name="Anna", exact=True).click()
    await wait_for_month(page)
    await expect(page.locator("#time-picked")).to_have_text("Haircut · 30 min · €25.00 · Anna")
    pressed = page.locator('#month-days button[aria-pressed="true"]')
    await expect(pressed).to_have_count(1)  # the first free day opened by itself
    await expect(page.locator("#slot-list .slot").first).to_be_visible()
    await check_view(page, "time", size)

    start = await pick_first_slot(page)
    await expect(page.locator("#view-details")).to_be_visible()
    await expect(page.locator("#hold-banner")).to_be_visible()
    await expect(page.locator("#hold-left")).to_have_text(re.compile(r"^[0-2]:[0-5]\d$"))
    summary = page.locator("#details-summary")
    await expect(summary).to_contain_text("Haircut · 30 min")
    await expect(summary).to_contain_text("€25.00")
    await expect(summary).to_contain_text("Anna")
    await expect(summary).to_contain_text("Mitte, Torstr. 1, Berlin")
    await check_view(page, "details", size)

    # Nothing to send to: the page says so before asking the server.
    await page.get_by_label("Name").fill("Gina Guest")
    await page.get_by_role("button", name="Send me the code").click()
    await expect(page.locator("#details-error")).to_have_text(
        "Please enter your email or phone number."
    )
    email = guest_email(world)
    await page.get_by_label("Email").fill(email)
    await page.get_by_role("button", name="Send me the code").click()
    await expect(page.locator("#view-code")).to_be_visible()
    await expect(page.locator("#code-sent")).to_contain_text("We sent a code to ")
    await expect(page.get_by_label("Code from the message")).to_be_focused()
    await check_view(page, "code", size)

    code = await booking_server.code_to(email)
    wrong = "000000" if code != "000000" else "111111"
    await page.get_by_label("Code from the message").fill(wrong)
    await page.get_by_role("button", name="Confirm booking").click()
    await expect(page.locator("#code-error")).to_have_text(
        "That code is not right. Please check it and try again."
    )
    await page.get_by_label("Code from the message").fill(code)
    await page.get_by_role("button", name="Confirm booking").click()
    await expect(page.locator("#view-done")).to_be_visible()
    await expect(page.locator("#hold-banner")).to_be_hidden()
    await expect(page.locator("#done-sent")).to_contain_text("is on its way to ")
    done = page.locator("#done-summary")
    await expect(done).to_contain_text("Haircut · 30 min")
    await expect(done).to_contain_text("Anna")
    await expect(page.get_by_role("button", name="Add to calendar")).to_be_visible()
    await check_view(page, "done", size)

    # The booking is the firm's, at the time picked, for a client with the verified email.
    booked = [a for a in await _appointments(booking_server.url, world) if a["client"]]
    assert len(booked) == 1, booked
    assert datetime.fromisoformat(booked[0]["start_at"]) == datetime.fromisoformat(start)
    client = await _client(booking_server.url, world, booked[0]["client_id"])
    assert client["email"] == email
    assert f"{client['first_name']} {client['last_name']}".strip() == "Gina Guest"
    assert [w["id"] for w in booked[0]["workers"]] == [str(world.specialist_a)]

    # "Add to calendar": the .ics, fetched with the manage token in a header.
    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="Add to calendar").click()
    download = await downloading.value
    assert download.suggested_filename == "appointment.ics"
    ics = (await download.path()).read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and "Haircut" in ics

    manage = await page.get_by_role("link", name="Change or cancel this appointment").get_attribute(
        "href"
    )
    assert manage and manage.startswith(f"/book/{world.slug}/manage#")
    token = manage.split("#", 1)[1]
    assert len(token) > 20
    # The manage token and the hold's token never went into a URL.
    assert not [url for url in requests if token in url]
    assert visit.clean(), visit.errors


async def test_a_signed_in_client_books_without_a_code(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener
) -> None:
    await open_booking(app, world)
    # The client signs in on the board, then opens the firm's booking page in the same tab.
    visit = await open_page(f"{booking_server.url}/board")
    page = visit.page
    form = page.locator("#login")
    await form.get_by_label("Email", exact=True).fill(world.emails["client"])
    await form.get_by_label("Password", exact=True).fill(PASSWORD)
    await form.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#login")).to_be_hidden(timeout=10000)
    await page.goto(f"{booking_server.url}/book/{world.slug}")
    await page.get_by_role("button", name="Anyone").click()
    await wait_for_month(page)
    start = await pick_first_slot(page)
    await expect(page.locator("#view-details")).to_be_visible()
    await expect(page.locator("#details-form")).to_be_hidden()
    await expect(page.locator("#details-as")).to_have_text("You are booking as Client.")
    await page.get_by_role("button", name="Confirm booking").click()
    await expect(page.locator("#view-done")).to_be_visible()
    booked = [
        a
        for a in await _appointments(booking_server.url, world)
        if a["client"] and a["client"]["id"] == str(world.client_id)
    ]
    assert [datetime.fromisoformat(a["start_at"]) for a in booked] == [
        datetime.fromisoformat(start)
    ]
    assert visit.clean(), visit.errors


async def test_the_page_speaks_german_and_russian(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener
) -> None:
    await open_booking(app, world)
    # A browser in German gets German without choosing.
    visit = await open_page(f"{booking_server.url}/book/{world.slug}", locale="de-DE")
    page = visit.page
    await expect(page.locator("#specialist-title")).to_have_text("Bei wem?", timeout=15000)
    await page.get_by_role("button", name="Egal bei wem").click()
    await wait_for_month(page)
    await expect(page.locator("#time-picked")).to_contain_text("30 Min.")
    await page.get_by_label("Sprache").select_option("ru")
    await expect(page.locator("#time-title")).to_have_text("Когда?")
    await expect(page.locator("#time-picked")).to_contain_text("Любой мастер")
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await check_view(page, "time-ru", "phone")
    await pick_first_slot(page)
    await expect(page.locator("#details-title")).to_have_text("Ваши данные")
    await expect(page.get_by_role("button", name="Прислать код")).to_be_visible()
    await check_view(page, "details-ru", "phone")
    await page.get_by_role("button", name="Назад").click()  # gives the time back
    await expect(page.locator("#view-time")).to_be_visible()
    assert visit.clean(), visit.errors

    # A browser in a language the page does not have gets the firm's (German here).
    other = await open_page(f"{booking_server.url}/book/{world.slug}", locale="fr-FR")
    await expect(other.page.locator("#specialist-title")).to_have_text("Bei wem?", timeout=15000)


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_404_page(booking_server: BookingServer, open_page: Opener, size: str) -> None:
    visit = await open_page(f"{booking_server.url}/book/no-such-firm-{uuid.uuid4().hex[:6]}", size)
    page = visit.page
    await expect(page.locator("#view-missing")).to_be_visible()
    await expect(page.locator("#missing-title")).to_have_text("There is no booking page here")
    await check_view(page, "missing", size)
    assert visit.clean(), visit.errors
