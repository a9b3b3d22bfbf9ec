"""Rules of the live-update endpoints: who may subscribe to what, and from where."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket

from slotwise.auth.caller import Caller
from slotwise.config import Settings
from slotwise.errors import Forbidden, NotAuthenticated, TooManyRequests
from slotwise.realtime import auth, ws
from slotwise.realtime.errors import NoEvents
from slotwise.realtime.feed import Feed, open_feed, read_page
from slotwise.realtime.hub import Hub
from slotwise.realtime.schemas import EventOut, EventPage, StreamToken
from slotwise.realtime.views import View, view_for


def caller_view(caller: Caller) -> View:
    view = view_for(caller)
    if view is None:
        raise NoEvents(f"The role '{caller.role}' sees no appointments")
    return view


def stream_token(caller: Caller, settings: Settings, secret: str) -> StreamToken:
    ttl = settings.realtime_stream_token_ttl_seconds
    token, _ = auth.issue_stream_token(caller, secret, ttl)
    return StreamToken(token=token, expires_in=ttl)


async def open_stream(
    hub: Hub,
    maker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    caller: Caller,
    after: int | None,
) -> Feed:
    return await open_feed(
        hub, maker, session, caller.firm_id, caller.user_id, caller_view(caller), after
    )


async def poll(session: AsyncSession, caller: Caller, after: int | None, limit: int) -> EventPage:
    items, last_seq, reset = await read_page(
        session, caller.firm_id, caller_view(caller), after, limit
    )
    return EventPage(
        items=[EventOut.model_validate(item) for item in items], last_seq=last_seq, reset=reset
    )


async def websocket_session(
    websocket: WebSocket,
    hub: Hub,
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
    secret: str,
    query_token: str | None,
) -> None:
    # Accepted first: a close code (4401/4403) can only be sent on an open connection; a
    # refused handshake would reach the browser as an anonymous failure.
    await websocket.accept()
    async with maker() as session:
        try:
            caller = await auth.stream_caller(
                session,
                secret,
                query_token=query_token,
                header_token=auth.bearer_token(websocket.headers.get("authorization")),
            )
            view = caller_view(caller)
        except NotAuthenticated as exc:
            await websocket.close(ws.CLOSE_UNAUTHENTICATED, exc.message[:120])
            return
        except Forbidden as exc:
            await websocket.close(ws.CLOSE_FORBIDDEN, exc.message[:120])
            return
        try:
            sub = await hub.subscribe(caller.firm_id, view, session, caller.user_id)
        except TooManyRequests as exc:
            await websocket.close(ws.CLOSE_TRY_AGAIN, exc.message[:120])
            return
    await ws.serve(websocket, hub, maker, sub, settings.realtime_send_timeout_seconds)
