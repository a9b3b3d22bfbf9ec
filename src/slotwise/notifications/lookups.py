"""The queries delivery needs besides the outbox: the appointment as it is now, the people
and the places a message names, and where its recipient can be reached."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import OPERATOR_ROLES
from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Client,
    ConnectionMapping,
    Firm,
    Location,
    PushSubscription,
    Service,
    Specialist,
    User,
)


async def facts(
    session: AsyncSession, firm_id: uuid.UUID, appointment_id: uuid.UUID
) -> Row[Any] | None:
    """In one query: the firm, and the appointment as it is now (all columns None when it
    is gone) with its place, its client's name, its workers and its services."""
    names = (
        select(func.array_agg(aggregate_order_by(Specialist.name, Specialist.name)))
        .select_from(AppointmentWorker)
        .join(Specialist, Specialist.id == AppointmentWorker.specialist_id)
        .where(AppointmentWorker.appointment_id == Appointment.id)
        .scalar_subquery()
    )
    worker_ids = (
        select(func.array_agg(AppointmentWorker.specialist_id))
        .where(AppointmentWorker.appointment_id == Appointment.id)
        .scalar_subquery()
    )
    services = (
        select(func.array_agg(aggregate_order_by(Service.name, Service.name)))
        .select_from(AppointmentServiceItem)
        .join(Service, Service.id == AppointmentServiceItem.service_id)
        .where(AppointmentServiceItem.appointment_id == Appointment.id)
        .scalar_subquery()
    )
    stmt = (
        select(
            Firm.name.label("firm_name"),
            Firm.slug.label("firm_slug"),
            Firm.public_booking,
            Firm.time_zone.label("firm_time_zone"),
            Firm.default_locale,
            Firm.reminder_offsets_minutes,
            Appointment.id,
            Appointment.status,
            Appointment.client_id,
            Appointment.start_at,
            Appointment.end_at,
            Appointment.location_id,
            Location.name.label("location_name"),
            Location.address.label("location_address"),
            Location.time_zone.label("location_time_zone"),
            Client.first_name,
            Client.last_name,
            names.label("worker_names"),
            worker_ids.label("worker_ids"),
            services.label("service_names"),
        )
        .select_from(Firm)
        .outerjoin(
            Appointment, and_(Appointment.id == appointment_id, Appointment.firm_id == Firm.id)
        )
        .outerjoin(Location, Location.id == Appointment.location_id)
        .outerjoin(Client, Client.id == Appointment.client_id)
        .where(Firm.id == firm_id)
    )
    row: Row[Any] | None = (await session.execute(stmt)).first()  # type: ignore[assignment]
    return row


async def location(
    session: AsyncSession, firm_id: uuid.UUID, location_id: uuid.UUID
) -> Location | None:
    return await session.scalar(
        select(Location).where(Location.id == location_id, Location.firm_id == firm_id)
    )


async def client(session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID) -> Client | None:
    return await session.scalar(
        select(Client).where(Client.id == client_id, Client.firm_id == firm_id)
    )


async def specialist(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID
) -> Specialist | None:
    return await session.scalar(
        select(Specialist).where(Specialist.id == specialist_id, Specialist.firm_id == firm_id)
    )


async def worker_user(
    session: AsyncSession, firm_id: uuid.UUID, specialist_id: uuid.UUID
) -> User | None:
    """The active worker login of a specialist (the oldest, if there are several)."""
    return await session.scalar(
        select(User)
        .where(
            User.firm_id == firm_id,
            User.specialist_id == specialist_id,
            User.role == "worker",
            User.is_active.is_(True),
        )
        .order_by(User.created_at)
        .limit(1)
    )


async def operators(session: AsyncSession, firm_id: uuid.UUID) -> Sequence[User]:
    """The firm's active owners and directors, oldest login first."""
    return (
        await session.scalars(
            select(User)
            .where(
                User.firm_id == firm_id,
                User.role.in_(sorted(OPERATOR_ROLES)),
                User.is_active.is_(True),
            )
            .order_by(User.created_at, User.id)
        )
    ).all()


