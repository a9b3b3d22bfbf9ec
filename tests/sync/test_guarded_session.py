"""The caldav library's HTTP session connects only to checked addresses: at every connection,
not only when the URL is first checked (a redirect, an address literal)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from slotwise.outbound import AllowList, OutboundRefused
from slotwise.sync.caldav_calendar import CalendarAccount, open_calendar
from slotwise.sync.caldav_errors import CalendarAuthFailed, CalendarRefused
from slotwise.sync.guarded_session import guarded_session
from tests.notifications.channels.servers import serve_asgi
from tests.sync.radicale_server import RadicaleServer, running_radicale


def _redirecting_to(target: str) -> Starlette:
    async def redirect(request: Request) -> Response:
        return RedirectResponse(target + request.url.path.lstrip("/"), status_code=307)

    methods = ["GET", "PROPFIND", "REPORT", "PUT", "DELETE", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", redirect, methods=methods)])


def _answering() -> Starlette:
    async def hello(request: Request) -> Response:
        return PlainTextResponse("hello")

    return Starlette(routes=[Route("/", hello)])


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _get(session: requests.Session, url: str) -> requests.Response:
    with session:
        return session.get(url, timeout=5)


@pytest.fixture(scope="module")
async def radicale(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RadicaleServer]:
    folder: Path = tmp_path_factory.mktemp("radicale-guard")
    async with running_radicale(folder, {"anna": "pw-anna"}) as server:
        yield server


async def test_an_address_literal_is_checked_at_connect_time() -> None:
    async with serve_asgi(_answering()) as url:
        allowed = await asyncio.to_thread(
            _get, guarded_session(AllowList.parse([f"127.0.0.1:{_port(url)}"])), url + "/"
        )
        with pytest.raises(OutboundRefused):
            await asyncio.to_thread(_get, guarded_session(AllowList()), url + "/")
        # Another port of the same host is another allow-list entry.
        with pytest.raises(OutboundRefused):
            await asyncio.to_thread(
                _get, guarded_session(AllowList.parse(["127.0.0.1:1"])), url + "/"
            )
    assert allowed.status_code == 200
    assert allowed.text == "hello"


async def test_a_redirect_to_an_internal_address_is_refused(radicale: RadicaleServer) -> None:
    calendar_url = await radicale.make_calendar("anna")
    async with serve_asgi(_redirecting_to(radicale.url + "/")) as front:
        # Only the front server is allowed; Radicale's port is "internal".
        allowed = AllowList.parse([f"127.0.0.1:{_port(front)}"])
        account = CalendarAccount(
            url=front + calendar_url.removeprefix(radicale.url),
            username="anna",
            password="pw-anna",
        )
        with pytest.raises(CalendarRefused):
            async with open_calendar(account, allowed=allowed, timeout=5):
                pass
        # With Radicale allowed too, the same redirect is followed, so the refusal above was
        # the guard's. Radicale then refuses the login: the password is not carried to
        # another origin (port).
        both = AllowList.parse([f"127.0.0.1:{_port(front)}", f"127.0.0.1:{_port(radicale.url)}"])
        with pytest.raises(CalendarAuthFailed):
            async with open_calendar(account, allowed=both, timeout=5):
                pass
