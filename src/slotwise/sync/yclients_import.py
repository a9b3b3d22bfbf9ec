"""One pull's YClients records applied to Slotwise, in the caller's transaction.

Every record goes through the appointments' own write path (``create_by_system``,
``change_by_system``, ``remove_by_system``), so an imported record claims its time (the
exclusion constraints see it: nothing is double-booked), records its event (the board shows
it live) and plans its messages (the confirmation after the connection's grace delay).

Each record is applied in a savepoint of its own: a record that cannot go in (its time is
taken, a value the appointment cannot hold) is rolled back alone and recorded, and the
others go on. What happens to a record:

- it carries our ``api_id`` (a Slotwise appointment, pushed there) or is linked as pushed:
  ours, never imported;
- the same version as last time (``SyncLink.external_version``): nothing (the cursor
  includes its own instant, so every pull repeats the last record at least);
- deleted: its appointment removed, any hold or conflict of it cleared;
- its staff or a service is not mapped: held as ``needs_mapping`` (visible, never dropped),
  tried again on every run until it goes in;
- its time is taken in Slotwise: a sync conflict naming the appointment in the way, tried
  again on every run until either side moved;
- never imported and its day after ``window_end`` (it came with the changes asked for
  beyond the window): left for when its day enters the window, where it is read whole;
- otherwise: the appointment created, or changed to match.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import repository as appointments
from slotwise.appointments.creation import NewAppointment
from slotwise.appointments.repository import Scope
from slotwise.appointments.service import create_by_system, remove_by_system
from slotwise.appointments.updates import change_by_system
from slotwise.booking.claims import ClaimSpan, find_conflict
from slotwise.booking.errors import SlotTaken
from slotwise.connections import repository
from slotwise.connections.service import mapped_targets
from slotwise.errors import AppError
from slotwise.models import Appointment, Connection
from slotwise.notifications import operator_notices
from slotwise.realtime.events import record_sync_conflict
from slotwise.repository import PageParams
from slotwise.sync.client_match import find_or_create_client
from slotwise.sync.yclients_records import InvalidField, MalformedRecord, YclientsRecord
from slotwise.sync.yclients_translate import (
    SOURCE,
    Booking,
    Unmapped,
    our_appointment_id,
    record_from_payload,
    record_key,
    record_payload,
    record_version,
    translate,
)

log = logging.getLogger(__name__)

# Records held back or in conflict that one run tries again (the oldest first); more wait
# for the next runs.
RETRY_LIMIT = 200
_UTC = ZoneInfo("UTC")
# Reasons kept in a run's ``error`` (the held rows keep every one).
_REASONS_SHOWN = 5


class Outcome(enum.Enum):
    IMPORTED = "imported"
    UPDATED = "updated"
    DELETED = "deleted"
    UNCHANGED = "unchanged"
    OURS = "ours"
    HELD = "held"
    CONFLICT = "conflict"
    ERROR = "error"


@dataclass
class ImportCounts:
    imported: int = 0
    updated: int = 0
    deleted: int = 0
    # Conflicts opened, or whose record changed, in this run (one still in the way is
    # counted once, not on every run that tries it again).
    conflicts: int = 0
    errors: int = 0
    held: int = 0
    ours: int = 0
    reasons: list[str] = field(default_factory=list)

    def error_summary(self) -> str | None:
        if not self.reasons:
            return None
        shown = "; ".join(self.reasons[:_REASONS_SHOWN])
        more = len(self.reasons) - _REASONS_SHOWN
        tail = f" (and {more} more)" if more > 0 else ""
        return f"{self.errors} records skipped: {shown}{tail}"


class _InTheWay(Exception):
    """Raised inside a record's savepoint to roll it back: its time is taken."""

    def __init__(self, booking: Booking, own_id: uuid.UUID | None, taken: SlotTaken) -> None:
        super().__init__(taken.message)
        self.booking, self.own_id, self.taken = booking, own_id, taken


