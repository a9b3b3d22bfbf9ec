"""Changing an appointment under optimistic concurrency.

The row is locked before its version is compared, so two writers holding the same version
cannot both succeed: the second waits for the first, then sees the new version and gets 412.
Every change that succeeds bumps ``version`` by one (a change of only the workers or services
too); a request that changes nothing leaves it as it is.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import client_rules, pricing, repository, service
from slotwise.appointments.changes import appointment_changed
from slotwise.appointments.checks import (
    check_client,
    check_external_id,
    check_place,
    check_workers,
)
from slotwise.appointments.errors import (
    AppointmentNotFound,
    ClosedBeforeOpened,
    EndBeforeStart,
    ForbiddenField,
    NoWorkers,
)
from slotwise.appointments.preconditions import check_version, expected_versions
from slotwise.appointments.present import present_one
from slotwise.appointments.schemas import (
    CLAIM_FIELDS,
    WORKER_FIELDS,
    AppointmentUpdate,
    ServiceLineIn,
)
from slotwise.auth.caller import Caller
from slotwise.booking import claims
from slotwise.models import Appointment, AppointmentServiceItem, AppointmentWorker
from slotwise.records import AppointmentOut
from slotwise.repository import apply_changes


async def update_appointment(
    session: AsyncSession,
    caller: Caller,
    appointment_id: uuid.UUID,
    data: AppointmentUpdate,
    if_match: str | None,
) -> AppointmentOut:
    expected = expected_versions(if_match, data.version, required=True)
    appointment = await repository.get_visible(
        session, service.scope_of(caller), appointment_id, lock=True
    )
    if appointment is None:
        raise AppointmentNotFound(f"No appointment with id {appointment_id}")
    changes = data.changes()
    now = datetime.now(UTC)
    if caller.is_worker:
        forbidden = sorted(set(changes) - WORKER_FIELDS)
        if forbidden:
            raise ForbiddenField(
                f"A worker may change only is_open, opened_at and closed_at, not: "
                f"{', '.join(forbidden)}"
            )
    elif not caller.is_admin:
        await client_rules.check_client_change(session, appointment, changes, now)
    check_version(appointment.version, expected)
    before = await present_one(session, caller.firm_id, appointment)
    if "start_at" in changes and "end_at" not in changes:
        # Moving an appointment keeps its length.
        changes["end_at"] = changes["start_at"] + (appointment.end_at - appointment.start_at)
    claims_change = bool(CLAIM_FIELDS & set(changes))

    worker_ids: list[uuid.UUID] | None = changes.pop("worker_ids", None)
    lines = data.services if changes.pop("services", None) is not None else None
    _open_or_close(appointment, changes, now)
    await _validate(session, caller.firm_id, appointment, changes)

    changed = _assign(appointment, changes)
    if worker_ids is not None:
        await check_workers(session, caller.firm_id, worker_ids)
        changed = _replace_workers(appointment, worker_ids) or changed
    if lines is not None:
        changed = await _replace_services(session, appointment, lines, worker_ids) or changed
    if changed and claims_change:
        await session.flush()
        await claims.reclaim_appointment(session, appointment, now)
    if changed:
        # The row is locked, so reading and bumping the version here cannot race; the UPDATE
        # also sets updated_at (onupdate) even when only the worker or service rows changed.
        appointment.version = appointment.version + 1
        await session.flush()
        await session.refresh(appointment)
        after = await present_one(session, caller.firm_id, appointment)
        await appointment_changed(session, caller.firm_id, before, after, caller)
        return after
    return before


async def change_by_system(
    session: AsyncSession,
    appointment: Appointment,
    changes: dict[str, Any],
    *,
    worker_ids: list[uuid.UUID] | None = None,
    lines: list[ServiceLineIn] | None = None,
    now: datetime,
    confirmation_delay: timedelta | None = None,
) -> AppointmentOut | None:
    """A change the system makes by itself (an external system's record was edited): the
    same checks, claims, version bump and change report (event, messages) as a person's
    edit, with no caller. ``appointment`` must be locked (``get_visible(..., lock=True)``).
    Returns the new state, or None when nothing differed. Raises ``SlotTaken`` when the new
    time is taken, with nothing changed in the session's state that the caller keeps (run it
    in a savepoint)."""
    before = await present_one(session, appointment.firm_id, appointment)
    changes = dict(changes)
    claims_change = bool(CLAIM_FIELDS & set(changes)) or worker_ids is not None or lines is not None
    await _validate(session, appointment.firm_id, appointment, changes)
    changed = _assign(appointment, changes)
    if worker_ids is not None:
        await check_workers(session, appointment.firm_id, worker_ids)
        changed = _replace_workers(appointment, worker_ids) or changed
    if lines is not None:
        changed = await _replace_services(session, appointment, lines, worker_ids) or changed
    if not changed:
        return None
    if claims_change:
        await session.flush()
        await claims.reclaim_appointment(session, appointment, now)
    appointment.version = appointment.version + 1
    await session.flush()
    await session.refresh(appointment)
    after = await present_one(session, appointment.firm_id, appointment)
    await appointment_changed(
        session,
        appointment.firm_id,
        before,
        after,
        None,
        now=now,
        confirmation_delay=confirmation_delay,
    )
    return after


def _open_or_close(appointment: Appointment, changes: dict[str, Any], now: datetime) -> None:
    """Opening stamps ``opened_at`` and clears an earlier close; closing stamps ``closed_at``,
    unless the caller sent those times."""
    if "is_open" not in changes:
        return
    if changes["is_open"] and not appointment.is_open:
        if changes.get("opened_at") is None:
            changes["opened_at"] = now
        changes.setdefault("closed_at", None)
    elif not changes["is_open"] and appointment.is_open and changes.get("closed_at") is None:
        changes["closed_at"] = now


def _merged(appointment: Appointment, changes: dict[str, Any], name: str) -> Any:
    return changes[name] if name in changes else getattr(appointment, name)


async def _validate(
    session: AsyncSession, firm_id: uuid.UUID, appointment: Appointment, changes: dict[str, Any]
) -> None:
    start, end = _merged(appointment, changes, "start_at"), _merged(appointment, changes, "end_at")
    if end <= start:
        raise EndBeforeStart()
    opened = _merged(appointment, changes, "opened_at")
    closed = _merged(appointment, changes, "closed_at")
    if opened is not None and closed is not None and closed < opened:
        raise ClosedBeforeOpened()
    if "location_id" in changes or "workplace_id" in changes:
        await check_place(
            session,
            firm_id,
            _merged(appointment, changes, "location_id"),
            _merged(appointment, changes, "workplace_id"),
        )
    if "client_id" in changes:
        await check_client(session, firm_id, changes["client_id"])
    if "source" in changes or "external_id" in changes:
        await check_external_id(
            session,
            firm_id,
            _merged(appointment, changes, "source"),
            _merged(appointment, changes, "external_id"),
            except_id=appointment.id,
        )


def _assign(appointment: Appointment, changes: dict[str, Any]) -> bool:
    differing = {
        name: value for name, value in changes.items() if getattr(appointment, name) != value
    }
    apply_changes(appointment, differing)
    return bool(differing)


def _replace_workers(appointment: Appointment, worker_ids: list[uuid.UUID]) -> bool:
    current = {row.specialist_id: row for row in appointment.workers}
    if set(current) == set(worker_ids):
        return False
    for specialist_id, row in current.items():
        if specialist_id not in worker_ids:
            appointment.workers.remove(row)
    appointment.workers.extend(
        AppointmentWorker(
            firm_id=appointment.firm_id, appointment_id=appointment.id, specialist_id=specialist_id
        )
        for specialist_id in worker_ids
        if specialist_id not in current
    )
    return True


async def _replace_services(
    session: AsyncSession,
    appointment: Appointment,
    lines: list[ServiceLineIn],
    worker_ids: list[uuid.UUID] | None,
) -> bool:
    """Replaces the set of services; a line without a price gets today's catalog terms.

    The first worker's custom terms apply: the first of ``worker_ids`` when sent, otherwise
    the first of the current workers as the API lists them (by name).
    """
    if worker_ids is None:
        listed = await repository.workers_of(session, appointment.firm_id, [appointment.id])
        worker_ids = [w.id for w in listed.get(appointment.id, [])]
    if not worker_ids:
        raise NoWorkers()
    priced = await pricing.price_services(
        session,
        appointment.firm_id,
        lines,
        workplace_id=appointment.workplace_id,
        first_worker_id=worker_ids[0],
    )
    wanted = {p.service_id: p for p in priced}
    changed = False
    for row in list(appointment.services):
        term = wanted.get(row.service_id)
        if term is None:
            appointment.services.remove(row)
            changed = True
        elif (row.price, row.duration_minutes) != (term.price, term.duration_minutes):
            row.price, row.duration_minutes = term.price, term.duration_minutes
            changed = True
    present = {row.service_id for row in appointment.services}
    for term in priced:
        if term.service_id not in present:
            appointment.services.append(
                AppointmentServiceItem(
                    firm_id=appointment.firm_id,
                    appointment_id=appointment.id,
                    service_id=term.service_id,
                    price=term.price,
                    duration_minutes=term.duration_minutes,
                )
            )
            changed = True
    return changed
