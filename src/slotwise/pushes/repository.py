"""The pushes' queries: which connections an appointment's change concerns, and the
appointment's current state as a push writes it out. Read straight from the models: this
package sits below ``appointments`` and ``connections`` (both use it or its tables), so it
imports neither."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Client,
    Connection,
    ConnectionMapping,
    Location,
    SyncLink,
)

PUSHED = "pushed"


async def push_connections(
    session: AsyncSession,
    firm_id: uuid.UUID,
    appointment_id: uuid.UUID,
    specialist_ids: Collection[uuid.UUID],
    location_ids: Collection[uuid.UUID],
    kind: str,
) -> list[uuid.UUID]:
    """The firm's enabled connections of ``kind`` that the appointment concerns: one at its
    location (before or after the change) mapping one of its specialists, or one it was
    pushed to already (a record there may have to move or go)."""
    mapped = exists().where(
        ConnectionMapping.firm_id == firm_id,
        ConnectionMapping.connection_id == Connection.id,
        ConnectionMapping.kind == "staff",
        ConnectionMapping.specialist_id.in_(list(specialist_ids)),
    )
    linked = exists().where(
        SyncLink.firm_id == firm_id,
        SyncLink.connection_id == Connection.id,
        SyncLink.appointment_id == appointment_id,
        SyncLink.direction == PUSHED,
    )
    stmt = (
        select(Connection.id)
        .where(
            Connection.firm_id == firm_id,
            Connection.kind == kind,
            Connection.enabled,
            or_(and_(Connection.location_id.in_(list(location_ids)), mapped), linked),
        )
        .order_by(Connection.id)
    )
    return list((await session.scalars(stmt)).all())


async def bring_calendars_forward(
    session: AsyncSession, firm_id: uuid.UUID, specialist_ids: Collection[uuid.UUID]
) -> None:
    """The specialists' own calendars (CalDAV connections, written at each poll) become due
    now, so a change reaches them at the next sweep, not after the polling interval. A
    failing one is left alone: it waits for a person, not for the next change."""
    await session.execute(
        update(Connection)
        .where(
            Connection.firm_id == firm_id,
            Connection.kind == "caldav",
            Connection.enabled,
            Connection.health != "failing",
            Connection.specialist_id.in_(list(specialist_ids)),
            or_(Connection.next_run_at.is_(None), Connection.next_run_at > func.now()),
        )
        .values(next_run_at=func.now())
    )


@dataclass(frozen=True)
class PushClient:
    first_name: str
    last_name: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class PushState:
    """An appointment as a push writes it out."""

    id: uuid.UUID
    firm_id: uuid.UUID
    location_id: uuid.UUID
    time_zone: str  # the location's
    start_at: datetime
    end_at: datetime
    status: str
    source: str
    notes: str
    specialist_ids: frozenset[uuid.UUID]
    service_ids: tuple[uuid.UUID, ...]
    client: PushClient | None


async def appointment_state(
    session: AsyncSession, firm_id: uuid.UUID, appointment_id: uuid.UUID
) -> PushState | None:
    """The appointment as it is now; None when it is gone."""
    row = (
        await session.execute(
            select(Appointment, Location.time_zone)
            .join(
                Location,
                and_(
                    Location.firm_id == Appointment.firm_id,
                    Location.id == Appointment.location_id,
                ),
            )
            .where(Appointment.firm_id == firm_id, Appointment.id == appointment_id)
        )
    ).one_or_none()
    if row is None:
        return None
    appointment, time_zone = row[0], row[1]
    specialists = await session.scalars(
        select(AppointmentWorker.specialist_id).where(
            AppointmentWorker.firm_id == firm_id,
            AppointmentWorker.appointment_id == appointment_id,
        )
    )
    services = await session.scalars(
        select(AppointmentServiceItem.service_id)
        .where(
            AppointmentServiceItem.firm_id == firm_id,
            AppointmentServiceItem.appointment_id == appointment_id,
        )
        .order_by(AppointmentServiceItem.service_id)
    )
    client = None
    if appointment.client_id is not None:
        person = await session.scalar(
            select(Client).where(Client.firm_id == firm_id, Client.id == appointment.client_id)
        )
        if person is not None:
            client = PushClient(person.first_name, person.last_name, person.phone, person.email)
    return PushState(
        id=appointment.id,
        firm_id=firm_id,
        location_id=appointment.location_id,
        time_zone=time_zone,
        start_at=appointment.start_at,
        end_at=appointment.end_at,
        status=appointment.status,
        source=appointment.source,
        notes=appointment.notes,
        specialist_ids=frozenset(specialists.all()),
        service_ids=tuple(services.all()),
        client=client,
    )


async def lock_appointment(
    session: AsyncSession, firm_id: uuid.UUID, appointment_id: uuid.UUID
) -> bool:
    """Whether the appointment still exists; if so, it cannot be deleted before the
    transaction ends (a link to it is about to be written)."""
    stmt = (
        select(Appointment.id)
        .where(Appointment.firm_id == firm_id, Appointment.id == appointment_id)
        .with_for_update(read=True, key_share=True)
    )
    return await session.scalar(stmt) is not None
