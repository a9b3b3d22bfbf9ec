"""HTTP routes for live updates: SSE, WebSocket, polling and stream tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, WebSocket
from fastapi.security import OAuth2PasswordBearer

from slotwise.auth.dependencies import CallerDep
from slotwise.deps import SessionDep, SettingsDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody
from slotwise.realtime import auth, service
from slotwise.realtime.errors import InvalidLastEventId
from slotwise.realtime.schemas import EventPage, StreamToken
from slotwise.realtime.sse import EventStreamResponse
from slotwise.realtime.state import hub_of
from slotwise.state import secret_key_of, sessionmaker_of, settings_of

router = APIRouter(tags=["live updates"], responses=ERROR_RESPONSES)

# Only for the OpenAPI security scheme; the stream endpoints read the header themselves.
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

Position = Annotated[int | None, Query(ge=0, lt=2**63)]
StreamTokenQuery = Annotated[
    str | None,
    Query(
        max_length=2000,
        description="A stream token (POST /events/stream-token); the access token is refused here",
    ),
]


@router.post("/events/stream-token", response_model=StreamToken)
async def create_stream_token(
    caller: CallerDep, request: Request, settings: SettingsDep
) -> StreamToken:
    """A short-lived token that opens event streams from a URL (`?token=`), for EventSource
    and browser WebSockets, which cannot send an Authorization header."""
    return service.stream_token(caller, settings, secret_key_of(request.app))


@router.get(
    "/events/stream",
    response_class=EventStreamResponse,
    response_model=None,
    status_code=200,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
        429: {
            "model": ErrorBody,
            "description": "The user has the most streams open already (`too_many_streams`)",
        },
    },
)
async def stream_events(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    header_token: Annotated[str | None, Depends(_bearer)],
    token: StreamTokenQuery = None,
    last_event_id: Annotated[
        int | None,
        Query(
            ge=0,
            lt=2**63,
            description="Resume after this sequence number (the Last-Event-ID header wins)",
        ),
    ] = None,
    last_event_id_header: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=40)
    ] = None,
) -> EventStreamResponse:
    """The caller's events as Server-Sent Events.

    First `event: connected` with `data: {"seq": <firm position>}` (and `retry: 3000`), then
    each event with `id: <seq>`, `event: <type>`, `data: <envelope>`; a `: keepalive` comment
    every 15 s. Resuming (`Last-Event-ID` or `?last_event_id=`) replays every event after that
    position first; a position older than the retention gets `event: reset` (refetch over
    REST). Staff get every event of the firm, a worker those of their appointments (one they
    were removed from arrives as a deletion with only its id), a client their own. Owners and
    directors also get `sync.conflict_opened` (see `EventOut`).
    """
    after = last_event_id
    if last_event_id_header is not None and last_event_id_header.strip():
        try:
            after = int(last_event_id_header)
        except ValueError:
            raise InvalidLastEventId("Last-Event-ID must be a sequence number") from None
        if not 0 <= after < 2**63:
            raise InvalidLastEventId("Last-Event-ID is out of range")
    caller = await auth.stream_caller(
        session, secret_key_of(request.app), header_token=header_token, query_token=token
    )
    feed = await service.open_stream(
        hub_of(request.app), sessionmaker_of(request.app), session, caller, after
    )
    return EventStreamResponse(
        hub_of(request.app),
        feed,
        keepalive=settings.realtime_keepalive_seconds,
        send_timeout=settings.realtime_send_timeout_seconds,
    )


# An envelope has `conflict` only when it is about one, as on the stream.
@router.get("/events", response_model=EventPage, response_model_exclude_unset=True)
async def list_events(
    caller: CallerDep,
    session: SessionDep,
    after: Position = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EventPage:
    """Polling fallback: the caller's events after `after` (same filtering as the stream).

    Without `after`, only the current position (`last_seq`) to start from. Continue with
    `after=last_seq`; `reset: true` means the position is older than the retention.
    """
    return await service.poll(session, caller, after, limit)


@router.websocket("/ws")
async def websocket_events(websocket: WebSocket, token: StreamTokenQuery = None) -> None:
    """Events over a WebSocket; `?token=` a stream token (or an Authorization header).

    Unauthenticated: closed with 4401 (4403 for a role without appointments, 1013 when the
    user has the most event streams open already). Send
    `{"type": "subscribe", "id": "<ref>", "topic": "appointments" | "location:<uuid>" |
    "range:<from>/<to>", "since": <seq>}` and `{"type": "unsubscribe", "id": "<ref>"}`;
    answers are `ack`/`error` messages and events arrive as
    `{"type": "event", "subscription": "<ref>", "event": <envelope>}`.
    """
    app = websocket.app
    await service.websocket_session(
        websocket,
        hub_of(app),
        sessionmaker_of(app),
        settings_of(app),
        secret_key_of(app),
        token,
    )
