"""/docs needs nothing but this server: every file it loads is ours, under the board's policy
(plus its one inline script, by hash, and its icons as data: images)."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}


async def test_docs_load_only_from_this_server(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    urls += re.findall(r"url: '([^']+)'", page.text)  # the OpenAPI document
    assert len(urls) == 4, urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        expected = CONTENT_TYPES[url[url.rindex(".") :]]
        assert asset.headers["content-type"].startswith(expected), url


async def test_docs_have_the_board_policy_plus_their_one_script(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    board = await client.get("/board")
    (script,) = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = (
        board.headers["content-security-policy"]
        .replace("script-src 'self'", f"script-src 'self' 'sha256-{digest}'")
        .replace("img-src 'self'", "img-src 'self' data:")  # Swagger UI's icons
    )
    assert docs.headers["content-security-policy"] == policy
    assert "unsafe" not in policy
    for name in ("referrer-policy", "cache-control", "x-content-type-options"):
        assert docs.headers[name] == board.headers[name]


async def test_only_swagger_ui_is_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/redoc")).status_code == 404
    # Files of the package other than the three the page loads stay out of reach.
    for name in ("index.html", "swagger-initializer.js", "..%2F__init__.py"):
        missing = await client.get(f"/docs/assets/{name}")
        assert missing.status_code == 404, name
        assert missing.json()["code"] in {"static_not_found", "not_found"}
