"""Swagger UI at /docs renders in a real browser with every request kept on our own server
(as without internet) and nothing refused by its Content-Security-Policy."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.factories import PASSWORD, World
from tests.web.conftest import expect

pytestmark = pytest.mark.browser

if TYPE_CHECKING:
    from playwright.async_api import Browser, Route

# Saved for a person to look at: the docs must be usable on a desktop, a tablet and a phone.
SIZES = {"desktop": (1440, 900), "tablet": (820, 1180), "phone": (390, 844)}


async def test_docs_work_offline(browser: Browser, server: str, world: World) -> None:
    context = await browser.new_context()
    elsewhere: list[str] = []

    async def offline(route: Route) -> None:
        if route.request.url.startswith(server):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", offline)
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    try:
        await page.goto(f"{server}/docs")
        # The first /openapi.json builds the schema: slow on a busy machine.
        await expect(page.locator(".swagger-ui .info .title")).to_contain_text(
            "Slotwise", timeout=30000
        )
        login = page.locator(".opblock-summary-path", has_text="/api/v1/auth/token")
        await expect(login).to_be_visible()
        for size, (width, height) in SIZES.items():
            await page.set_viewport_size({"width": width, "height": height})
            await expect(login).to_be_visible()
            await page.screenshot(path=f"/tmp/slotwise-docs-{size}.png")

        # Log in the way the README says, then call the API from the page.
        await page.get_by_role("button", name="Authorize").click()
        await page.locator("#oauth_username").fill(world.emails["director"])
        await page.locator("#oauth_password").fill(PASSWORD)
        await page.get_by_role("button", name="Apply given OAuth2 credentials").click()
        await expect(page.get_by_role("button", name="Remove authorization")).to_be_visible()
        await page.locator(".auth-btn-wrapper .btn-done").click()
        me = page.locator(
            ".opblock-get",
            has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/v1/me$")),
        )
        await me.locator(".opblock-summary").first.click()
        await me.get_by_role("button", name="Try it out").click()
        await me.get_by_role("button", name="Execute").click()
        await expect(me.locator(".live-responses-table tbody .response-col_status")).to_have_text(
            "200"
        )
        await expect(me.locator(".live-responses-table")).to_contain_text(world.emails["director"])
        await me.screenshot(path="/tmp/slotwise-docs-me.png")
    finally:
        await context.close()
    assert elsewhere == []
    assert problems == []
