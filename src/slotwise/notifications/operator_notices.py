"""Notices to a firm's operators (its active owners and directors) about its connections to
external systems: a connection that started failing, an external record that was not
imported because it overlaps an appointment (a sync conflict).

The poller plans them in its own transaction, right after it recorded the failure or the
conflict, so a notice exists exactly when its cause was committed:

    if health.mark_failing(connection, reason, now):
        await operator_notices.plan_connection_failing(session, connection, now)

One outbox row per operator, addressed when planned (the email of their login) and sent by
the delivery job like every message; their browsers subscribed to Web Push get a copy. The
key of each row names its cause (the connection and the moment it started failing; the
conflict) and the operator, so planning the same notice again adds nothing. What a notice
says is kept in the row as it was when planned; when it is sent, it goes out only if its
cause still holds (still failing since then, the conflict still open) and its operator is
still one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import OPERATOR_ROLES
from slotwise.models import Connection, Firm, Notification, SyncConflict, User
from slotwise.notifications import dispatch, lookups, repository
from slotwise.notifications.channels import Channel, EmailRecipient
from slotwise.notifications.recipients import Route, Target, push_target
from slotwise.notifications.repository import Planned
from slotwise.notifications.templates import (
    MessageType,
    NoticeContext,
    Rendered,
    render_notice,
    resolve_locale,
)

# Due now: each row gets its delivery job in the planning transaction.
_AT_ONCE = timedelta(0)


async def _place(session: AsyncSession, connection: Connection) -> tuple[Firm, str]:
    """The connection's firm and the time zone its notices show times in."""
    firm = await session.get(Firm, connection.firm_id)
    assert firm is not None  # the connection's foreign key
    location = await lookups.location(session, connection.firm_id, connection.location_id)
    return firm, location.time_zone if location is not None else firm.time_zone


async def _plan(
    session: AsyncSession,
    firm: Firm,
    type_: MessageType,
    key: str,
    data: dict[str, Any],
    now: datetime,
) -> int:
    """One row per operator of the firm, its delivery job deferred; returns how many were
    new (0 when this notice was planned before, or the firm has no operator)."""
    planned: list[Planned] = []
    for user in await lookups.operators(session, firm.id):
        row = await repository.add_addressed_message(
            session,
            firm_id=firm.id,
            type_=type_.value,
            recipient_kind="operator",
            channel="email",
            address=user.email,
            locale=resolve_locale(user.locale, firm.default_locale),
            dedupe_key=f"{type_.value}:{key}:{user.id}",
            send_after=now,
            data={**data, "user_id": str(user.id), "name": user.full_name},
        )
        if row is not None:
            planned.append(row)
    await dispatch.enqueue(session, planned, now=now, horizon=_AT_ONCE)
    return len(planned)


def _connection_data(connection: Connection, firm: Firm, time_zone: str) -> dict[str, Any]:
    return {
        "firm_name": firm.name,
        "time_zone": time_zone,
        "connection_id": str(connection.id),
        "connection_name": connection.name,
        "connection_kind": connection.kind,
    }


async def plan_connection_failing(
    session: AsyncSession, connection: Connection, now: datetime
) -> int:
    """Tells the firm's operators that the connection is failing (its ``failure_reason``,
    since ``failing_since``), in the caller's transaction; call it when
    ``connections.health.mark_failing`` says to tell them. Returns how many notices were
    planned: 0 for a connection that is not failing, or one already told of this failure."""
    since = connection.failing_since
    if connection.health != "failing" or since is None:
        return 0
    firm, time_zone = await _place(session, connection)
    data = {
        **_connection_data(connection, firm, time_zone),
        "reason": connection.failure_reason or "",
        "failing_since": since.isoformat(),
    }
    key = f"{connection.id}:{since.isoformat()}"
    return await _plan(session, firm, MessageType.CONNECTION_FAILING, key, data, now)


def _specialists_in_the_way(conflict: SyncConflict) -> list[uuid.UUID]:
    """The specialists whose claims the record ran into (the poller keeps the claims in the
    way, as ``slot_taken`` names them, in ``payload["in_the_way"]``)."""
    found: list[uuid.UUID] = []
    claims = conflict.payload.get("in_the_way")
    for claim in claims if isinstance(claims, list) else []:
        if not isinstance(claim, dict) or claim.get("resource") != "specialist":
            continue
        try:
            specialist_id = uuid.UUID(str(claim.get("resource_id")))
        except ValueError:
            continue
        if specialist_id not in found:
            found.append(specialist_id)
    return found


async def _record_specialists(
    session: AsyncSession, conflict: SyncConflict, overlapped: Sequence[str]
) -> list[str]:
    """The names of the external record's specialists: those it ran into, else the one its
    staff member is mapped to, else the overlapped appointment's."""
    ids = _specialists_in_the_way(conflict)
    record = conflict.payload.get("record")
    staff = record.get("staff_id") if isinstance(record, dict) else None
    if not ids and staff is not None:
        mapped = await lookups.mapped_specialist(
            session, conflict.firm_id, conflict.connection_id, str(staff)
        )
        ids = [mapped] if mapped is not None else []
    names = await lookups.specialist_names(session, conflict.firm_id, ids)
    return names or list(overlapped)


