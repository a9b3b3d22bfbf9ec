"""The rules of connections: who may hold which settings and credentials, the URL check,
optimistic concurrency of edits, the mapping of external staff and services, and what
operators read of the sync's state."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise import outbound
from slotwise.appointments.preconditions import etag, expected_versions
from slotwise.auth.caller import Caller
from slotwise.connections import repository
from slotwise.connections.errors import (
    CaldavSpecialistRequired,
    ConnectionChanged,
    ConnectionDisabled,
    ConnectionKindMismatch,
    ConnectionNameTaken,
    ConnectionUrlNotAllowed,
    MappingNotFound,
    SpecialistNotAtLocation,
)
from slotwise.connections.schemas import (
    CalDavCredentials,
    CalDavSettings,
    ConflictOut,
    ConnectionIn,
    ConnectionOut,
    ConnectionPatch,
    Counts,
    HeldCounts,
    HeldOut,
    MappingIn,
    MappingOut,
    RunOut,
    StatusOut,
    SyncRequestedOut,
    YClientsCredentials,
    YClientsSettings,
)
from slotwise.connections.secrets import (
    CredentialsUnreadable,
    decrypt_credentials,
    encrypt_credentials,
)
from slotwise.connections.settings import ConnectionSettings
from slotwise.models import Connection, ConnectionMapping, Location, Service, Specialist
from slotwise.repository import Page, PageParams, get_in_firm

KindSettings = YClientsSettings | CalDavSettings
KindCredentials = YClientsCredentials | CalDavCredentials
_SETTINGS_OF: dict[str, type[KindSettings]] = {
    "yclients": YClientsSettings,
    "caldav": CalDavSettings,
}
_CREDENTIALS_OF: dict[str, type[KindCredentials]] = {
    "yclients": YClientsCredentials,
    "caldav": CalDavCredentials,
}


def _now() -> datetime:
    return datetime.now(UTC)


def present(connection: Connection, secret_key: str) -> ConnectionOut:
    """The connection as the API shows it: the names of the stored credentials, never their
    values."""
    try:
        stored = sorted(decrypt_credentials(secret_key, connection.credentials))
    except CredentialsUnreadable:
        stored = []
    return ConnectionOut(
        id=connection.id,
        kind=connection.kind,
        name=connection.name,
        location_id=connection.location_id,
        specialist_id=connection.specialist_id,
        settings=connection_settings_of(connection),
        credentials_set=stored,
        poll_interval_seconds=connection.poll_interval_seconds,
        enabled=connection.enabled,
        health=connection.health,
        failure_reason=connection.failure_reason,
        failing_since=connection.failing_since,
        last_run_at=connection.last_run_at,
        last_success_at=connection.last_success_at,
        next_run_at=connection.next_run_at,
        created_at=connection.created_at,
        updated_at=connection.updated_at,
        version=connection.version,
    )


def connection_settings_of(connection: Connection) -> KindSettings:
    """The connection's settings as their kind's model (defaults filled in)."""
    return _SETTINGS_OF[connection.kind].model_validate(connection.settings)


def load_credentials(connection: Connection, secret_key: str) -> dict[str, str]:
    """The decrypted credentials, for the poller; raises ``CredentialsUnreadable``."""
    return decrypt_credentials(secret_key, connection.credentials)


async def _check_url(url: str, settings: ConnectionSettings) -> None:
    """An https URL to the public internet, or any URL to a host the operator allowed."""
    allowed = settings.allow_list()
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConnectionUrlNotAllowed() from None
    listed = parts.hostname is not None and allowed.allows(parts.hostname, port)
    if parts.scheme != "https" and not listed:
        raise ConnectionUrlNotAllowed()
    try:
        await outbound.check_url(
            url, allowed, timeout=settings.connections_url_check_timeout_seconds
        )
    except outbound.OutboundRefused:
        raise ConnectionUrlNotAllowed() from None


async def _check_settings(settings: KindSettings, checks: ConnectionSettings) -> None:
    await _check_url(
        settings.base_url if isinstance(settings, YClientsSettings) else settings.url, checks
    )


async def _check_place(
    session: AsyncSession,
    firm_id: uuid.UUID,
    kind: str,
    location_id: uuid.UUID,
    specialist_id: uuid.UUID | None,
) -> None:
    await get_in_firm(session, Location, firm_id, location_id)
    if specialist_id is None:
        if kind == "caldav":
            raise CaldavSpecialistRequired()
        return
    await get_in_firm(session, Specialist, firm_id, specialist_id)
    if not await repository.works_at(session, firm_id, specialist_id, location_id):
        raise SpecialistNotAtLocation()


async def create_connection(
    session: AsyncSession,
    caller: Caller,
    body: ConnectionIn,
    *,
    secret_key: str,
    checks: ConnectionSettings,
) -> ConnectionOut:
    """A new connection; enabled, the poller takes it on its next sweep. Everything is
    checked (place, name, URL) before anything is written."""
    await _check_place(session, caller.firm_id, body.kind, body.location_id, body.specialist_id)
    if await repository.name_taken(session, caller.firm_id, body.name):
        raise ConnectionNameTaken()
    await _check_settings(body.settings, checks)
    connection = Connection(
        firm_id=caller.firm_id,
        kind=body.kind,
        name=body.name,
        location_id=body.location_id,
        specialist_id=body.specialist_id,
        settings=body.settings.model_dump(),
        credentials=encrypt_credentials(secret_key, body.credentials.model_dump()),
        poll_interval_seconds=body.poll_interval_seconds,
        enabled=body.enabled,
    )
    session.add(connection)
    await session.flush()
    await session.refresh(connection)
    return present(connection, secret_key)


async def list_connections(
    session: AsyncSession, caller: Caller, page: PageParams, *, secret_key: str
) -> Page[ConnectionOut]:
    rows, total = await repository.list_connections(session, caller.firm_id, page)
    return Page.of([present(row, secret_key) for row in rows], total, page)


async def get_connection(
    session: AsyncSession, caller: Caller, connection_id: uuid.UUID, *, secret_key: str
) -> ConnectionOut:
    return present(
        await repository.get_connection(session, caller.firm_id, connection_id), secret_key
    )


def _check_version(connection: Connection, expected: set[int] | None) -> None:
    if expected is not None and connection.version not in expected:
        raise ConnectionChanged(
            f"The connection was changed meanwhile; the current version is {connection.version}",
            headers={"ETag": etag(connection.version)},
        )


async def update_connection(
    session: AsyncSession,
    caller: Caller,
    connection_id: uuid.UUID,
    body: ConnectionPatch,
    if_match: str | None,
    *,
    secret_key: str,
    checks: ConnectionSettings,
) -> ConnectionOut:
    """Changes the fields sent; requires the version read (If-Match).

    New settings or credentials start the connection afresh: its health is ``new`` again and
    the poller takes it at once; new settings (another company or calendar) also drop the
    cursor, which belonged to the old ones."""
    expected = expected_versions(if_match, None, required=True)
    connection = await repository.get_connection(
        session, caller.firm_id, connection_id, for_update=True
    )
    _check_version(connection, expected)
    changes = body.changes()
    if not changes:
        return present(connection, secret_key)
    location_id = changes.get("location_id", connection.location_id)
    specialist_id = changes.get("specialist_id", connection.specialist_id)
    if "location_id" in changes or "specialist_id" in changes:
        await _check_place(session, caller.firm_id, connection.kind, location_id, specialist_id)
    if "name" in changes and await repository.name_taken(
        session, caller.firm_id, changes["name"], other_than=connection.id
    ):
        raise ConnectionNameTaken()
    restart = False
    if body.settings is not None:
        if not isinstance(body.settings, _SETTINGS_OF[connection.kind]):
            raise ConnectionKindMismatch()
        await _check_settings(body.settings, checks)
        connection.settings = body.settings.model_dump()
        connection.cursor = {}
        restart = True
    if body.credentials is not None:
        if not isinstance(body.credentials, _CREDENTIALS_OF[connection.kind]):
            raise ConnectionKindMismatch()
        connection.credentials = encrypt_credentials(secret_key, body.credentials.model_dump())
        restart = True
    for name in ("name", "poll_interval_seconds", "enabled"):
        if name in changes:
            setattr(connection, name, changes[name])
    connection.location_id = location_id
    connection.specialist_id = specialist_id
    if restart:
        connection.health = "new"
        connection.failure_reason = None
        connection.failing_since = None
        connection.operators_told_at = None
        connection.next_run_at = None
    connection.version += 1
    await session.flush()
    await session.refresh(connection)
    return present(connection, secret_key)


async def delete_connection(
    session: AsyncSession, caller: Caller, connection_id: uuid.UUID, if_match: str | None
) -> None:
    """Deletes the connection with its mappings, history, conflicts, held records and links
    (the imported appointments stay); an If-Match sent is checked."""
    expected = expected_versions(if_match, None, required=False)
    connection = await repository.get_connection(
        session, caller.firm_id, connection_id, for_update=True
    )
    _check_version(connection, expected)
    await session.delete(connection)
    await session.flush()


async def request_sync(
    session: AsyncSession, caller: Caller, connection_id: uuid.UUID
) -> SyncRequestedOut:
    """ "Sync now": the connection is due at once; the poller's next sweep takes it."""
    connection = await repository.get_connection(
        session, caller.firm_id, connection_id, for_update=True
    )
    if not connection.enabled:
        raise ConnectionDisabled()
    connection.next_run_at = _now()
    await session.flush()
    return SyncRequestedOut(connection_id=connection.id, next_run_at=connection.next_run_at)


