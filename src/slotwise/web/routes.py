"""The live board: one server-rendered page and its static files, outside ``/api/v1``.

The page is a shell; the browser logs in and reads everything through the public API and the
event stream, so the board sees exactly what its user may see and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from slotwise.web.assets import IMMUTABLE, REVALIDATE, Assets
from slotwise.web.errors import StaticNotFound
from slotwise.web.pages import page_headers

router = APIRouter(tags=["board"])

_HERE = Path(__file__).parent
_STATIC_DIR = _HERE / "static"
# Served by name from this list only: a request can never reach another file.
_SCRIPT = "text/javascript; charset=utf-8"
_STYLE = "text/css; charset=utf-8"
_STATIC_TYPES = {
    "board.js": _SCRIPT,  # the entry points; they import the other modules
    "calendar.js": _SCRIPT,
    "calendar-cards.js": _SCRIPT,
    "calendar-dialog.js": _SCRIPT,
    "calendar-hours.js": _SCRIPT,
    "clients.js": _SCRIPT,
    "clients-form.js": _SCRIPT,
    "clients-history.js": _SCRIPT,
    "dates.js": _SCRIPT,
    "render.js": _SCRIPT,
    "session.js": _SCRIPT,
    "page-ui.js": _SCRIPT,  # helpers the staff, connections and setup pages share
    "signin.js": _SCRIPT,
    "live.js": _SCRIPT,
    "i18n.js": _SCRIPT,
    "strings-common.js": _SCRIPT,
    "strings-board.js": _SCRIPT,
    "strings-calendar.js": _SCRIPT,
    "strings-clients.js": _SCRIPT,
    "my.js": _SCRIPT,  # a client's own appointments
    "strings-my.js": _SCRIPT,
    "my.css": _STYLE,
    "setup.js": _SCRIPT,  # the setup page and its sections
    "setup-ui.js": _SCRIPT,
    "setup-rules.js": _SCRIPT,
    "setup-locations.js": _SCRIPT,
    "setup-hours.js": _SCRIPT,
    "setup-holidays.js": _SCRIPT,
    "setup-workplaces.js": _SCRIPT,
    "setup-offers.js": _SCRIPT,
    "setup-services.js": _SCRIPT,
    "strings-setup.js": _SCRIPT,
    # The staff page and the public set-password page.
    "staff.js": _SCRIPT,
    "staff-dom.js": _SCRIPT,
    "staff-specialists.js": _SCRIPT,
    "staff-services.js": _SCRIPT,
    "staff-week.js": _SCRIPT,
    "staff-breaks.js": _SCRIPT,
    "staff-logins.js": _SCRIPT,
    "strings-staff.js": _SCRIPT,
    "set-password.js": _SCRIPT,
    "staff.css": _STYLE,
    # The connections page (YClients, CalDAV) and its parts.
    "connections.js": _SCRIPT,
    "connections-dom.js": _SCRIPT,
    "connections-health.js": _SCRIPT,
    "connections-detail.js": _SCRIPT,
    "connections-records.js": _SCRIPT,
    "connections-mappings.js": _SCRIPT,
    "connections-form.js": _SCRIPT,
    "strings-connections.js": _SCRIPT,
    "connections.css": _STYLE,
    "board.css": _STYLE,
    "calendar.css": _STYLE,
    "clients.css": _STYLE,
    "setup.css": _STYLE,
    "icon.svg": "image/svg+xml",
    # The public booking pages (web/book.py) and their service worker.
    "book.js": _SCRIPT,
    "book-api.js": _SCRIPT,
    "book-month.js": _SCRIPT,
    "book-push.js": _SCRIPT,
    "book-manage.js": _SCRIPT,
    "book-sw.js": _SCRIPT,
    "strings-book.js": _SCRIPT,
    "book.css": _STYLE,
    # Bundled by `make` from frontend/package-lock.json (never committed).
    "event-calendar.js": _SCRIPT,
    "event-calendar.css": _STYLE,
}
_BUILT = frozenset({"event-calendar.js", "event-calendar.css"})
_ASSETS = Assets(
    {
        name: _STATIC_DIR / "build" / name if name in _BUILT else _STATIC_DIR / name
        for name in _STATIC_TYPES
    }
)
ASSETS = _ASSETS  # the booking pages' routes (web/book.py) name their files by it too
DEFAULT_POLL_SECONDS = 60
_PAGE_HEADERS = page_headers()


@cache  # a handful of files, read once
def _template(name: str) -> Template:
    return Template((_HERE / "templates" / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class _NavLink:
    path: str
    key: str  # its words in strings-common.js
    label: str  # English, until the page's script puts the user's language in
    roles: str  # who sees the link (the page itself still asks the API, which decides)


_OPERATORS = "owner director"
_ADMINS = f"{_OPERATORS} manager"
_NAV = (
    _NavLink("/board", "nav.board", "Live board", f"{_ADMINS} worker client"),
    _NavLink("/calendar", "nav.calendar", "Calendar", f"{_ADMINS} worker"),
    _NavLink("/setup", "nav.setup", "Setup", _ADMINS),
    _NavLink("/clients", "nav.clients", "Clients", _ADMINS),
    _NavLink("/staff", "nav.staff", "Staff", _ADMINS),
    _NavLink("/connections", "nav.connections", "Connections", _OPERATORS),
    _NavLink("/my", "nav.my", "My appointments", "client"),
)


def _nav(current: str) -> str:
    links = []
    for link in _NAV:
        mark = ' aria-current="page"' if link.path == current else ""
        links.append(
            f'      <a href="{link.path}" data-i18n="{link.key}" data-roles="{link.roles}"'
            f" hidden{mark}>{link.label}</a>"
        )
    return (
        '    <nav class="pages" aria-label="Pages" data-i18n-aria-label="nav.label">\n'
        + "\n".join(links)
        + "\n    </nav>"
    )


@dataclass(frozen=True)
class _Shell:
    """What a page's head and topbar say around its own markup (templates/<name>.html,
    whose script is static/<name>.js)."""

    name: str
    key: str  # its words: "<key>.subtitle" and "<key>.skip" in its strings module
    title: str  # English; the title and these defaults are replaced by the page's words
    subtitle: str
    skip: str
    styles: tuple[str, ...] = ()
    signed_in: bool = True  # the topbar's links and the sign-in form


_SHELLS = {
    "/board": _Shell("board", "board", "Live board", "live board", "Skip to the board"),
    "/calendar": _Shell(
        "calendar",
        "calendar",
        "Calendar",
        "calendar",
        "Skip to the calendar",
        ("event-calendar.css", "calendar.css"),
    ),
    "/clients": _Shell(
        "clients", "clients", "Clients", "clients", "Skip to the clients", ("clients.css",)
    ),
    "/setup": _Shell("setup", "setup", "Setup", "setup", "Skip to the setup", ("setup.css",)),
    "/staff": _Shell("staff", "staff", "Staff", "staff", "Skip to the staff page", ("staff.css",)),
    "/connections": _Shell(
        "connections",
        "connections",
        "Connections",
        "connections",
        "Skip to the connections",
        ("staff.css", "connections.css"),
    ),
    "/my": _Shell(
        "my", "my", "My appointments", "my appointments", "Skip to your appointments", ("my.css",)
    ),
    "/set-password": _Shell(
        "set-password",
        "setPassword",
        "Set your password",
        "set your password",
        "Skip to the form",
        ("staff.css",),
        signed_in=False,
    ),
}


def _page(path: str, *, poll_seconds: int | None = None) -> HTMLResponse:
    """A page: the shell every page shares (head, topbar, and for staff pages the links by
    role and the sign-in form) around the page's own markup. ``poll_seconds``: how often a
    live page polls while its stream is down."""
    shell = _SHELLS[path]
    values: dict[str, object] = {"signin": _template("signin.html").template}
    if poll_seconds is not None:
        values["poll_seconds"] = poll_seconds
    content = _template(f"{shell.name}.html").substitute(values)
    script = f"{shell.name}.js"
    # The page's modules are named up front: the browser asks for them all at once rather
    # than one import level at a time (only when they are not in its cache already).
    links = [f'  <link rel="stylesheet" href="{_ASSETS.url(n)}">' for n in shell.styles] + [
        f'  <link rel="modulepreload" href="{_ASSETS.url(n)}">' for n in _ASSETS.imports(script)
    ]
    html = _template("shell.html").substitute(
        title=shell.title,
        icon=_ASSETS.url("icon.svg"),
        style=_ASSETS.url("board.css"),
        styles="\n".join(links),
        script=_ASSETS.url(script),
        body_data=f' data-poll-seconds="{poll_seconds}"' if poll_seconds is not None else "",
        key=shell.key,
        skip=shell.skip,
        subtitle=shell.subtitle,
        # The public page has no links: an empty navigation landmark would say nothing.
        nav=_nav(path) if shell.signed_in else "",
        content=content,
    )
    return HTMLResponse(html, headers=_PAGE_HEADERS)


PollQuery = Annotated[
    int | None,
    Query(ge=1, le=3600, description="Seconds between polls while the live stream is down"),
]


@router.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    """The server's address leads a newcomer to the one page it has."""
    return RedirectResponse("/board")


