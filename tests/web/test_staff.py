"""The staff page in Debian's Chromium: specialists (their services, weekly hours and breaks)
for owners, directors and managers, and the staff logins for owners and directors; every
change is checked through the API afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import PASSWORD, World, add_appointment
from tests.web.accessibility import axe_violations
from tests.web.conftest import FIRM_ZONE, SIZES, Board, expect, signed_in, staff_context

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Locator, Page

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"

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
        await expect(board.page.locator("#specialists-body tr").first).to_be_visible()
        return board

    yield open_as
    for context in contexts:
        await context.close()


async def _get(http: httpx.AsyncClient, world: World, path: str) -> Any:
    response = await http.get(path, headers=world.headers("owner"))
    assert response.status_code == 200, response.text
    return response.json()


def specialist_row(page: Page, name: str) -> Locator:
    return page.locator("#specialists-body tr", has=page.get_by_role("rowheader", name=name))


def clean(board: Board, *refused: int) -> None:
    """No script errors, and no console errors (a CSP violation would be one) but the
    browser's own line for each refusal the test provoked (its status in ``refused``)."""
    assert not board.errors, board.errors
    expected = {
        f"Failed to load resource: the server responded with a status of {status}"
        for status in refused
    }
    unexpected = [m for m in board.console if not any(m.startswith(e) for e in expected)]
    assert not unexpected, board.console


# ------------------------------------------------------------------------------ specialists


async def test_a_specialist_is_added_edited_and_deactivated(
    open_staff: StaffOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_staff("director")
    page = board.page
    dialog = page.locator("#specialist-dialog")

    await page.get_by_role("button", name="Add specialist").click()
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Save").click()  # no name: refused in the page
    await expect(dialog.locator("#specialist-error")).to_have_text("Enter a name.")
    await dialog.get_by_label("Name").fill("Dana")
    await dialog.get_by_label("Specialization").fill("colorist")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(specialist_row(page, "Dana")).to_contain_text("colorist")
    await expect(page.locator("#staff-status")).to_have_text("Dana is saved.")
    stored = [s for s in (await _get(http, world, "/specialists"))["items"] if s["name"] == "Dana"]
    assert len(stored) == 1 and stored[0]["specialization"] == "colorist"
    assert stored[0]["is_active"] is True

    await specialist_row(page, "Dana").get_by_role("button", name="Edit").click()
    await expect(dialog.get_by_label("Name")).to_have_value("Dana")
    await dialog.get_by_label("Name").fill("Dana K.")
    await dialog.get_by_label("Active: clients can book them").uncheck()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(specialist_row(page, "Dana K.")).to_contain_text("Inactive")
    changed = await _get(http, world, f"/specialists/{stored[0]['id']}")
    assert changed["name"] == "Dana K." and changed["is_active"] is False
    clean(board)


async def test_deleting_a_specialist_in_use_is_refused_and_offers_to_deactivate(
    open_staff: StaffOpener, http: httpx.AsyncClient, world: World, app: FastAPI
) -> None:
    await add_appointment(app, world, workers=[world.specialist_c])
    board = await open_staff("manager")
    page = board.page
    dialog = page.locator("#specialist-dialog")

    await specialist_row(page, "Cem").get_by_role("button", name="Edit").click()
    await dialog.get_by_role("button", name="Delete…").click()
    await expect(dialog.locator("#specialist-confirm")).to_contain_text("Delete Cem for good?")
    assert await axe_violations(page) == []
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog.locator("#specialist-error")).to_contain_text(
        "has appointments or holds, so they cannot be deleted"
    )
    cem = await _get(http, world, f"/specialists/{world.specialist_c}")
    assert cem["is_active"] is True  # nothing written
    await dialog.get_by_role("button", name="Deactivate instead").click()
    await expect(dialog).to_be_hidden()
    await expect(specialist_row(page, "Cem")).to_contain_text("Inactive")
    assert (await _get(http, world, f"/specialists/{world.specialist_c}"))["is_active"] is False

    # A new specialist with nothing attached goes for good.
    created = await http.post("/specialists", json={"name": "Eve"}, headers=world.headers("owner"))
    assert created.status_code == 201
    await page.reload()
    await expect(specialist_row(page, "Eve")).to_be_visible()
    await specialist_row(page, "Eve").get_by_role("button", name="Edit").click()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Keep them").click()
    await expect(dialog.locator("#specialist-confirm")).to_be_hidden()
    await dialog.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(specialist_row(page, "Eve")).to_have_count(0)
    gone = await http.get(f"/specialists/{created.json()['id']}", headers=world.headers("owner"))
    assert gone.status_code == 404
    clean(board, 409)