async def _appointment_data(session: AsyncSession, conflict: SyncConflict) -> dict[str, Any]:
    if conflict.appointment_id is None:
        return {}
    facts = await lookups.facts(session, conflict.firm_id, conflict.appointment_id)
    if facts is None or facts.id is None:
        return {}
    client = f"{facts.first_name or ''} {facts.last_name or ''}".strip()
    return {
        "appointment_id": str(facts.id),
        "appointment_start_at": facts.start_at.isoformat(),
        "appointment_end_at": facts.end_at.isoformat(),
        "appointment_workers": list(facts.worker_names or []),
        "client_name": client,
        "services": list(facts.service_names or []),
    }


async def plan_sync_conflict(session: AsyncSession, conflict: SyncConflict, now: datetime) -> int:
    """Tells the firm's operators of an open sync conflict: the connection, the external
    record's time and specialist, the Slotwise appointment it overlaps. In the caller's
    transaction, after the conflict row is written (``connections.repository.open_conflict``
    returns it). Returns how many notices were planned: 0 for a conflict told of before
    (refreshing an open conflict tells nobody again) or one no longer open."""
    if conflict.status != "open":
        return 0
    connection = await session.get(Connection, conflict.connection_id)
    if connection is None or connection.firm_id != conflict.firm_id:
        return 0
    firm, time_zone = await _place(session, connection)
    appointment = await _appointment_data(session, conflict)
    span = conflict.record_span()
    data = {
        **_connection_data(connection, firm, time_zone),
        **appointment,
        "conflict_id": str(conflict.id),
        "external_id": conflict.external_id,
        "external_start_at": span[0].isoformat() if span else None,
        "external_end_at": span[1].isoformat() if span else None,
        "specialists": await _record_specialists(
            session, conflict, appointment.get("appointment_workers", [])
        ),
    }
    return await _plan(session, firm, MessageType.SYNC_CONFLICT, str(conflict.id), data, now)


# --- delivery ---------------------------------------------------------------------------


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _page_url(row: Notification, base_url: str | None) -> str | None:
    """Where the connections page shows the connection (a failure) or its open conflicts."""
    if not base_url:
        return None
    tab = "/conflicts" if row.type == MessageType.SYNC_CONFLICT else ""
    return f"{base_url.rstrip('/')}/connections#{row.data['connection_id']}{tab}"


def _context(row: Notification, base_url: str | None) -> NoticeContext:
    data = row.data
    return NoticeContext(
        firm_name=data["firm_name"],
        time_zone=data["time_zone"],
        connection_name=data["connection_name"],
        connection_kind=data["connection_kind"],
        recipient_name=data.get("name") or None,
        reason=data.get("reason") or None,
        failing_since=_instant(data.get("failing_since")),
        external_id=data.get("external_id"),
        external_starts_at=_instant(data.get("external_start_at")),
        external_ends_at=_instant(data.get("external_end_at")),
        specialists=data.get("specialists", []),
        appointment_starts_at=_instant(data.get("appointment_start_at")),
        appointment_ends_at=_instant(data.get("appointment_end_at")),
        client_name=data.get("client_name") or None,
        services=data.get("services", []),
        url=_page_url(row, base_url),
    )


async def _why_not(session: AsyncSession, row: Notification, user: User | None) -> str | None:
    """Why the notice no longer goes out, if it does not."""
    if (
        user is None
        or user.firm_id != row.firm_id
        or not user.is_active
        or user.role not in OPERATOR_ROLES
    ):
        return "the recipient is no longer an active owner or director"
    data = row.data
    if row.type == MessageType.CONNECTION_FAILING:
        connection = await session.get(Connection, uuid.UUID(data["connection_id"]))
        if connection is None or connection.firm_id != row.firm_id:
            return "the connection was deleted"
        if connection.health != "failing" or connection.failing_since != _instant(
            data["failing_since"]
        ):
            # It worked since, or a person changed its settings (which starts it afresh).
            return "the connection is no longer failing"
        return None
    conflict = await session.get(SyncConflict, uuid.UUID(data["conflict_id"]))
    if conflict is None or conflict.firm_id != row.firm_id:
        return "the conflict is gone (its connection was deleted)"
    if conflict.status != "open":
        return "the conflict was resolved"
    return None


async def message(
    session: AsyncSession,
    row: Notification,
    configured: frozenset[Channel],
    base_url: str | None = None,
) -> tuple[Rendered, Route] | str:
    """The notice and where it goes (the operator's email, then their browsers), or why it
    no longer goes out. ``base_url``: the server's public address, for the link to the
    connections page."""
    user = await session.get(User, uuid.UUID(row.data["user_id"]))
    reason = await _why_not(session, row, user)
    if reason is not None:
        return reason
    assert user is not None
    rendered = render_notice(row.type, row.locale, _context(row, base_url))
    targets: list[Target] = []
    passed_over: list[str] = []
    address = row.address or ""
    if Channel.EMAIL not in configured:
        passed_over.append("email: not configured")
    else:
        name = user.full_name or None
        targets.append(Target(Channel.EMAIL, (EmailRecipient(address, name),), address))
    if Channel.WEBPUSH in configured:
        browsers = await lookups.push_subscriptions(session, row.firm_id, user_id=user.id)
        browser_target = push_target(browsers)
        if browser_target is not None:
            targets.append(browser_target)
        else:
            passed_over.append("webpush: no address")
    else:
        passed_over.append("webpush: not configured")
    return rendered, Route(targets, passed_over)
