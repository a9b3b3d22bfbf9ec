"""The connections' queries, each scoped by the firm. The writers below the API's (runs,
conflicts, held records, links) are what the poller records its work with."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Label, delete, exists, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.connections.errors import ConnectionNotFound
from slotwise.models import (
    Connection,
    ConnectionMapping,
    Service,
    Specialist,
    SpecialistSchedule,
    SyncConflict,
    SyncHeldRecord,
    SyncLink,
    SyncRun,
)
from slotwise.repository import PageParams, paginate


async def get_connection(
    session: AsyncSession, firm_id: uuid.UUID, connection_id: uuid.UUID, *, for_update: bool = False
) -> Connection:
    """The firm's connection; another firm's is reported exactly like a missing one."""
    stmt = select(Connection).where(Connection.id == connection_id, Connection.firm_id == firm_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = await session.scalar(stmt)
    if row is None:
        raise ConnectionNotFound(f"No connection with id {connection_id}")
    return row


async def connection_to_run(session: AsyncSession, connection_id: uuid.UUID) -> Connection | None:
    """The connection (of whichever firm) for the poller's run, locked; None when it was
    deleted after its run was queued."""
    return await session.scalar(
        select(Connection)
        .where(Connection.id == connection_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def list_connections(
    session: AsyncSession, firm_id: uuid.UUID, page: PageParams
) -> tuple[list[Connection], int]:
    stmt = (
        select(Connection)
        .where(Connection.firm_id == firm_id)
        .order_by(Connection.name, Connection.id)
    )
    return await paginate(session, stmt, page)


async def name_taken(
    session: AsyncSession, firm_id: uuid.UUID, name: str, *, other_than: uuid.UUID | None = None
) -> bool:
    stmt = select(Connection.id).where(Connection.firm_id == firm_id, Connection.name == name)
    if other_than is not None:
        stmt = stmt.where(Connection.id != other_than)
    return await session.scalar(stmt.limit(1)) is not None


async def works_at(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID, location_id: uuid.UUID
) -> bool:
    """Whether the specialist has a weekly schedule at the location."""
    stmt = select(
        exists().where(
            SpecialistSchedule.firm_id == firm_id,
            SpecialistSchedule.specialist_id == specialist_id,
            SpecialistSchedule.location_id == location_id,
        )
    )
    return bool(await session.scalar(stmt))


async def active_specialists_at(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID
) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the active specialists with a weekly schedule at the location."""
    at_location = select(SpecialistSchedule.specialist_id).where(
        SpecialistSchedule.firm_id == firm_id, SpecialistSchedule.location_id == location_id
    )
    stmt = select(Specialist.id, Specialist.name).where(
        Specialist.firm_id == firm_id, Specialist.is_active, Specialist.id.in_(at_location)
    )
    return [(row.id, row.name) for row in await session.execute(stmt)]


