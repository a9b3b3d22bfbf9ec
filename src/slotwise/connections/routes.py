"""Routes of connections to external systems: owner and director only. Writes carry the
version in ``ETag`` / ``If-Match``."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response

from slotwise.appointments.preconditions import etag
from slotwise.auth.dependencies import OperatorDep
from slotwise.connections import service
from slotwise.connections.schemas import (
    ConflictOut,
    ConnectionIn,
    ConnectionOut,
    ConnectionPatch,
    HeldOut,
    MappingIn,
    MappingKind,
    MappingOut,
    RunOut,
    StatusOut,
    SyncRequestedOut,
)
from slotwise.connections.settings import ConnectionSettings, connection_settings
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody
from slotwise.repository import Page, PageParams
from slotwise.state import secret_key_of

router = APIRouter(
    prefix="/connections",
    tags=["connections"],
    responses={
        **ERROR_RESPONSES,
        428: {"model": ErrorBody, "description": "If-Match missing"},
    },
)


def _secret_key(request: Request) -> str:
    return secret_key_of(request.app)


SecretKeyDep = Annotated[str, Depends(_secret_key)]
ChecksDep = Annotated[ConnectionSettings, Depends(connection_settings)]
PageQuery = Annotated[PageParams, Query()]
IfMatch = Annotated[
    str | None, Header(max_length=200, description='The version you read, e.g. "3"')
]
MAX_MAPPINGS = 1000


@router.get("", response_model=Page[ConnectionOut])
async def list_connections(
    caller: OperatorDep, session: SessionDep, secret_key: SecretKeyDep, page: PageQuery
) -> Page[ConnectionOut]:
    """The firm's connections by name; credentials show only as the names of the fields set."""
    return await service.list_connections(session, caller, page, secret_key=secret_key)


@router.post("", response_model=ConnectionOut, status_code=201)
async def create_connection(
    body: Annotated[ConnectionIn, Body()],
    caller: OperatorDep,
    session: SessionDep,
    secret_key: SecretKeyDep,
    checks: ChecksDep,
    request: Request,
    response: Response,
) -> ConnectionOut:
    """Connect a YClients company or a specialist's CalDAV calendar.

    ``kind`` decides the ``settings`` and ``credentials`` (a CalDAV connection needs its
    ``specialist_id``, who must work at the location: 422 ``specialist_not_at_location``).
    Credentials are stored encrypted and never returned. A URL must be https to the public
    internet (422 ``connection_url_not_allowed``); names are unique in the firm (409
    ``connection_name_taken``)."""
    created = await service.create_connection(
        session, caller, body, secret_key=secret_key, checks=checks
    )
    response.headers["Location"] = str(request.url_for("get_connection", connection_id=created.id))
    response.headers["ETag"] = etag(created.version)
    return created


@router.get("/{connection_id}", response_model=ConnectionOut)
async def get_connection(
    connection_id: uuid.UUID,
    caller: OperatorDep,
    session: SessionDep,
    secret_key: SecretKeyDep,
    response: Response,
) -> ConnectionOut:
    """One connection; its ``ETag`` is the version to send back in ``If-Match``."""
    connection = await service.get_connection(session, caller, connection_id, secret_key=secret_key)
    response.headers["ETag"] = etag(connection.version)
    return connection


@router.patch("/{connection_id}", response_model=ConnectionOut)
async def update_connection(
    connection_id: uuid.UUID,
    body: ConnectionPatch,
    caller: OperatorDep,
    session: SessionDep,
    secret_key: SecretKeyDep,
    checks: ChecksDep,
    response: Response,
    if_match: IfMatch = None,
) -> ConnectionOut:
    """Change some fields; requires ``If-Match: "<version>"`` (428 without, 412 when stale).

    ``settings`` and ``credentials`` are replaced whole and must be of the connection's
    kind (422 ``connection_kind_mismatch``); either starts the connection afresh (health
    ``new``, polled at once), new settings also reset the cursor."""
    connection = await service.update_connection(
        session, caller, connection_id, body, if_match, secret_key=secret_key, checks=checks
    )
    response.headers["ETag"] = etag(connection.version)
    return connection