@router.get("/board", response_class=HTMLResponse, include_in_schema=False)
async def board(poll: PollQuery = None) -> HTMLResponse:
    """The live board page: log in, then today's appointments, updated as they change."""
    return _page("/board", poll_seconds=poll or DEFAULT_POLL_SECONDS)


@router.get("/calendar", response_class=HTMLResponse, include_in_schema=False)
async def calendar(poll: PollQuery = None) -> HTMLResponse:
    """The staff calendar: a day with a column per specialist, a week, or a list."""
    return _page("/calendar", poll_seconds=poll or DEFAULT_POLL_SECONDS)


@router.get("/clients", response_class=HTMLResponse, include_in_schema=False)
async def clients() -> HTMLResponse:
    """The firm's clients: search, create, edit, delete; a client's appointments and wallet.
    (The page, not the API's ``/api/v1/clients``, which it reads.)"""
    return _page("/clients")


@router.get("/setup", response_class=HTMLResponse, include_in_schema=False)
async def setup() -> HTMLResponse:
    """The firm's setup: booking rules, locations (hours, holidays), workplaces, services."""
    return _page("/setup")


@router.get("/staff", response_class=HTMLResponse, include_in_schema=False)
async def staff() -> HTMLResponse:
    """The staff page: specialists (their services, weekly hours, breaks) and staff logins."""
    return _page("/staff")


