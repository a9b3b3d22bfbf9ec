"""The public set-password page in Debian's Chromium: the token comes in the URL's fragment,
leaves the address bar at once, never goes into a request's URL, and sets the password once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.factories import World
from tests.web.accessibility import axe_violations
from tests.web.conftest import expect, staff_context

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
SIZES = {"desktop": (1440, 900), "tablet": (1024, 768), "phone": (390, 844)}


class Landing:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[str] = []  # every URL the page asked for
        self.console: list[str] = []  # everything it logged, Chrome's own hints included
        self.console_errors: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._logged)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _logged(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)
        if message.type == "error":
            self.console_errors.append(message.text)


Opener = Callable[..., Awaitable[Landing]]


@pytest.fixture
async def open_link(browser: Browser, server: str) -> AsyncIterator[Opener]:
    contexts: list[BrowserContext] = []

    async def open_at(fragment: str, size: str = "desktop") -> Landing:
        width, height = SIZES[size]
        context = await staff_context(browser, viewport={"width": width, "height": height})
        contexts.append(context)
        landing = Landing(await context.new_page())
        await landing.page.goto(f"{server}/set-password{fragment}")
        return landing

    yield open_at
    for context in contexts:
        await context.close()


async def _reset_link(http: httpx.AsyncClient, world: World, role: str) -> str:
    users = (await http.get("/users", headers=world.headers("owner"))).json()["items"]
    user = next(u for u in users if u["email"] == world.emails[role])
    response = await http.post(
        f"/users/{user['id']}/password-reset", headers=world.headers("owner")
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["set_password_token"]
    return token


async def _sign_in(http: httpx.AsyncClient, email: str, password: str) -> int:
    response = await http.post("/auth/token", data={"username": email, "password": password})
    return response.status_code


async def test_the_token_stays_out_of_urls_and_logs_and_sets_the_password_once(
    open_link: Opener, server: str, http: httpx.AsyncClient, world: World
) -> None:
    token = await _reset_link(http, world, "manager")
    landing = await open_link(f"#token={token}")
    page = landing.page
    await expect(page.get_by_label("New password")).to_be_focused()
    # The fragment left the address bar (replaced: no history entry keeps it).
    assert page.url == f"{server}/set-password"

    await page.get_by_label("New password").fill("short")
    await page.get_by_label("The same password again").fill("short")
    await page.get_by_role("button", name="Set password").click()
    await expect(page.locator("#set-password-error")).to_have_text(
        "The password needs at least 8 characters."
    )
    await page.get_by_label("New password").fill("managers new secret")
    await page.get_by_label("The same password again").fill("managers new secrets")
    await page.get_by_role("button", name="Set password").click()
    await expect(page.locator("#set-password-error")).to_have_text(
        "The two passwords are not the same."
    )
    assert await _sign_in(http, world.emails["manager"], "managers new secret") == 401

    await page.get_by_label("The same password again").fill("managers new secret")
    async with page.expect_request(lambda r: r.method == "POST") as posted:
        await page.get_by_role("button", name="Set password").click()
    request = await posted.value
    assert request.url == f"{server}/api/v1/auth/set-password"
    assert request.post_data_json == {"token": token, "password": "managers new secret"}
    assert not request.headers.get("referer")  # no-referrer: nothing, or empty
    await expect(page.locator("#set-password-done")).to_be_visible()
    await expect(page.get_by_role("link", name="Sign in to the calendar")).to_be_focused()
    assert await _sign_in(http, world.emails["manager"], "managers new secret") == 200

    assert not [url for url in landing.requests if token in url], landing.requests
    assert not [m for m in landing.console if token in m], landing.console
    assert not landing.errors and not landing.console_errors, (landing.errors, landing.console)
    storage = await page.evaluate("JSON.stringify({...localStorage, ...sessionStorage})")
    assert token not in storage

    # Used once: the same link again says so and what to do.
    again = await open_link(f"#token={token}")
    await again.page.get_by_label("New password").fill("yet another secret")
    await again.page.get_by_label("The same password again").fill("yet another secret")
    await again.page.get_by_role("button", name="Set password").click()
    invalid = again.page.locator("#set-password-invalid")
    await expect(invalid).to_be_visible()
    await expect(invalid).to_contain_text("has already been used")
    await expect(invalid).to_contain_text("Ask your director")
    await expect(again.page.locator("#set-password-form")).to_be_hidden()
    assert await _sign_in(http, world.emails["manager"], "yet another secret") == 401


async def test_a_missing_or_forged_token_says_what_to_do(open_link: Opener) -> None:
    missing = await open_link("")
    await expect(missing.page.locator("#set-password-invalid")).to_be_visible()
    await expect(missing.page.locator("#set-password-form")).to_be_hidden()

    forged = await open_link("#token=not-a-real-token")
    page = forged.page
    await page.get_by_label("New password").fill("a fine password")
    await page.get_by_label("The same password again").fill("a fine password")
    await page.get_by_role("button", name="Set password").click()
    await expect(page.locator("#set-password-invalid")).to_be_visible()
    await expect(page.get_by_role("link", name="Sign in")).to_have_attribute("href", "/calendar")
    assert not forged.errors


async def test_the_page_in_german_and_russian(open_link: Opener) -> None:
    landing = await open_link("#token=x")
    page = landing.page
    await expect(page.locator("nav.pages a")).to_have_count(0)  # no nav: not signed in
    await page.locator("#language").select_option("de")
    await expect(page.locator("#set-password-title")).to_have_text("Passwort wählen")
    await expect(page.get_by_label("Neues Passwort")).to_be_visible()
    await expect(page.get_by_role("button", name="Passwort festlegen")).to_be_visible()
    await page.locator("#language").select_option("ru")
    await expect(page.locator("#set-password-title")).to_have_text("Задайте пароль")
    await expect(page.get_by_role("button", name="Задать пароль")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "ru")


@pytest.mark.parametrize("size", list(SIZES))
async def test_screenshots_and_axe(
    open_link: Opener, http: httpx.AsyncClient, world: World, size: str
) -> None:
    token = await _reset_link(http, world, "worker")
    landing = await open_link(f"#token={token}", size)
    page = landing.page
    SCREENSHOTS.mkdir(exist_ok=True)
    await expect(page.get_by_label("New password")).to_be_visible()
    assert await axe_violations(page) == []
    await page.screenshot(path=str(SCREENSHOTS / f"set-password-form-{size}.png"))
    await page.get_by_label("New password").fill("workers new secret")
    await page.get_by_label("The same password again").fill("workers new secret")
    await page.get_by_role("button", name="Set password").click()
    await expect(page.locator("#set-password-done")).to_be_visible()
    assert await axe_violations(page) == []
    await page.screenshot(path=str(SCREENSHOTS / f"set-password-done-{size}.png"))

    used = await open_link(f"#token={token}", size)
    await used.page.get_by_label("New password").fill("workers other secret")
    await used.page.get_by_label("The same password again").fill("workers other secret")
    await used.page.get_by_role("button", name="Set password").click()
    await expect(used.page.locator("#set-password-invalid")).to_be_visible()
    assert await axe_violations(used.page) == []
    await used.page.screenshot(path=str(SCREENSHOTS / f"set-password-invalid-{size}.png"))