async def test_a_specialists_services_with_own_price_and_duration(
    open_staff: StaffOpener, http: httpx.AsyncClient, world: World
) -> None:
    beard = await http.post(
        "/services",
        json={"name": "Beard trim", "duration_minutes": 20, "price": "12.00", "currency": "EUR"},
        headers=world.headers("owner"),
    )
    assert beard.status_code == 201, beard.text
    beard_id = beard.json()["id"]
    board = await open_staff("director")
    page = board.page
    dialog = page.locator("#services-dialog")
    await specialist_row(page, "Anna").get_by_role("button", name="Services").click()
    await expect(dialog.locator("#services-dialog-title")).to_have_text("Services of Anna")
    haircut = dialog.locator(f'tr[data-service="{world.service_id}"]')
    beard_row = dialog.locator(f'tr[data-service="{beard_id}"]')
    await expect(haircut.get_by_role("checkbox")).to_be_checked()
    await expect(beard_row.get_by_role("checkbox")).not_to_be_checked()
    await expect(beard_row.get_by_label("Own price for Beard trim")).to_be_disabled()

    # A bad price is refused in its row; nothing is written.
    await haircut.get_by_label("Own price for Haircut").fill("lots")
    await dialog.get_by_role("button", name="Save").click()
    await expect(haircut.locator(".result")).to_contain_text("must be an amount")
    await expect(dialog.locator("#services-error")).to_contain_text("One change was refused")
    links = await _get(http, world, f"/specialists/{world.specialist_a}/services")
    assert [link["custom_price"] for link in links] == [None]

    await haircut.get_by_label("Own price for Haircut").fill("30,50")
    await haircut.get_by_label("Own duration in minutes for Haircut").fill("45")
    await beard_row.get_by_role("checkbox").check()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(specialist_row(page, "Anna")).to_contain_text("Beard trim, Haircut")
    links = {
        link["service_id"]: link
        for link in await _get(http, world, f"/specialists/{world.specialist_a}/services")
    }
    assert links[str(world.service_id)]["custom_price"] == "30.50"
    assert links[str(world.service_id)]["custom_duration_minutes"] == 45
    assert links[beard_id]["custom_price"] is None and links[beard_id]["is_active"] is True

    # Unticking removes the link; the own values stay shown when it is opened again.
    await specialist_row(page, "Anna").get_by_role("button", name="Services").click()
    await expect(haircut.get_by_label("Own price for Haircut")).to_have_value("30.50")
    await beard_row.get_by_role("checkbox").uncheck()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    links_after = await _get(http, world, f"/specialists/{world.specialist_a}/services")
    assert [link["service_id"] for link in links_after] == [str(world.service_id)]
    clean(board)


