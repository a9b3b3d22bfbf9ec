"""Web Push from the booking page: "Get reminders in this browser" subscribes with the firm's
VAPID key and registers the subscription through the manage link; the booking's messages
then reach the local push service (decrypted there as a browser would), and the service
worker shows a push as a notification.

Headless Chromium has no push service of its own (it would ask Google's), so the test's
browser subscribes at the tests' local push service: ``PushManager.subscribe`` answers with
that service's endpoint and the keys of a subscriber the test holds. Everything else, the
page, the service worker, the server and the worker, is the real thing."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import World
from tests.jobs.support import wait_for
from tests.web.book_helpers import (
    VAPID,
    BookingServer,
    Opener,
    booked_with_link,
    booking_server,
    first_free_slot,
    open_booking,
    open_page,
)
from tests.web.conftest import expect

pytestmark = pytest.mark.browser
__all__ = ["booking_server", "open_page"]  # fixtures

# PushManager as a browser with a push service would have it, at the tests' push service.
FAKE_PUSH_MANAGER = """
(() => {
  const subscription = %s;
  let subscribed = null;
  const made = (options) => ({
    endpoint: subscription.endpoint,
    options,
    toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null,
                     keys: subscription.keys }),
    unsubscribe: async () => { subscribed = null; return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__vapidKeyBytes = Array.from(key);
    subscribed = made(options);
    return subscribed;
  };
  PushManager.prototype.getSubscription = async function () { return subscribed; };
})();
"""


def _b64url_bytes(text: str) -> list[int]:
    return list(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


async def test_reminders_in_this_browser_bring_the_bookings_messages(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener
) -> None:
    await open_booking(app, world)
    name = f"book-{world.slug}"
    subscriber = booking_server.push.subscribe(name)
    endpoint = f"{booking_server.push_url}/push/{name}"
    script = FAKE_PUSH_MANAGER % json.dumps(
        {"endpoint": endpoint, "keys": {"p256dh": subscriber.p256dh, "auth": subscriber.auth}}
    )
    # A client with a phone only: the firm's order of channels (email first) leaves push
    # for them before WhatsApp.
    async with httpx.AsyncClient(base_url=f"{booking_server.url}/api/v1", timeout=10) as http:
        made = await http.post(
            "/clients",
            json={"first_name": "Pia", "last_name": "Push", "phone": "+4915112345678"},
            headers=world.headers("director"),
        )
    assert made.status_code == 201, made.text
    _, token = await booked_with_link(
        booking_server, app, world, world.specialist_a, client_id=uuid.UUID(made.json()["id"])
    )
    visit = await open_page(f"{booking_server.url}/book/{world.slug}/manage#{token}")
    page = visit.page
    await page.context.grant_permissions(["notifications"], origin=booking_server.url)
    await page.context.add_init_script(script)
    await page.reload()
    await expect(page.locator("#view-appointment")).to_be_visible(timeout=15000)
    button = page.get_by_role("button", name="Get reminders in this browser")
    await expect(button).to_be_visible()
    await button.click()
    await expect(page.locator("#manage-push-state")).to_have_text(
        "Reminders are on in this browser."
    )
    await expect(button).to_be_hidden()
    # The page subscribed with the firm's VAPID key.
    assert await page.evaluate("window.__vapidKeyBytes") == _b64url_bytes(VAPID.public_key)
    # The service worker took over the booking pages' scope.
    scope = await page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{booking_server.url}/book/"

    def delivered() -> list[dict[str, Any]]:
        return [d.payload for d in booking_server.push.delivered if d.subscription == name]

    # The booking's confirmation went out before the browser asked: it comes now.
    first = await wait_for(delivered, timeout=30)
    assert [p["data"]["type"] for p in first] == ["confirmation"], first

    # A change of the booking now reaches this browser: moved through the manage link.
    async with httpx.AsyncClient(base_url=f"{booking_server.url}/api/v1", timeout=10) as http:
        slot = await first_free_slot(http, world, world.specialist_a, skip=2, after_days=1)
        moved = await http.post(
            f"/public/{world.slug}/manage/move",
            json={"start_at": slot["start"]},
            headers={"X-Manage-Token": token},
        )
    assert moved.status_code == 200, moved.text

    payloads = await wait_for(lambda: d if len(d := delivered()) > 1 else None, timeout=30)
    # Decrypted by the push service with this browser's keys: the change, in the firm's
    # language (the client chose none).
    assert [p["data"]["type"] for p in payloads] == ["confirmation", "change"], payloads
    assert payloads[1]["title"].startswith("Termin verschoben"), payloads
    # A message that names no link of its own opens this booking's manage page: the page
    # told the worker which one.
    assert all(f"/book/{world.slug}/manage#" in p["url"] for p in payloads if p.get("url"))
    assert visit.clean(), visit.errors


async def test_the_service_worker_shows_a_push_and_opens_its_link(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener
) -> None:
    await open_booking(app, world)
    visit = await open_page(f"{booking_server.url}/book/{world.slug}")
    page = visit.page
    await page.context.grant_permissions(["notifications"], origin=booking_server.url)
    await expect(page.locator("#view-specialist")).to_be_visible(timeout=15000)
    await page.evaluate("navigator.serviceWorker.ready")

    # A push as a push service would deliver it to the worker (DevTools protocol).
    cdp = await page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    await cdp.send("ServiceWorker.enable")
    await wait_for(lambda: [r for r in registrations if r["scopeURL"].endswith("/book/")])
    registration = next(r for r in registrations if r["scopeURL"].endswith("/book/"))
    link = f"/book/{world.slug}/manage#sometoken"
    push = json.dumps(
        {"title": "Reminder: Haircut tomorrow", "body": "10:00 at Mitte", "url": link, "tag": "r1"}
    )

    async def shown_after_a_push() -> list[list[str]]:
        # Delivered again until it shows (a worker that was still starting may miss one);
        # the tag makes a repeat replace the notification rather than add one.
        await cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": booking_server.url,
                "registrationId": registration["registrationId"],
                "data": push,
            },
        )
        found: list[list[str]] = await page.evaluate(
            "navigator.serviceWorker.ready.then((r) => r.getNotifications())"
            ".then((all) => all.map((n) => [n.title, n.body, n.data && n.data.url]))"
        )
        return found

    shown = await wait_for(shown_after_a_push, interval=0.5)
    assert shown == [["Reminder: Haircut tomorrow", "10:00 at Mitte", link]]
    assert visit.clean(), visit.errors
