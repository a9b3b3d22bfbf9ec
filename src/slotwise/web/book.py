"""The public booking pages: ``/book/<slug>`` (the booking flow) and ``/book/<slug>/manage``
(a booking's manage link, its token in the URL's fragment), their web app manifest and the
service worker that shows push messages.

Like the staff pages they are shells: the browser reads everything through the public API
(``/api/v1/public/<slug>``). They differ in two ways: any site may frame them (a firm puts
its page in its own website), and they install as a web app. A slug that names no firm, or a
firm that has not turned its public booking on, gets the same 404 page.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from slotwise.deps import SessionDep
from slotwise.public.errors import PublicFirmNotFound
from slotwise.public.firms import public_firm
from slotwise.web.assets import REVALIDATE
from slotwise.web.pages import page_headers
from slotwise.web.routes import ASSETS

router = APIRouter(tags=["booking page"])

_HERE = Path(__file__).parent
_HEADERS = page_headers(embeddable=True, installable=True)
# The worker's scope is the folder it is served from: /book/ covers every firm's pages.
SERVICE_WORKER_PATH = "/book/sw.js"
_WORKER_HEADERS = {"Cache-Control": REVALIDATE, "Content-Security-Policy": "default-src 'self'"}


@cache
def _template(name: str) -> Template:
    return Template((_HERE / "templates" / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class _BookPage:
    template: str  # templates/<template>.html, whose script is static/<template>.js
    title: str  # English; the script puts the firm's name and the visitor's language in


_BOOK = _BookPage("book", "Book an appointment")
_MANAGE = _BookPage("book-manage", "Your appointment")


def _render(page: _BookPage, slug: str, firm_name: str | None, *, status: int = 200) -> Response:
    script = f"{page.template}.js"
    links = [f'  <link rel="modulepreload" href="{ASSETS.url(n)}">' for n in ASSETS.imports(script)]
    name = html.escape(firm_name or "Slotwise")
    values = {
        "title": html.escape(page.title),
        "firm": name,
        "slug": html.escape(slug),
        "icon": ASSETS.url("icon.svg"),
        "style": ASSETS.url("book.css"),
        "preloads": "\n".join(links),
        "script": ASSETS.url(script),
        "manifest": (
            f'  <link rel="manifest" href="/book/{html.escape(slug)}/manifest.webmanifest">'
            if firm_name is not None
            else ""
        ),
        "missing": ' data-missing="true"' if firm_name is None else "",
        "worker": SERVICE_WORKER_PATH,
    }
    content = _template(f"{page.template}.html").substitute(values)
    body = _template("book-shell.html").substitute(values, content=content)
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


async def _page(page: _BookPage, slug: str, session: SessionDep) -> Response:
    try:
        firm = await public_firm(session, slug)
    except PublicFirmNotFound:
        # The page's own "no booking page here", with the status a browser and a crawler
        # understand; the script says it in the visitor's language.
        return _render(page, slug, None, status=404)
    return _render(page, slug, firm.name)


@router.get(SERVICE_WORKER_PATH, include_in_schema=False)
async def service_worker() -> Response:
    """Shows the firm's push messages (a reminder, a change) and opens the manage link."""
    asset = ASSETS.get("book-sw.js")
    return Response(
        asset.body, media_type="text/javascript; charset=utf-8", headers=_WORKER_HEADERS
    )


@router.get("/book/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def book(slug: str, session: SessionDep) -> Response:
    """The booking flow: location, service, specialist, day, time, hold, contact, code."""
    return await _page(_BOOK, slug, session)


@router.get("/book/{slug}/manage", response_class=HTMLResponse, include_in_schema=False)
async def manage(slug: str, session: SessionDep) -> Response:
    """A booking's manage link: see it, cancel it, move it, add it to a calendar."""
    return await _page(_MANAGE, slug, session)


@router.get("/book/{slug}/manifest.webmanifest", include_in_schema=False)
async def manifest(slug: str, session: SessionDep) -> Response:
    """The firm's page as an installable web app (with its name, opening its page)."""
    firm = await public_firm(session, slug)  # 404 booking_page_not_found
    doc = {
        "name": firm.name,
        "short_name": firm.name[:12],
        "start_url": f"/book/{firm.slug}",
        "scope": "/book/",
        "display": "standalone",
        "background_color": "#f5f6f8",
        "theme_color": "#1f5fbf",
        "icons": [
            {"src": ASSETS.url("icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return Response(
        json.dumps(doc, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"Cache-Control": REVALIDATE},
    )
