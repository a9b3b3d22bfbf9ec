"""The board page and its static files, over HTTP (the browser tests are in test_board.py)."""

from __future__ import annotations

import httpx

from tests.web.static_files import entry_point, served_modules


async def test_board_page_is_a_self_contained_shell(client: httpx.AsyncClient) -> None:
    response = await client.get("/board")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'data-poll-seconds="60"' in page
    assert entry_point(page).startswith("/board/static/board.js?v=")
    assert 'href="/board/static/board.css?v=' in page
    assert 'id="banner"' in page and "Live updates unavailable" in page
    # Nothing is loaded from elsewhere, and no inline script may run.
    assert "http://" not in page and "https://" not in page
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["cache-control"] == "no-store"


async def test_poll_interval_comes_from_the_query(client: httpx.AsyncClient) -> None:
    response = await client.get("/board", params={"poll": 2})
    assert response.status_code == 200
    assert 'data-poll-seconds="2"' in response.text
    assert "every 2 s" in response.text
    for bad in ("0", "3601", "soon"):
        response = await client.get("/board", params={"poll": bad})
        assert response.status_code == 422, bad


BOARD_MODULES = {
    "board.js",
    "dates.js",
    "i18n.js",
    "live.js",
    "render.js",
    "session.js",
    "signin.js",
    "strings-board.js",
    "strings-common.js",
}


async def test_static_files_are_served_with_their_types(client: httpx.AsyncClient) -> None:
    page = (await client.get("/board")).text
    script = await client.get("/board/static/board.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "new LiveFeed(" in script.text
    live = await client.get("/board/static/live.js")
    assert "new EventSource(" in live.text
    assert "/events/stream-token" in live.text
    # Every module the entry point imports, and what they import, is served too.
    assert await served_modules(client, entry_point(page)) == BOARD_MODULES
    style = await client.get("/board/static/board.css")
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")
    icon = await client.get("/board/static/icon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")


async def test_only_the_listed_static_files_are_served(client: httpx.AsyncClient) -> None:
    for name in ("routes.py", "board.html", "missing.js", "__init__.py"):
        response = await client.get(f"/board/static/{name}")
        assert response.status_code == 404, name
        assert response.json()["code"] == "static_not_found"
    for path in ("/board/static/..%2Froutes.py", "/board/static/../templates/board.html"):
        response = await client.get(path)
        assert response.status_code == 404, path


async def test_the_board_is_not_part_of_the_api_schema(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert not [path for path in schema["paths"] if path.startswith("/board")]


async def test_calendar_page_and_its_bundle(client: httpx.AsyncClient) -> None:
    response = await client.get("/calendar")
    assert response.status_code == 200
    page = response.text
    assert entry_point(page).startswith("/board/static/calendar.js?v=")
    assert 'id="login-form"' in page  # the sign-in form the pages share
    assert "http://" not in page and "https://" not in page
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert await served_modules(client, entry_point(page)) == {
        *BOARD_MODULES - {"board.js", "strings-board.js"},
        "calendar.js",
        "calendar-cards.js",
        "calendar-dialog.js",
        "calendar-hours.js",
        "strings-calendar.js",
        "event-calendar.js",
    }
    bundle = await client.get("/board/static/event-calendar.js")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "createCalendar" in bundle.text
    style = await client.get("/board/static/event-calendar.css")
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")
    assert ".ec-event" in style.text


async def test_a_file_is_kept_under_its_current_version_only(client: httpx.AsyncClient) -> None:
    page = (await client.get("/calendar")).text
    entry = entry_point(page)
    current = await client.get(entry)
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = current.headers["etag"]
    # The version is the file as served: its imports name their own versions.
    assert f'"{entry.split("?v=")[1]}"' == etag
    assert 'from "/board/static/live.js?v=' in current.text
    # The page names every module it will load, so the browser asks for them at once.
    for name in ("live.js", "dates.js", "event-calendar.js", "strings-calendar.js"):
        assert f'<link rel="modulepreload" href="/board/static/{name}?v=' in page, name
    # Without the version, or with an old one, the browser asks every time.
    for url in ("/board/static/calendar.js", "/board/static/calendar.js?v=0123456789abcdef"):
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"
        assert response.text == current.text
        unchanged = await client.get(url, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304
        assert unchanged.content == b""
    changed = await client.get("/board/static/calendar.js", headers={"If-None-Match": '"old"'})
    assert changed.status_code == 200 and changed.text == current.text
