"""The booking pages over HTTP: frame rules (embeddable on /book only), the manifest, the
service worker, the 404 page, and their modules."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI

from tests.factories import World
from tests.web.book_helpers import open_booking
from tests.web.static_files import entry_point, served_modules

BOOK_MODULES = {
    "book.js",
    "book-api.js",
    "book-month.js",
    "book-push.js",
    "i18n.js",
    "session.js",
    "strings-book.js",
    "strings-common.js",
}


async def test_the_booking_pages_may_be_framed_and_no_other_page(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await open_booking(app, world)
    for path in (f"/book/{world.slug}", f"/book/{world.slug}/manage"):
        response = await client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors *" in csp, path
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert "manifest-src 'self'" in csp and "worker-src 'self'" in csp
        assert "x-frame-options" not in response.headers
        page = response.text
        assert f'href="/book/{world.slug}/manifest.webmanifest"' in page
        assert "http://" not in page and "https://" not in page
        assert world.slug in page and f"Firm {world.slug}" in page  # the firm's name
    for path in (
        "/board",
        "/calendar",
        "/setup",
        "/clients",
        "/staff",
        "/connections",
        "/set-password",
        "/docs",
    ):
        csp = (await client.get(path)).headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, path
        assert "frame-ancestors *" not in csp, path


async def test_an_unknown_or_closed_firm_gets_the_404_page(
    client: httpx.AsyncClient, world: World
) -> None:
    # The firm exists but has not turned its page on: the same answer as no firm at all.
    for slug in (world.slug, "no-such-firm"):
        for path in (f"/book/{slug}", f"/book/{slug}/manage"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("text/html")
            assert 'data-missing="true"' in response.text
            assert "There is no booking page here" in response.text
            assert "manifest.webmanifest" not in response.text
        manifest = await client.get(f"/book/{slug}/manifest.webmanifest")
        assert manifest.status_code == 404
        assert manifest.json()["code"] == "booking_page_not_found"


async def test_the_manifest_and_the_service_worker(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await open_booking(app, world)
    response = await client.get(f"/book/{world.slug}/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text)
    assert manifest["name"] == f"Firm {world.slug}"
    assert manifest["start_url"] == f"/book/{world.slug}"
    assert manifest["scope"] == "/book/"
    assert manifest["display"] == "standalone"
    icon = manifest["icons"][0]
    assert icon["type"] == "image/svg+xml"
    assert (await client.get(icon["src"])).status_code == 200

    worker = await client.get("/book/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"  # a new version is found at once
    assert 'addEventListener("push"' in worker.text
    assert 'addEventListener("notificationclick"' in worker.text


async def test_the_page_loads_its_modules_by_versioned_urls(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await open_booking(app, world)
    page = (await client.get(f"/book/{world.slug}")).text
    assert await served_modules(client, entry_point(page)) == BOOK_MODULES
    manage = (await client.get(f"/book/{world.slug}/manage")).text
    assert await served_modules(client, entry_point(manage)) == (
        BOOK_MODULES - {"book.js", "book-month.js", "session.js"} | {"book-manage.js", "session.js"}
    )