@router.get("/connections", response_class=HTMLResponse, include_in_schema=False)
async def connections(poll: PollQuery = None) -> HTMLResponse:
    """The firm's connections to YClients and CalDAV calendars (owner and directors): their
    health, adding, changing, turning off and deleting them, the mapping of external staff
    and services, "Sync now", and each one's runs, conflicts and held-back bookings.
    ``poll``: how often the page reads their health again."""
    return _page("/connections", poll_seconds=poll or DEFAULT_POLL_SECONDS)


@router.get("/app/connections", include_in_schema=False)
async def app_connections() -> RedirectResponse:
    """The address the connections page was first asked for; the staff pages live at the
    top level."""
    return RedirectResponse("/connections")


@router.get("/my", response_class=HTMLResponse, include_in_schema=False)
async def my_appointments(poll: PollQuery = None) -> HTMLResponse:
    """A signed-in client's own appointments, upcoming and past, kept current: cancel or
    move them until the firm's deadline (the page of ``GET /api/v1/me/appointments``)."""
    return _page("/my", poll_seconds=poll or DEFAULT_POLL_SECONDS)


@router.get("/set-password", response_class=HTMLResponse, include_in_schema=False)
async def set_password() -> HTMLResponse:
    """Public: a new login chooses its password with the one-time link's token, which stays
    in the URL's fragment (never sent to the server in a request line or a referrer)."""
    return _page("/set-password")


@router.get("/board/static/{name}", include_in_schema=False)
async def board_static(
    name: str,
    v: Annotated[str | None, Query(description="The file's version, as the pages name it")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The pages' scripts, style sheets and icon. Under the URL the pages use (the current
    version in ``v``) a file is kept by the browser for a year; otherwise it is revalidated
    on every use."""
    media_type = _STATIC_TYPES.get(name)
    if media_type is None:
        raise StaticNotFound(f"No static file {name!r}")
    try:
        asset = _ASSETS.get(name)
    except FileNotFoundError:
        # Only a built file can be missing: a checkout where `make` has not built it yet.
        raise StaticNotFound(f"{name!r} is not built; run make") from None
    headers = {
        "Cache-Control": IMMUTABLE if v == asset.version else REVALIDATE,
        "ETag": asset.etag,
    }
    if if_none_match == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=media_type, headers=headers)