async def test_the_week_table_replaces_the_schedule_and_shows_an_overlap(
    open_staff: StaffOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_staff("director")
    page = board.page
    dialog = page.locator("#week-dialog")
    await specialist_row(page, "Ben").get_by_role("button", name="Week").click()
    monday = dialog.locator('tr[data-day="0"]')
    friday = dialog.locator('tr[data-day="4"]')
    saturday = dialog.locator('tr[data-day="5"]')
    await expect(monday.get_by_label("From, Monday")).to_have_value("09:00")
    await expect(monday.get_by_label("Until, Monday")).to_have_value("18:00")
    await expect(saturday).to_contain_text("Not working")

    # A split Monday, no Friday, a short Saturday.
    await monday.get_by_label("Until, Monday").fill("13:00")
    await monday.get_by_role("button", name="Add hours on Monday").click()
    await monday.get_by_label("From, Monday").nth(1).fill("14:00")
    await monday.get_by_label("Until, Monday").nth(1).fill("18:30")
    await friday.get_by_role("button", name="Remove these hours on Friday").click()
    await expect(friday).to_contain_text("Not working")
    await saturday.get_by_role("button", name="Add hours on Saturday").click()
    await saturday.get_by_label("From, Saturday").fill("10:00")
    await saturday.get_by_label("Until, Saturday").fill("14:00")
    await dialog.get_by_role("button", name="Save week").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#staff-status")).to_have_text("The weekly hours of Ben are saved.")
    week = await _get(http, world, f"/specialists/{world.specialist_b}/schedules")
    assert [(e["day_of_week"], e["start_time"], e["end_time"]) for e in week] == [
        (0, "09:00:00", "13:00:00"),
        (0, "14:00:00", "18:30:00"),
        (1, "09:00:00", "18:00:00"),
        (2, "09:00:00", "18:00:00"),
        (3, "09:00:00", "18:00:00"),
        (5, "10:00:00", "14:00:00"),
    ]
    assert {e["location_id"] for e in week} == {str(world.location_id)}

    # Overlapping hours: the server refuses, the page names the day; nothing is written.
    await specialist_row(page, "Ben").get_by_role("button", name="Week").click()
    tuesday = dialog.locator('tr[data-day="1"]')
    await tuesday.get_by_role("button", name="Add hours on Tuesday").click()
    await tuesday.get_by_label("From, Tuesday").nth(1).fill("17:00")
    await tuesday.get_by_label("Until, Tuesday").nth(1).fill("19:00")
    async with page.expect_response(lambda r: r.request.method == "PUT") as answer:
        await dialog.get_by_role("button", name="Save week").click()
    assert (await answer.value).status == 422
    await expect(dialog.locator("#week-error")).to_have_text(
        "On Tuesday, 09:00\u201318:00 overlaps 17:00\u201319:00. "
        "Hours of one day may follow each other but not overlap."
    )
    await expect(tuesday).to_have_class("refused")
    assert await axe_violations(page) == []
    # An end before the start is caught before anything is sent.
    await tuesday.get_by_label("Until, Tuesday").nth(1).fill("16:00")
    await dialog.get_by_role("button", name="Save week").click()
    await expect(dialog.locator("#week-error")).to_have_text(
        "Tuesday: the end must be after the start."
    )
    assert await _get(http, world, f"/specialists/{world.specialist_b}/schedules") == week
    await dialog.get_by_role("button", name="Cancel").click()
    clean(board, 422)


async def test_breaks_are_added_changed_and_deleted(
    open_staff: StaffOpener, http: httpx.AsyncClient, world: World
) -> None:
    day = (datetime.now(FIRM_ZONE) + timedelta(days=2)).date().isoformat()
    board = await open_staff("director")
    page = board.page
    dialog = page.locator("#breaks-dialog")
    path = f"/specialists/{world.specialist_a}/breaks"
    await specialist_row(page, "Anna").get_by_role("button", name="Breaks").click()
    await expect(dialog.locator("#breaks-empty")).to_be_visible()

    await dialog.get_by_label("Date").fill(day)
    await dialog.get_by_label("From").fill("13:00")
    await dialog.get_by_label("Until").fill("12:00")
    await dialog.get_by_role("button", name="Add break").click()
    await expect(dialog.locator("#break-error")).to_have_text("The end must be after the start.")
    assert await _get(http, world, path) == []

    await dialog.get_by_label("From").fill("12:00")
    await dialog.get_by_label("Until").fill("13:00")
    await dialog.get_by_label("Reason").fill("Dentist")
    await dialog.get_by_role("button", name="Add break").click()
    await expect(dialog.locator("#breaks-body tr")).to_have_count(1)
    await expect(dialog.locator("#breaks-body tr")).to_contain_text("12:00\u201313:00")
    await expect(dialog.locator("#breaks-body tr")).to_contain_text("Dentist")
    stored = await _get(http, world, path)
    assert [(b["date"], b["start_time"], b["end_time"], b["reason"]) for b in stored] == [
        (day, "12:00:00", "13:00:00", "Dentist")
    ]

    await dialog.locator("#breaks-body tr").get_by_role("button", name="Change").click()
    await expect(dialog.get_by_label("Reason")).to_have_value("Dentist")
    await dialog.get_by_label("Until").fill("13:30")
    await dialog.get_by_role("button", name="Save changes").click()
    await expect(dialog.locator("#breaks-body tr")).to_contain_text("12:00\u201313:30")
    assert (await _get(http, world, path))[0]["end_time"] == "13:30:00"
    assert (await _get(http, world, path))[0]["id"] == stored[0]["id"]

    await dialog.locator("#breaks-body tr").get_by_role("button", name="Delete").click()
    await expect(dialog.locator("#breaks-body tr")).to_contain_text("Delete this break?")
    await dialog.locator("#breaks-body tr").get_by_role("button", name="Keep it").click()
    assert len(await _get(http, world, path)) == 1
    await dialog.locator("#breaks-body tr").get_by_role("button", name="Delete").click()
    await dialog.locator("#breaks-body tr").get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog.locator("#breaks-body tr")).to_have_count(0)
    await expect(dialog.locator("#breaks-empty")).to_be_visible()
    assert await _get(http, world, path) == []
    clean(board)