class _Importer:
    def __init__(
        self,
        session: AsyncSession,
        connection: Connection,
        *,
        company_id: int,
        staff: Mapping[str, uuid.UUID],
        services: Mapping[str, uuid.UUID],
        now: datetime,
        grace: timedelta | None,
        window_end: date | None,
        zone: ZoneInfo,
        open_conflicts: Mapping[str, dict[str, Any]],
    ) -> None:
        self.session, self.connection = session, connection
        self.firm_id = connection.firm_id
        self.company_id = company_id
        self.staff, self.services = staff, services
        self.now, self.grace = now, grace
        self.window_end, self.zone = window_end, zone
        self.open_conflicts = open_conflicts

    async def apply(self, record: YclientsRecord) -> tuple[Outcome, str | None]:
        """What became of the record, and for an error its reason."""
        key = record_key(self.company_id, record.id)
        try:
            async with self.session.begin_nested():
                return await self._apply(record, key), None
        except _InTheWay as conflict:
            return await self._conflict(record, key, conflict), None
        except (InvalidField, AppError) as exc:
            reason = f"record {record.id}: {exc}"
            await repository.hold_record(
                self.session,
                self.connection,
                external_id=key,
                reason="malformed",
                detail=str(exc),
                payload=record_payload(record),
            )
            return Outcome.ERROR, reason

    def _is_ours(self, record: YclientsRecord) -> bool:
        # An appointment id in api_id is a Slotwise booking the push wrote there: one that
        # exists, or one deleted here whose deletion has not reached YClients yet (a poll
        # queued before it ran first). Importing that one would bring it back for a while,
        # block its time and could message its client.
        return our_appointment_id(record) is not None

    async def _appointment(self, appointment_id: uuid.UUID | None, key: str) -> Appointment | None:
        if appointment_id is not None:
            return await appointments.get_visible(
                self.session, Scope(self.firm_id), appointment_id, lock=True
            )
        # Imported before without a link (the connection was made anew): taken over.
        return await appointments.by_external_id(self.session, self.firm_id, SOURCE, key)

    async def _apply(self, record: YclientsRecord, key: str) -> Outcome:
        link = await repository.link_of_external(self.session, self.connection, key)
        if link is not None and link.direction == "pushed":
            return Outcome.OURS
        if link is None and self._is_ours(record):
            return Outcome.OURS
        version = record_version(record)
        if link is not None and link.external_version == version:
            return Outcome.UNCHANGED
        appointment = await self._appointment(link.appointment_id if link else None, key)
        if appointment is None and self._beyond_window(record):
            # Held or in conflict while it was in the window, then moved out: it is read
            # again, whole, when its day comes into the window.
            await self._settled(key)
            return Outcome.UNCHANGED
        if record.deleted:
            await self._settled(key)
            if appointment is None:
                return Outcome.UNCHANGED
            await remove_by_system(self.session, appointment, self.now)
            return Outcome.DELETED
        booking = translate(record, self.staff, self.services, self.now)
        if isinstance(booking, Unmapped):
            await repository.hold_record(
                self.session,
                self.connection,
                external_id=key,
                reason="needs_mapping",
                detail=booking.detail,
                payload=record_payload(record),
            )
            return Outcome.HELD
        client_id = (
            await find_or_create_client(self.session, self.firm_id, booking.contact)
            if booking.contact is not None
            else None
        )
        notes = booking.notes
        if client_id is None and booking.contact is not None and booking.contact.display_name:
            # Nobody to match them by: the name stays readable on the appointment.
            named = f"YClients client: {booking.contact.display_name}"
            notes = f"{notes}\n{named}" if notes else named
        try:
            if appointment is None:
                created = await create_by_system(
                    self.session,
                    NewAppointment(
                        firm_id=self.firm_id,
                        location_id=self.connection.location_id,
                        workplace_id=None,
                        client_id=client_id,
                        start_at=booking.start_at,
                        end_at=booking.end_at,
                        worker_ids=[booking.specialist_id],
                        services=list(booking.lines),
                        notes=notes,
                        source=SOURCE,
                        external_id=key,
                        created_by=None,
                        status=booking.status,
                    ),
                    self.now,
                    confirmation_delay=self.grace,
                )
                appointment_id, outcome = created.id, Outcome.IMPORTED
            else:
                changed = await change_by_system(
                    self.session,
                    appointment,
                    {
                        "location_id": self.connection.location_id,
                        "client_id": client_id,
                        "start_at": booking.start_at,
                        "end_at": booking.end_at,
                        "status": booking.status,
                        "notes": notes,
                    },
                    worker_ids=[booking.specialist_id],
                    lines=list(booking.lines),
                    now=self.now,
                    confirmation_delay=self.grace,
                )
                appointment_id = appointment.id
                outcome = Outcome.UPDATED if changed is not None else Outcome.UNCHANGED
        except SlotTaken as taken:
            raise _InTheWay(booking, appointment.id if appointment else None, taken) from None
        await repository.link(
            self.session,
            self.connection,
            appointment_id=appointment_id,
            external_id=key,
            direction="imported",
            external_version=version,
            now=self.now,
        )
        await self._settled(key)
        return outcome

    def _beyond_window(self, record: YclientsRecord) -> bool:
        return self.window_end is not None and record.start.astimezone(self.zone).date() > (
            self.window_end
        )

    async def _settled(self, key: str) -> None:
        """The record went through (or is gone): no longer held, no longer in conflict."""
        await repository.release_record(self.session, self.connection, key)
        await repository.resolve_conflict(self.session, self.connection, key, self.now)

    async def _conflict(self, record: YclientsRecord, key: str, conflict: _InTheWay) -> Outcome:
        booking = conflict.booking
        in_the_way = await find_conflict(
            self.session,
            ClaimSpan(
                self.firm_id,
                [booking.specialist_id],
                None,
                booking.start_at,
                booking.end_at,
                appointment_id=conflict.own_id,
            ),
            self.now,
        )
        payload = {"record": record_payload(record), "in_the_way": conflict.taken.details or []}
        known = self.open_conflicts.get(key)
        opened = await repository.open_conflict(
            self.session,
            self.connection,
            external_id=key,
            appointment_id=in_the_way.appointment_id if in_the_way is not None else None,
            reason=conflict.taken.message,
            payload=payload,
        )
        if opened.created:
            # Told once, when it opens; a record still in the way at later polls is not news.
            await operator_notices.plan_sync_conflict(self.session, opened.conflict, self.now)
            await record_sync_conflict(self.session, self.firm_id, opened.conflict)
        await repository.release_record(self.session, self.connection, key)
        if known is not None and known.get("record") == payload["record"]:
            return Outcome.UNCHANGED  # the same record still in the way: counted once
        return Outcome.CONFLICT