@router.delete("/{connection_id}", status_code=204, response_class=Response)
async def delete_connection(
    connection_id: uuid.UUID, caller: OperatorDep, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete the connection with its mappings and sync history (imported appointments
    stay); an ``If-Match`` sent is checked (412 if stale)."""
    await service.delete_connection(session, caller, connection_id, if_match)
    return Response(status_code=204)


@router.get("/{connection_id}/mappings", response_model=list[MappingOut])
async def get_mappings(
    connection_id: uuid.UUID,
    caller: OperatorDep,
    session: SessionDep,
    kind: Annotated[MappingKind | None, Query(description="Only staff or only services")] = None,
) -> list[MappingOut]:
    """The external staff and services seen so far and what each maps to (``target_id``
    null: unmapped, its records are held as ``needs_mapping``; ``suggested``: matched by
    name, not yet confirmed)."""
    return await service.get_mappings(session, caller, connection_id, kind)


@router.put("/{connection_id}/mappings", response_model=list[MappingOut])
async def put_mappings(
    connection_id: uuid.UUID,
    body: Annotated[list[MappingIn], Body(max_length=MAX_MAPPINGS)],
    caller: OperatorDep,
    session: SessionDep,
) -> list[MappingOut]:
    """Set the targets of the listed external staff and services (null clears one); the
    others are left as they are. A staff target is a specialist working at the connection's
    location, a service target a service of the firm. Answers every mapping."""
    return await service.put_mappings(session, caller, connection_id, body)


@router.get("/{connection_id}/status", response_model=StatusOut)
async def get_status(
    connection_id: uuid.UUID, caller: OperatorDep, session: SessionDep
) -> StatusOut:
    """Health, the cursor, the latest run's counts and the totals, open conflicts and held
    records."""
    return await service.status(session, caller, connection_id)


@router.get("/{connection_id}/runs", response_model=Page[RunOut])
async def list_runs(
    connection_id: uuid.UUID, caller: OperatorDep, session: SessionDep, page: PageQuery
) -> Page[RunOut]:
    """The poller's runs, newest first."""
    return await service.runs(session, caller, connection_id, page)


@router.get("/{connection_id}/conflicts", response_model=Page[ConflictOut])
async def list_conflicts(
    connection_id: uuid.UUID,
    caller: OperatorDep,
    session: SessionDep,
    page: PageQuery,
    status: Annotated[
        Literal["open", "resolved", "all"], Query(description="open (the default), resolved, all")
    ] = "open",
) -> Page[ConflictOut]:
    """External records that overlap a Slotwise appointment and were not forced in, newest
    first; resolved when either side changes."""
    chosen = None if status == "all" else status
    return await service.conflicts(session, caller, connection_id, chosen, page)


@router.get("/{connection_id}/held", response_model=Page[HeldOut])
async def list_held(
    connection_id: uuid.UUID,
    caller: OperatorDep,
    session: SessionDep,
    page: PageQuery,
    reason: Annotated[Literal["needs_mapping", "malformed"] | None, Query()] = None,
) -> Page[HeldOut]:
    """External records held back, never dropped: their staff or service is not mapped
    (``needs_mapping``), or they could not be read (``malformed``); last seen first."""
    return await service.held(session, caller, connection_id, reason, page)


@router.post("/{connection_id}/sync", response_model=SyncRequestedOut, status_code=202)
async def sync_now(
    connection_id: uuid.UUID, caller: OperatorDep, session: SessionDep
) -> SyncRequestedOut:
    """Sync now: the connection is due at once and the poller's next sweep takes it (409
    ``connection_disabled`` for a disabled one)."""
    return await service.request_sync(session, caller, connection_id)