# ------------------------------------------------------------------------------ logins


def login_row(page: Page, email: str) -> Locator:
    return page.locator("#logins-body tr", has_text=email)


async def _token(http: httpx.AsyncClient, email: str, password: str) -> int:
    """The status of a password sign-in through the API (200: it worked)."""
    response = await http.post("/auth/token", data={"username": email, "password": password})
    return response.status_code


async def _user(http: httpx.AsyncClient, world: World, email: str) -> dict[str, Any]:
    users = await _get(http, world, "/users?limit=500")
    found = [u for u in users["items"] if u["email"] == email]
    assert len(found) == 1, users
    result: dict[str, Any] = found[0]
    return result


async def _sign_in_on_calendar(browser: Browser, server: str, email: str, password: str) -> Page:
    context = await staff_context(browser)
    page = await context.new_page()
    await page.goto(f"{server}/calendar")
    form = page.locator("#login")
    await form.get_by_label("Email", exact=True).fill(email)
    await form.get_by_label("Password", exact=True).fill(password)
    await form.get_by_role("button", name="Sign in").click()
    return page


async def _set_password(browser: Browser, link: str, password: str) -> tuple[Page, list[str]]:
    """Opens a set-password link in a browser of its own and sets the password; returns the
    page and the URLs it requested."""
    context = await staff_context(browser)
    page = await context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto(link)
    await page.get_by_label("New password").fill(password)
    await page.get_by_label("The same password again").fill(password)
    await page.get_by_role("button", name="Set password").click()
    return page, requested