async def active_services(session: AsyncSession, firm_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    stmt = select(Service.id, Service.name).where(Service.firm_id == firm_id, Service.is_active)
    return [(row.id, row.name) for row in await session.execute(stmt)]


async def due_connections(
    session: AsyncSession, now: datetime, limit: int = 100
) -> list[Connection]:
    """Enabled connections of every firm whose turn has come (never run counts as due),
    soonest first: the poller's sweep."""
    stmt = (
        select(Connection)
        .where(
            Connection.enabled,
            (Connection.next_run_at.is_(None)) | (Connection.next_run_at <= now),
        )
        .order_by(Connection.next_run_at.asc().nulls_first(), Connection.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


# --- mappings ---------------------------------------------------------------------------


async def mappings(
    session: AsyncSession, connection: Connection, kind: str | None = None
) -> list[ConnectionMapping]:
    stmt = select(ConnectionMapping).where(
        ConnectionMapping.firm_id == connection.firm_id,
        ConnectionMapping.connection_id == connection.id,
    )
    if kind is not None:
        stmt = stmt.where(ConnectionMapping.kind == kind)
    stmt = stmt.order_by(
        ConnectionMapping.kind, ConnectionMapping.external_name, ConnectionMapping.external_id
    )
    return list((await session.scalars(stmt)).all())


async def upsert_listed(
    session: AsyncSession, connection: Connection, kind: str, listed: Sequence[tuple[str, str]]
) -> None:
    """Rows for every external (id, name) listed; a known row keeps its target and takes the
    current name."""
    if not listed:
        return
    values = [
        {
            "firm_id": connection.firm_id,
            "connection_id": connection.id,
            "kind": kind,
            "external_id": external_id,
            "external_name": name,
        }
        for external_id, name in dict(listed).items()
    ]
    stmt = insert(ConnectionMapping).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["connection_id", "kind", "external_id"],
        set_={"external_name": stmt.excluded.external_name, "updated_at": func.now()},
    )
    await session.execute(stmt)


# --- runs -------------------------------------------------------------------------------


async def start_run(session: AsyncSession, connection: Connection, now: datetime) -> SyncRun:
    run = SyncRun(firm_id=connection.firm_id, connection_id=connection.id, started_at=now)
    session.add(run)
    await session.flush()
    return run


async def finish_run(
    session: AsyncSession,
    run: SyncRun,
    *,
    outcome: str,
    now: datetime,
    error: str | None = None,
    **counts: int,
) -> None:
    """Closes the run with its outcome and counts (``requests``, ``imported``, ``updated``,
    ``deleted``, ``conflicts``, ``errors``)."""
    run.outcome = outcome
    run.finished_at = now
    run.error = error
    for name, value in counts.items():
        setattr(run, name, value)
    await session.flush()


async def runs(
    session: AsyncSession, connection: Connection, page: PageParams
) -> tuple[list[SyncRun], int]:
    stmt = (
        select(SyncRun)
        .where(SyncRun.firm_id == connection.firm_id, SyncRun.connection_id == connection.id)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
    )
    return await paginate(session, stmt, page)


async def latest_run(session: AsyncSession, connection: Connection) -> SyncRun | None:
    stmt = (
        select(SyncRun)
        .where(SyncRun.firm_id == connection.firm_id, SyncRun.connection_id == connection.id)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


_COUNTS = ("requests", "imported", "updated", "deleted", "conflicts", "errors")


async def run_totals(session: AsyncSession, connection: Connection) -> dict[str, int]:
    stmt = select(
        *(func.coalesce(func.sum(getattr(SyncRun, name)), 0).label(name) for name in _COUNTS)
    ).where(SyncRun.firm_id == connection.firm_id, SyncRun.connection_id == connection.id)
    row = (await session.execute(stmt)).one()
    return {name: int(getattr(row, name)) for name in _COUNTS}


# --- conflicts --------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenedConflict:
    """The open conflict of an external record, and whether this call opened it (False:
    it was open already and is refreshed)."""

    conflict: SyncConflict
    created: bool


async def open_conflict(
    session: AsyncSession,
    connection: Connection,
    *,
    external_id: str,
    appointment_id: uuid.UUID | None,
    reason: str,
    payload: dict[str, Any],
) -> OpenedConflict:
    """Records the conflict, or refreshes the open one of that external record. A new one
    is what the operators are told of (``notifications.operator_notices``) and the staff
    stream shows them (``realtime.events.record_sync_conflict``)."""
    stmt = insert(SyncConflict).values(
        firm_id=connection.firm_id,
        connection_id=connection.id,
        external_id=external_id,
        appointment_id=appointment_id,
        reason=reason,
        payload=payload,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["connection_id", "external_id"],
        index_where=SyncConflict.status == "open",
        set_={
            "appointment_id": stmt.excluded.appointment_id,
            "reason": stmt.excluded.reason,
            "payload": stmt.excluded.payload,
        },
    )
    # xmax is 0 on a row this statement inserted, and the updating transaction's id on one
    # it updated: the one way an upsert tells which it did.
    created: Label[bool] = literal_column("xmax = 0", Boolean).label("created")
    row = (
        await session.execute(
            stmt.returning(SyncConflict, created), execution_options={"populate_existing": True}
        )
    ).one()
    return OpenedConflict(row[0], bool(row.created))


async def resolve_conflict(
    session: AsyncSession, connection: Connection, external_id: str, now: datetime
) -> bool:
    """Resolves the open conflict of the external record; whether there was one."""
    result = await session.execute(
        update(SyncConflict)
        .where(
            SyncConflict.firm_id == connection.firm_id,
            SyncConflict.connection_id == connection.id,
            SyncConflict.external_id == external_id,
            SyncConflict.status == "open",
        )
        .values(status="resolved", resolved_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def conflicts(
    session: AsyncSession, connection: Connection, status: str | None, page: PageParams
) -> tuple[list[SyncConflict], int]:
    stmt = select(SyncConflict).where(
        SyncConflict.firm_id == connection.firm_id, SyncConflict.connection_id == connection.id
    )
    if status is not None:
        stmt = stmt.where(SyncConflict.status == status)
    stmt = stmt.order_by(SyncConflict.created_at.desc(), SyncConflict.id.desc())
    return await paginate(session, stmt, page)


async def count_open_conflicts(session: AsyncSession, connection: Connection) -> int:
    stmt = select(func.count()).where(
        SyncConflict.firm_id == connection.firm_id,
        SyncConflict.connection_id == connection.id,
        SyncConflict.status == "open",
    )
    return int(await session.scalar(stmt) or 0)


# --- held records -----------------------------------------------------------------------


async def hold_record(
    session: AsyncSession,
    connection: Connection,
    *,
    external_id: str,
    reason: str,
    detail: str,
    payload: dict[str, Any],
) -> None:
    """Holds the record back (or refreshes it: reason, detail, payload, last seen)."""
    stmt = insert(SyncHeldRecord).values(
        firm_id=connection.firm_id,
        connection_id=connection.id,
        external_id=external_id,
        reason=reason,
        detail=detail,
        payload=payload,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["connection_id", "external_id"],
        set_={
            "reason": stmt.excluded.reason,
            "detail": stmt.excluded.detail,
            "payload": stmt.excluded.payload,
            "last_seen_at": func.now(),
        },
    )
    await session.execute(stmt)


async def release_record(session: AsyncSession, connection: Connection, external_id: str) -> None:
    """The record went through (or is gone): no longer held."""
    await session.execute(
        delete(SyncHeldRecord).where(
            SyncHeldRecord.firm_id == connection.firm_id,
            SyncHeldRecord.connection_id == connection.id,
            SyncHeldRecord.external_id == external_id,
        )
    )


async def held_records(
    session: AsyncSession, connection: Connection, reason: str | None, page: PageParams
) -> tuple[list[SyncHeldRecord], int]:
    stmt = select(SyncHeldRecord).where(
        SyncHeldRecord.firm_id == connection.firm_id,
        SyncHeldRecord.connection_id == connection.id,
    )
    if reason is not None:
        stmt = stmt.where(SyncHeldRecord.reason == reason)
    stmt = stmt.order_by(SyncHeldRecord.last_seen_at.desc(), SyncHeldRecord.id.desc())
    return await paginate(session, stmt, page)


async def count_held(session: AsyncSession, connection: Connection) -> dict[str, int]:
    stmt = (
        select(SyncHeldRecord.reason, func.count())
        .where(
            SyncHeldRecord.firm_id == connection.firm_id,
            SyncHeldRecord.connection_id == connection.id,
        )
        .group_by(SyncHeldRecord.reason)
    )
    return {reason: int(count) for reason, count in (await session.execute(stmt)).all()}


# --- links ------------------------------------------------------------------------------


async def link(
    session: AsyncSession,
    connection: Connection,
    *,
    appointment_id: uuid.UUID,
    external_id: str,
    direction: str,
    external_version: str | None,
    now: datetime,
) -> None:
    """Records (or refreshes) that the appointment is that external record."""
    stmt = insert(SyncLink).values(
        firm_id=connection.firm_id,
        connection_id=connection.id,
        appointment_id=appointment_id,
        external_id=external_id,
        direction=direction,
        external_version=external_version,
        last_synced_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["connection_id", "appointment_id"],
        set_={
            "external_id": stmt.excluded.external_id,
            "external_version": stmt.excluded.external_version,
            "last_synced_at": stmt.excluded.last_synced_at,
        },
    )
    await session.execute(stmt)


async def unlink(session: AsyncSession, connection: Connection, appointment_id: uuid.UUID) -> None:
    """The appointment is no longer any record of the connection (its record was deleted)."""
    await session.execute(
        delete(SyncLink).where(
            SyncLink.firm_id == connection.firm_id,
            SyncLink.connection_id == connection.id,
            SyncLink.appointment_id == appointment_id,
        )
    )


async def link_of_external(
    session: AsyncSession, connection: Connection, external_id: str
) -> SyncLink | None:
    return await session.scalar(
        select(SyncLink).where(
            SyncLink.firm_id == connection.firm_id,
            SyncLink.connection_id == connection.id,
            SyncLink.external_id == external_id,
        )
    )


async def link_of_appointment(
    session: AsyncSession, connection: Connection, appointment_id: uuid.UUID
) -> SyncLink | None:
    return await session.scalar(
        select(SyncLink).where(
            SyncLink.firm_id == connection.firm_id,
            SyncLink.connection_id == connection.id,
            SyncLink.appointment_id == appointment_id,
        )
    )