# --- mappings ---------------------------------------------------------------------------


def _mapping_out(row: ConnectionMapping) -> MappingOut:
    return MappingOut(
        kind=row.kind,
        external_id=row.external_id,
        external_name=row.external_name,
        target_id=row.target_id,
        suggested=row.suggested,
        updated_at=row.updated_at,
    )


async def get_mappings(
    session: AsyncSession, caller: Caller, connection_id: uuid.UUID, kind: str | None = None
) -> list[MappingOut]:
    connection = await repository.get_connection(session, caller.firm_id, connection_id)
    return [_mapping_out(row) for row in await repository.mappings(session, connection, kind)]


async def put_mappings(
    session: AsyncSession, caller: Caller, connection_id: uuid.UUID, body: Sequence[MappingIn]
) -> list[MappingOut]:
    """Sets (or, with a null target, clears) the targets of listed external staff and
    services; a person's choice is no longer a suggestion. A specialist must work at the
    connection's location."""
    connection = await repository.get_connection(session, caller.firm_id, connection_id)
    rows = {
        (row.kind, row.external_id): row for row in await repository.mappings(session, connection)
    }
    for item in body:
        row = rows.get((item.kind, item.external_id))
        if row is None:
            raise MappingNotFound(f"No {item.kind} with external id {item.external_id!r} is listed")
        if item.target_id is not None:
            await _check_target(session, connection, item.kind, item.target_id)
        _set_target(row, item.target_id, suggested=False)
    await session.flush()
    return [_mapping_out(row) for row in await repository.mappings(session, connection)]