def _count(counts: ImportCounts, outcome: Outcome, reason: str | None) -> None:
    match outcome:
        case Outcome.IMPORTED:
            counts.imported += 1
        case Outcome.UPDATED:
            counts.updated += 1
        case Outcome.DELETED:
            counts.deleted += 1
        case Outcome.CONFLICT:
            counts.conflicts += 1
        case Outcome.HELD:
            counts.held += 1
        case Outcome.OURS:
            counts.ours += 1
        case Outcome.ERROR:
            counts.errors += 1
            if reason:
                counts.reasons.append(reason)
        case Outcome.UNCHANGED:
            pass


async def _waiting(
    session: AsyncSession, connection: Connection
) -> tuple[dict[str, dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
    """The open conflicts (key → payload), and the records to try again: those in
    conflict and those held for their mapping, with their stored record."""
    page = PageParams(limit=RETRY_LIMIT, offset=0)
    conflicts, _ = await repository.conflicts(session, connection, "open", page)
    held, _ = await repository.held_records(session, connection, "needs_mapping", page)
    open_conflicts = {row.external_id: dict(row.payload) for row in conflicts}
    retries = [
        (key, payload["record"])
        for key, payload in open_conflicts.items()
        if isinstance(payload.get("record"), dict)
    ]
    retries += [(row.external_id, dict(row.payload)) for row in held]
    return open_conflicts, retries


async def apply_records(
    session: AsyncSession,
    connection: Connection,
    records: Sequence[YclientsRecord],
    malformed: Iterable[MalformedRecord] = (),
    *,
    company_id: int,
    now: datetime,
    grace: timedelta | None = None,
    window_end: date | None = None,
    zone: ZoneInfo = _UTC,
) -> ImportCounts:
    """Applies one pull (``records`` in the server's order, ``malformed`` the ones it could
    not read), then tries again the records waiting for a mapping or for their time, and
    answers what happened. ``grace``: how long a new record's confirmation waits (None: the
    configured confirmation delay). ``window_end``: the last day of the window (in ``zone``,
    the location's), after which records never imported are left alone. Writes in the
    caller's transaction, never commits."""
    staff, services = await mapped_targets(session, connection)
    open_conflicts, retries = await _waiting(session, connection)
    importer = _Importer(
        session,
        connection,
        company_id=company_id,
        staff=staff,
        services=services,
        now=now,
        grace=grace,
        window_end=window_end,
        zone=zone,
        open_conflicts=open_conflicts,
    )
    counts = ImportCounts()
    pulled: set[str] = set()
    for record in records:
        pulled.add(record_key(company_id, record.id))
        _count(counts, *await importer.apply(record))
    for fault in malformed:
        label = f"record {fault.record_id}" if fault.record_id is not None else "a record"
        counts.errors += 1
        counts.reasons.append(f"{label}: {fault.reason}")
        if fault.record_id is not None:
            key = record_key(company_id, fault.record_id)
            pulled.add(key)
            await repository.hold_record(
                session,
                connection,
                external_id=key,
                reason="malformed",
                detail=fault.reason,
                payload={"id": fault.record_id},
            )
    for key, payload in retries:
        if key in pulled:
            continue  # this pull brought a newer version
        pulled.add(key)
        try:
            record = record_from_payload(payload)
        except InvalidField:
            log.warning("connection %s: the stored record %s cannot be read", connection.id, key)
            continue
        _count(counts, *await importer.apply(record))
    return counts