async def test_an_invitation_link_sets_the_password_and_the_login_signs_in(
    open_staff: StaffOpener, browser: Browser, server: str, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_staff("owner")
    page = board.page
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    dialog = page.locator("#user-dialog")
    email = f"nina@{world.slug}.example.com"

    await page.get_by_role("button", name="Invite someone").click()
    await expect(dialog.locator("#user-dialog-title")).to_have_text("Invite someone")
    await dialog.get_by_label("Email address").fill(email)
    await dialog.get_by_label("Name").fill("Nina")
    await dialog.get_by_label("Role").select_option("manager")
    await dialog.get_by_role("button", name="Invite").click()
    await expect(dialog.locator("#user-dialog-title")).to_have_text("Invitation made")
    await expect(dialog.locator("#user-done-text")).to_contain_text("Nina can now choose")
    link = await dialog.get_by_label("Set-password link", exact=True).input_value()
    assert link.startswith(f"{server}/set-password#token=")
    await expect(dialog.locator("#user-link-valid")).to_contain_text("(3 days from now)")
    await dialog.get_by_role("button", name="Copy").click()
    await expect(dialog.locator("#user-link-copied")).to_have_text("The link is copied.")
    assert await page.evaluate("navigator.clipboard.readText()") == link
    await dialog.get_by_role("button", name="Close").click()
    await expect(login_row(page, email)).to_contain_text("No password yet")
    invited = await _user(http, world, email)
    assert invited["role"] == "manager" and invited["full_name"] == "Nina"
    assert invited["has_password"] is False and invited["is_active"] is True

    landing, requested = await _set_password(browser, link, "nina's own secret")
    await expect(landing.locator("#set-password-done")).to_be_visible()
    await expect(landing.locator("#set-password-done")).to_contain_text("Your password is set.")
    assert landing.url == f"{server}/set-password"  # the fragment is out of the address bar
    token = link.split("#token=", 1)[1]
    assert not [url for url in requested if token in url], requested
    assert (await _user(http, world, email))["has_password"] is True

    await landing.get_by_role("link", name="Sign in to the calendar").click()
    form = landing.locator("#login")
    await form.get_by_label("Email", exact=True).fill(email)
    await form.get_by_label("Password", exact=True).fill("nina's own secret")
    await form.get_by_role("button", name="Sign in").click()
    await expect(landing.locator("#planner")).to_be_visible(timeout=10000)
    await expect(landing.locator("#who-name")).to_contain_text("Nina")

    # The link worked once.
    again, _ = await _set_password(browser, link, "a second password")
    await expect(again.locator("#set-password-invalid")).to_be_visible()
    await expect(again.locator("#set-password-invalid")).to_contain_text(
        "invalid, has expired or has already been used"
    )
    assert await _token(http, email, "a second password") == 401
    assert await _token(http, email, "nina's own secret") == 200
    clean(board)


async def test_invitation_refusals_are_shown_and_nothing_is_created(
    open_staff: StaffOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_staff("director")
    page = board.page
    dialog = page.locator("#user-dialog")
    error = dialog.locator("#user-error")
    before = (await _get(http, world, "/users"))["total"]
    email = f"otto@{world.slug}.example.com"

    await page.get_by_role("button", name="Invite someone").click()
    await dialog.get_by_label("Email address").fill("not an email")
    await dialog.get_by_role("button", name="Invite").click()
    await expect(error).to_have_text("Enter a valid email address.")

    await dialog.get_by_label("Email address").fill(email)
    await dialog.get_by_label("Role").select_option("worker")
    await dialog.get_by_role("button", name="Invite").click()
    await expect(error).to_have_text("A worker's login needs their specialist: choose one.")
    await dialog.get_by_label("Specialist").select_option(label="Anna")
    await dialog.get_by_role("button", name="Invite").click()
    await expect(error).to_have_text("Another login is already linked to this specialist.")
    await dialog.get_by_label("Role").select_option("director")
    await dialog.get_by_role("button", name="Invite").click()
    await expect(error).to_have_text(
        "Only an owner may grant, change or reset the owner and director logins."
    )
    await dialog.get_by_label("Email address").fill(world.emails["manager"])
    await dialog.get_by_label("Role").select_option("manager")
    await dialog.get_by_label("Specialist").select_option("")
    await dialog.get_by_role("button", name="Invite").click()
    await expect(error).to_have_text("A login with this email already exists in the firm.")
    assert await axe_violations(page) == []
    assert (await _get(http, world, "/users"))["total"] == before

    # With an initial password instead of a link: Cem's login, signed in at once.
    await dialog.get_by_label("Email address").fill(email)
    await dialog.get_by_label("Role").select_option("worker")
    await dialog.get_by_label("Specialist").select_option(label="Cem")
    await dialog.get_by_label("Set an initial password now").check()
    await dialog.get_by_label("Initial password (at least 8 characters)").fill("short")
    await dialog.get_by_role("button", name="Invite").click()
    await expect(error).to_have_text("The password needs at least 8 characters.")
    await dialog.get_by_label("Initial password (at least 8 characters)").fill("cem's first key")
    await dialog.get_by_role("button", name="Invite").click()
    await expect(dialog.locator("#user-done-text")).to_have_text(
        f"{email} can now sign in with the password you set."  # no name: the email
    )
    await expect(dialog.locator("#user-link-part")).to_be_hidden()
    created = await _user(http, world, email)
    assert created["role"] == "worker" and created["specialist_id"] == str(world.specialist_c)
    assert await _token(http, email, "cem's first key") == 200
    await dialog.get_by_role("button", name="Close").click()
    await expect(login_row(page, email)).to_contain_text("Cem")

    # A director may not reset an owner's password either.
    await (
        login_row(page, world.emails["owner"])
        .get_by_role("button", name="New password link")
        .click()
    )
    confirm = page.locator("#confirm-dialog")
    await confirm.get_by_role("button", name="Make link").click()
    await expect(confirm.locator("#confirm-error")).to_have_text(
        "Only an owner may grant, change or reset the owner and director logins."
    )
    clean(board, 403, 409, 422)


async def test_role_change_deactivation_reactivation_and_a_password_reset(
    open_staff: StaffOpener, browser: Browser, server: str, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_staff("owner")
    page = board.page
    dialog = page.locator("#user-dialog")
    confirm = page.locator("#confirm-dialog")

    # Change a role.
    await login_row(page, world.emails["manager"]).get_by_role("button", name="Change").click()
    await expect(dialog.locator("#user-dialog-title")).to_have_text("Login of Manager")
    await expect(dialog.get_by_label("Email address")).to_be_disabled()
    await dialog.get_by_label("Role").select_option("director")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(login_row(page, world.emails["manager"])).to_contain_text("Director")
    assert (await _user(http, world, world.emails["manager"]))["role"] == "director"

    # Deactivate: the login stops at once, and cannot sign in.
    row = login_row(page, world.emails["worker_b"])
    await row.get_by_role("button", name="Deactivate").click()
    await expect(confirm.locator("#confirm-dialog-title")).to_have_text("Deactivate Worker_B?")
    await confirm.get_by_role("button", name="Deactivate").click()
    await expect(confirm).to_be_hidden()
    await expect(row).to_contain_text("Deactivated")
    assert (await _user(http, world, world.emails["worker_b"]))["is_active"] is False
    me = await http.get("/me", headers=world.headers("worker_b"))
    assert me.status_code == 401
    blocked = await _sign_in_on_calendar(browser, server, world.emails["worker_b"], PASSWORD)
    await expect(blocked.locator("#login-error")).to_have_text("Wrong email or password.")

    # Reactivate: signing in works again.
    await row.get_by_role("button", name="Reactivate").click()
    await confirm.get_by_role("button", name="Reactivate").click()
    await expect(confirm).to_be_hidden()
    await expect(row).to_contain_text("Active")
    assert (await _user(http, world, world.emails["worker_b"]))["is_active"] is True
    assert await _token(http, world.emails["worker_b"], PASSWORD) == 200

    # Nobody deactivates themselves.
    await login_row(page, world.emails["owner"]).get_by_role("button", name="Deactivate").click()
    await confirm.get_by_role("button", name="Deactivate").click()
    await expect(confirm.locator("#confirm-error")).to_have_text(
        "You cannot change your own role or deactivate your own login."
    )
    await confirm.get_by_role("button", name="Cancel").click()
    assert (await _user(http, world, world.emails["owner"]))["is_active"] is True

    # A new password link: the old password works until the link is used.
    await (
        login_row(page, world.emails["worker"])
        .get_by_role("button", name="New password link")
        .click()
    )
    await expect(confirm.locator("#confirm-text")).to_contain_text("current password keeps working")
    await confirm.get_by_role("button", name="Make link").click()
    await expect(dialog.locator("#user-dialog-title")).to_have_text("New password link for Worker")
    link = await dialog.get_by_label("Set-password link", exact=True).input_value()
    assert await _token(http, world.emails["worker"], PASSWORD) == 200
    landing, _ = await _set_password(browser, link, "worker's new secret")
    await expect(landing.locator("#set-password-done")).to_be_visible()
    assert await _token(http, world.emails["worker"], PASSWORD) == 401
    assert await _token(http, world.emails["worker"], "worker's new secret") == 200
    clean(board, 403)


async def test_a_manager_sees_the_specialists_but_not_the_logins(
    open_staff: StaffOpener, browser: Browser, server: str, world: World
) -> None:
    board = await open_staff("manager")
    page = board.page
    await expect(specialist_row(page, "Anna")).to_be_visible()
    await expect(page.locator("#logins-denied")).to_be_visible()
    await expect(page.locator("#logins-denied")).to_have_text(
        "Only the owner and directors manage logins. Ask one of them to invite a colleague, "
        "change a role or make a new password link."
    )
    await expect(page.locator("#logins-part")).to_be_hidden()
    await expect(page.get_by_role("button", name="Invite someone")).to_be_hidden()
    assert await axe_violations(page) == []
    clean(board)  # it did not even ask for /users (a 403 would be in the console)

    worker = await open_staff_as_worker(browser, server, world)
    await expect(worker.locator("#staff-denied")).to_be_visible()
    await expect(worker.locator("#specialists")).to_be_hidden()
    await expect(worker.locator("#logins")).to_be_hidden()


async def open_staff_as_worker(browser: Browser, server: str, world: World) -> Page:
    context = await staff_context(browser)
    board = await signed_in(context, f"{server}/staff", world.emails["worker"])
    await expect(board.page.locator("#staff")).to_be_visible(timeout=10000)
    return board.page


# ------------------------------------------------------------------------------ words, looks


async def test_the_page_switches_to_german_and_russian(open_staff: StaffOpener) -> None:
    board = await open_staff("owner")
    page = board.page
    await page.locator("#language").select_option("de")
    await expect(page.locator("#specialists-title")).to_have_text("Fachkräfte")
    await expect(page.locator("#logins-title")).to_have_text("Zugänge")
    await expect(page.get_by_role("button", name="Fachkraft hinzufügen")).to_be_visible()
    await expect(specialist_row(page, "Anna")).to_contain_text("Aktiv")
    await expect(page.locator("#logins-body")).to_contain_text("Inhaber")
    await specialist_row(page, "Anna").get_by_role("button", name="Woche").click()
    await expect(page.locator("#week-dialog-title")).to_have_text("Wochenzeiten von Anna")
    await expect(page.locator('#week-dialog tr[data-day="0"] th')).to_have_text("Montag")
    # Switched while the dialog is open: its words follow.
    await page.locator("#week-dialog").get_by_role("button", name="Abbrechen").click()

    await page.locator("#language").select_option("ru")
    await expect(page.locator("#specialists-title")).to_have_text("Специалисты")
    await expect(page.locator("#logins-title")).to_have_text("Учётные записи")
    await expect(page.locator("#logins-body")).to_contain_text("Владелец")
    await expect(page.locator("#logins-body")).to_contain_text("Мастер")
    await page.get_by_role("button", name="Пригласить").click()
    await expect(page.locator("#user-dialog-title")).to_have_text("Пригласить сотрудника")
    await expect(page.locator("#user-role-hint")).to_contain_text("свои записи")
    await page.locator("#language").select_option("en")
    await expect(page.locator("#user-dialog-title")).to_have_text("Invite someone")
    await expect(page.locator("#user-role-hint")).to_contain_text("their own appointments")
    clean(board)


async def _shoot(page: Page, name: str, size: str) -> None:
    assert await axe_violations(page) == [], name
    SCREENSHOTS.mkdir(exist_ok=True)
    # A dialog as it is seen (its backdrop covers the window, not the whole page).
    await page.screenshot(
        path=str(SCREENSHOTS / f"staff-{name}-{size}.png"), full_page=name == "page"
    )


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_view_passes_axe_and_is_photographed(
    open_staff: StaffOpener, http: httpx.AsyncClient, world: World, size: str
) -> None:
    day = (datetime.now(FIRM_ZONE) + timedelta(days=3)).date().isoformat()
    added = await http.post(
        f"/specialists/{world.specialist_a}/breaks",
        json={"date": day, "start_time": "12:00", "end_time": "13:00", "reason": "Dentist"},
        headers=world.headers("owner"),
    )
    assert added.status_code == 201, added.text
    board = await open_staff("owner", size)
    page = board.page
    await _shoot(page, "page", size)

    anna = specialist_row(page, "Anna")
    await anna.get_by_role("button", name="Edit").click()
    await _shoot(page, "specialist", size)
    await page.locator("#specialist-dialog").get_by_role("button", name="Cancel").click()

    await anna.get_by_role("button", name="Services").click()
    await expect(page.locator("#services-body tr")).to_have_count(1)
    await _shoot(page, "services", size)
    await page.locator("#services-dialog").get_by_role("button", name="Close").click()

    await anna.get_by_role("button", name="Week").click()
    monday = page.locator('#week-dialog tr[data-day="0"]')
    await monday.get_by_role("button", name="Add hours on Monday").click()
    await _shoot(page, "week", size)
    await page.locator("#week-dialog").get_by_role("button", name="Cancel").click()

    await anna.get_by_role("button", name="Breaks").click()
    await expect(page.locator("#breaks-body tr")).to_have_count(1)
    await _shoot(page, "breaks", size)
    await page.locator("#breaks-dialog").get_by_role("button", name="Close").click()

    await page.get_by_role("button", name="Invite someone").click()
    await _shoot(page, "invite", size)
    dialog = page.locator("#user-dialog")
    await dialog.get_by_label("Email address").fill(f"lena-{size}@{world.slug}.example.com")
    await dialog.get_by_label("Name").fill("Lena Langer-Name")
    await dialog.get_by_label("Role").select_option("manager")
    await dialog.get_by_role("button", name="Invite").click()
    await expect(dialog.locator("#user-link-part")).to_be_visible()
    await _shoot(page, "link", size)
    await dialog.get_by_role("button", name="Close").click()

    await login_row(page, world.emails["worker"]).get_by_role("button", name="Deactivate").click()
    await _shoot(page, "confirm", size)
    await page.locator("#confirm-dialog").get_by_role("button", name="Cancel").click()
    clean(board)