async def _check_target(
    session: AsyncSession, connection: Connection, kind: str, target_id: uuid.UUID
) -> None:
    if kind == "service":
        await get_in_firm(session, Service, connection.firm_id, target_id)
        return
    await get_in_firm(session, Specialist, connection.firm_id, target_id)
    if not await repository.works_at(
        session, connection.firm_id, target_id, connection.location_id
    ):
        raise SpecialistNotAtLocation()


def _set_target(row: ConnectionMapping, target_id: uuid.UUID | None, *, suggested: bool) -> None:
    if row.kind == "staff":
        row.specialist_id = target_id
    else:
        row.service_id = target_id
    row.suggested = suggested and target_id is not None


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _unique_by_name(candidates: Sequence[tuple[uuid.UUID, str]]) -> dict[str, uuid.UUID]:
    """Names that stand for exactly one candidate: two specialists of one name suggest
    neither."""
    found: dict[str, set[uuid.UUID]] = {}
    for target_id, name in candidates:
        found.setdefault(_name_key(name), set()).add(target_id)
    return {key: next(iter(ids)) for key, ids in found.items() if len(ids) == 1}


async def suggest_mappings(
    session: AsyncSession,
    connection: Connection,
    external_staff: Sequence[tuple[str, str]],
    external_services: Sequence[tuple[str, str]],
) -> list[ConnectionMapping]:
    """Records the external staff and services listed as ``(external id, name)`` (a known
    one takes its current name and keeps its target) and, where no target is set, suggests
    the active specialist at the connection's location or the active service of the same
    name, ignoring case and spacing (``suggested`` until a person confirms it). Called by the
    poller with what the external system lists; answers every mapping of the connection."""
    await repository.upsert_listed(session, connection, "staff", external_staff)
    await repository.upsert_listed(session, connection, "service", external_services)
    specialists = _unique_by_name(
        await repository.active_specialists_at(session, connection.firm_id, connection.location_id)
    )
    services = _unique_by_name(await repository.active_services(session, connection.firm_id))
    rows = await repository.mappings(session, connection)
    for row in rows:
        if row.target_id is not None:
            continue
        match = (specialists if row.kind == "staff" else services).get(_name_key(row.external_name))
        if match is not None:
            _set_target(row, match, suggested=True)
    await session.flush()
    return rows


