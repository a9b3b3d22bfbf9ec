"""The live board: one server-rendered page and its static files, outside ``/api/v1``.

The page is a shell; the browser logs in and reads everything through the public API and the
event stream, so the board sees exactly what its user may see and nothing more.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from slotwise.web.errors import StaticNotFound
from slotwise.web.pages import page_headers

router = APIRouter(tags=["board"])

_HERE = Path(__file__).parent
_STATIC_DIR = _HERE / "static"
# Served by name from this list only: a request can never reach another file.
_SCRIPT = "text/javascript; charset=utf-8"
_STATIC_TYPES = {
    "board.js": _SCRIPT,  # the entry point; it imports the other modules
    "dates.js": _SCRIPT,
    "render.js": _SCRIPT,
    "session.js": _SCRIPT,
    "board.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
DEFAULT_POLL_SECONDS = 60
_PAGE_HEADERS = page_headers()


@lru_cache(maxsize=1)
def _page_template() -> Template:
    return Template((_HERE / "templates" / "board.html").read_text(encoding="utf-8"))


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
    page = _page_template().substitute(poll_seconds=poll or DEFAULT_POLL_SECONDS)
    return HTMLResponse(page, headers=_PAGE_HEADERS)


@router.get("/board/static/{name}", response_class=FileResponse, include_in_schema=False)
async def board_static(name: str) -> FileResponse:
    """The board's scripts and style sheet (revalidated on every load: they are tiny)."""
    media_type = _STATIC_TYPES.get(name)
    if media_type is None:
        raise StaticNotFound(f"No static file {name!r}")
    return FileResponse(
        _STATIC_DIR / name, media_type=media_type, headers={"Cache-Control": "no-cache"}
    )
