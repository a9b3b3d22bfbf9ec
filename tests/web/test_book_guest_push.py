"""The issue's whole promise in one run: a guest books on the page, gets the confirmation by
email, asks for reminders in this browser on the summary, and the local push service receives
that booking's confirmation, decrypted with the browser's keys, as a real push service would
pass it on. (The browser subscribes at the tests' push service: see test_book_push.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from tests.factories import World
from tests.jobs.support import wait_for
from tests.web.book_helpers import (
    BookingServer,
    Opener,
    booking_server,
    guest_email,
    open_booking,
    open_page,
    pick_first_slot,
    wait_for_month,
)
from tests.web.conftest import expect
from tests.web.test_book_push import FAKE_PUSH_MANAGER

pytestmark = pytest.mark.browser
__all__ = ["booking_server", "open_page"]  # fixtures


async def test_a_guest_gets_the_email_and_then_the_push_of_their_booking(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener
) -> None:
    await open_booking(app, world)
    name = f"guest-{world.slug}"
    subscriber = booking_server.push.subscribe(name)
    endpoint = f"{booking_server.push_url}/push/{name}"
    visit = await open_page("about:blank")
    page = visit.page
    await page.context.grant_permissions(["notifications"], origin=booking_server.url)
    await page.context.add_init_script(
        FAKE_PUSH_MANAGER
        % json.dumps(
            {"endpoint": endpoint, "keys": {"p256dh": subscriber.p256dh, "auth": subscriber.auth}}
        )
    )
    await page.goto(f"{booking_server.url}/book/{world.slug}")

    await page.get_by_role("button", name="Ben", exact=True).click()
    await wait_for_month(page)
    await pick_first_slot(page)
    email = guest_email(world)
    await page.get_by_label("Name").fill("Paula Push")
    await page.get_by_label("Email").fill(email)
    await page.get_by_role("button", name="Send me the code").click()
    code = await booking_server.code_to(email)
    await page.get_by_label("Code from the message").fill(code)
    await page.get_by_role("button", name="Confirm booking").click()
    await expect(page.locator("#view-done")).to_be_visible()

    # The confirmation by email: the channel the firm's order puts first.
    def confirmations() -> list[Any]:
        return [m for m in booking_server.sink.to(email) if "code" not in str(m["Subject"])]

    [mail] = await wait_for(lambda: confirmations() or None, timeout=30)
    assert str(mail["Subject"]).startswith("Appointment confirmed")  # the browser's language

    # Reminders in this browser: the booking's confirmation arrives there too.
    await page.get_by_role("button", name="Get reminders in this browser").click()

    def pushed() -> list[dict[str, Any]]:
        return [d.payload for d in booking_server.push.delivered if d.subscription == name]

    payloads = await wait_for(lambda: pushed() or None, timeout=30)
    assert [p["data"]["type"] for p in payloads] == ["confirmation"], payloads
    assert payloads[0]["title"].startswith("Appointment confirmed")
    assert "is confirmed" in payloads[0]["body"] and "Mitte" in payloads[0]["body"]
    assert f"/book/{world.slug}/manage#" in payloads[0]["url"]
    # Not emailed again.
    assert len(confirmations()) == 1
    assert visit.clean(), visit.errors