async def mapped_targets(
    session: AsyncSession, connection: Connection
) -> tuple[dict[str, uuid.UUID], dict[str, uuid.UUID]]:
    """For the poller: external staff id -> specialist id, external service id -> service id,
    of the mapped rows only (suggestions included: they are the best guess until changed)."""
    staff: dict[str, uuid.UUID] = {}
    services: dict[str, uuid.UUID] = {}
    for row in await repository.mappings(session, connection):
        if row.target_id is not None:
            (staff if row.kind == "staff" else services)[row.external_id] = row.target_id
    return staff, services


# --- what operators read ------------------------------------------------------------------


async def status(session: AsyncSession, caller: Caller, connection_id: uuid.UUID) -> StatusOut:
    connection = await repository.get_connection(session, caller.firm_id, connection_id)
    latest = await repository.latest_run(session, connection)
    return StatusOut(
        connection_id=connection.id,
        enabled=connection.enabled,
        health=connection.health,
        failure_reason=connection.failure_reason,
        failing_since=connection.failing_since,
        last_run_at=connection.last_run_at,
        last_success_at=connection.last_success_at,
        next_run_at=connection.next_run_at,
        cursor=connection.cursor,
        latest_run=RunOut.model_validate(latest) if latest is not None else None,
        totals=Counts(**await repository.run_totals(session, connection)),
        open_conflicts=await repository.count_open_conflicts(session, connection),
        held=HeldCounts(**await repository.count_held(session, connection)),
    )


async def runs(
    session: AsyncSession, caller: Caller, connection_id: uuid.UUID, page: PageParams
) -> Page[RunOut]:
    connection = await repository.get_connection(session, caller.firm_id, connection_id)
    rows, total = await repository.runs(session, connection, page)
    return Page.of([RunOut.model_validate(row) for row in rows], total, page)


async def conflicts(
    session: AsyncSession,
    caller: Caller,
    connection_id: uuid.UUID,
    status: str | None,
    page: PageParams,
) -> Page[ConflictOut]:
    connection = await repository.get_connection(session, caller.firm_id, connection_id)
    rows, total = await repository.conflicts(session, connection, status, page)
    return Page.of([ConflictOut.model_validate(row) for row in rows], total, page)


async def held(
    session: AsyncSession,
    caller: Caller,
    connection_id: uuid.UUID,
    reason: str | None,
    page: PageParams,
) -> Page[HeldOut]:
    connection = await repository.get_connection(session, caller.firm_id, connection_id)
    rows, total = await repository.held_records(session, connection, reason, page)
    return Page.of([HeldOut.model_validate(row) for row in rows], total, page)