async def specialist_names(
    session: AsyncSession, firm_id: uuid.UUID, specialist_ids: Sequence[uuid.UUID]
) -> list[str]:
    if not specialist_ids:
        return []
    rows = await session.scalars(
        select(Specialist.name)
        .where(Specialist.firm_id == firm_id, Specialist.id.in_(specialist_ids))
        .order_by(Specialist.name)
    )
    return list(rows.all())


async def mapped_specialist(
    session: AsyncSession, firm_id: uuid.UUID, connection_id: uuid.UUID, external_staff_id: str
) -> uuid.UUID | None:
    """The specialist a connection's external staff member is mapped to, if any."""
    found: uuid.UUID | None = await session.scalar(
        select(ConnectionMapping.specialist_id).where(
            ConnectionMapping.firm_id == firm_id,
            ConnectionMapping.connection_id == connection_id,
            ConnectionMapping.kind == "staff",
            ConnectionMapping.external_id == external_staff_id,
        )
    )
    return found


async def push_subscriptions(
    session: AsyncSession,
    firm_id: uuid.UUID,
    *,
    client_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> Sequence[PushSubscription]:
    """The browsers of one user, or of a client: those of the client's active logins and
    those subscribed for the client itself (from a manage link, without a login)."""
    stmt = (
        select(PushSubscription)
        .outerjoin(User, User.id == PushSubscription.user_id)
        .where(PushSubscription.firm_id == firm_id)
        .order_by(PushSubscription.created_at)
    )
    if client_id is not None:
        stmt = stmt.where(
            or_(
                and_(User.client_id == client_id, User.is_active.is_(True)),
                PushSubscription.client_id == client_id,
            )
        )
    if user_id is not None:
        stmt = stmt.where(User.id == user_id, User.is_active.is_(True))
    return (await session.scalars(stmt)).all()


async def delete_push_subscription(session: AsyncSession, endpoint: str) -> None:
    await session.execute(delete(PushSubscription).where(PushSubscription.endpoint == endpoint))


async def upsert_push_subscription(
    session: AsyncSession,
    *,
    firm_id: uuid.UUID,
    user_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str,
) -> PushSubscription | None:
    """The subscription of ``endpoint`` for the user (or, without one, the client), created
    or with its keys renewed; ``None`` when the endpoint belongs to someone else, whose it
    stays."""
    assert (user_id is None) != (client_id is None)
    owner = (
        PushSubscription.user_id == user_id
        if user_id is not None
        else PushSubscription.client_id == client_id
    )
    values = insert(PushSubscription).values(
        id=uuid.uuid4(),
        firm_id=firm_id,
        user_id=user_id,
        client_id=client_id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        user_agent=user_agent,
    )
    stmt = values.on_conflict_do_update(
        index_elements=[PushSubscription.endpoint],
        set_={"p256dh": p256dh, "auth": auth, "user_agent": user_agent, "created_at": func.now()},
        where=owner & (PushSubscription.firm_id == firm_id),
    ).returning(PushSubscription)
    result = await session.execute(stmt, execution_options={"populate_existing": True})
    return result.scalar_one_or_none()


async def delete_own_push_subscription(
    session: AsyncSession,
    firm_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    subscription_id: uuid.UUID | None,
    endpoint: str | None,
) -> bool:
    stmt = delete(PushSubscription).where(
        PushSubscription.user_id == user_id, PushSubscription.firm_id == firm_id
    )
    if subscription_id is not None:
        stmt = stmt.where(PushSubscription.id == subscription_id)
    if endpoint is not None:
        stmt = stmt.where(PushSubscription.endpoint == endpoint)
    return bool((await session.execute(stmt.returning(PushSubscription.id))).all())
