"""Our appointments written out to YClients, one appointment and connection per run.

A run reads the appointment as it is *now* (a burst of edits costs one write of the latest
state) and makes YClients agree: a record is created for an active appointment of a mapped
specialist at the connection's location (``api_id`` = our appointment id, so the pull knows
it as ours), updated when the appointment changed, and deleted when it was cancelled,
deleted, or no longer concerns the connection (another specialist, another location). The
link (``sync_links``, direction ``pushed``, ``"<company_id>:<record_id>"``) is what says
which record is the appointment's.

No transaction stays open while YClients is asked: the state is read in one, the answer
stored in another. Failures:

- 401/403, unreadable credentials, an address not allowed: the connection is marked
  failing (operators told once) and :class:`PushBlocked` ends the job without retries; an
  operator can retry it once the connection is fixed.
- 429, 5xx, no answer, a broken answer: the error goes up and the job is retried with
  backoff, never sooner than ``Retry-After`` (``push_tasks.push_retry``). A create that may
  have gone through before it failed is looked up by our ``api_id`` first on the next try,
  so it is never made twice.
- Any other refusal (a busy or non-working time there, a client without a phone): recorded
  as a sync conflict of the appointment, resolved by the next write that goes through.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections import health
from slotwise.connections import repository as connections
from slotwise.connections.schemas import YClientsSettings
from slotwise.connections.secrets import CredentialsUnreadable
from slotwise.connections.service import connection_settings_of, load_credentials, mapped_targets
from slotwise.models import Connection, SyncLink
from slotwise.notifications import operator_notices
from slotwise.outbound import AllowList
from slotwise.pushes import repository as pushes
from slotwise.pushes.planning import IMPORTED_SOURCES, YCLIENTS
from slotwise.pushes.repository import PushState
from slotwise.realtime.events import record_sync_conflict
from slotwise.sync.rate_limit import RateLimiter
from slotwise.sync.yclients import (
    YCLIENTS_RATE_LIMITS,
    NewRecordClient,
    RecordDraft,
    RetryPolicy,
    ServiceLine,
    Window,
    WrittenRecord,
    YclientsAddressRefused,
    YclientsApi,
    YclientsAuthFailed,
    YclientsCredentials,
    YclientsNotFound,
    YclientsRejected,
)

log = logging.getLogger(__name__)

PUSHED = "pushed"
# Statuses whose appointment has no place in YClients' schedule any more.
GONE_STATUSES = frozenset({"cancelled"})
# YClients' attendance: 1 the client came, -1 did not; other statuses leave theirs alone.
_ATTENDANCE = {"in_progress": 1, "completed": 1, "no_show": -1}


@dataclass(frozen=True)
class PushOptions:
    """How pushes talk to YClients, and how a failed push is retried (the job's backoff:
    ``retry_base_seconds`` doubled per attempt, at most ``retry_max_seconds``, and never
    sooner than ``Retry-After``)."""

    rate_limits: tuple[Window, ...] = YCLIENTS_RATE_LIMITS
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 20.0
    retry_attempts: int = 8
    retry_base_seconds: float = 15.0
    retry_max_seconds: float = 600.0


class PushBlocked(Exception):
    """The connection cannot be written to until a person fixes it (credentials refused
    or unreadable, an address not allowed); it is marked failing with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    # Nothing there and nothing to write (an unmapped specialist, a deletion of an
    # appointment that was never pushed).
    NOTHING = "nothing"
    # YClients refused the record, or it cannot be made (no service mapped): a conflict.
    REJECTED = "rejected"
    # The connection is gone, disabled, or the appointment is an imported one.
    SKIPPED = "skipped"


@dataclass(frozen=True)
class PushReport:
    outcome: Outcome
    record_id: int | None = None
    detail: str = ""


def external_id_of(company_id: int, record_id: int) -> str:
    """A pushed record's id in ``sync_links``: with the company, so that a connection moved
    to another company never takes one company's record for the other's."""
    return f"{company_id}:{record_id}"


def conflict_key(appointment_id: uuid.UUID) -> str:
    """The ``external_id`` of a push's conflict: the record may not exist yet."""
    return f"slotwise:{appointment_id}"


def _linked_record(link: SyncLink | None, company_id: int) -> int | None:
    if link is None:
        return None
    company, _, record = link.external_id.partition(":")
    if company != str(company_id) or not record.isdigit():
        return None  # a record of the company the connection used to sync with
    return int(record)


@dataclass(frozen=True)
class _Wanted:
    """What YClients should hold for the appointment: a record like ``draft``, none
    (``draft`` None), or one that cannot be made (``missing`` says why)."""

    draft: RecordDraft | None = None
    missing: str | None = None


def _invert(mapping: dict[str, uuid.UUID]) -> dict[uuid.UUID, int]:
    """Target -> external id; of two external ids mapped to one target, the smaller."""
    inverted: dict[uuid.UUID, int] = {}
    for external_id, target in sorted(mapping.items(), key=lambda item: item[0]):
        if external_id.isdigit():
            known = inverted.get(target)
            inverted[target] = int(external_id) if known is None else min(known, int(external_id))
    return inverted


def _wanted(
    state: PushState | None,
    connection: Connection,
    staff_of: dict[uuid.UUID, int],
    service_of: dict[uuid.UUID, int],
) -> _Wanted:
    if (
        state is None
        or state.status in GONE_STATUSES
        or state.location_id != connection.location_id
    ):
        return _Wanted()
    staff = sorted(staff_of[s] for s in state.specialist_ids if s in staff_of)
    if not staff:
        return _Wanted()
    services = [ServiceLine(service_of[s]) for s in state.service_ids if s in service_of]
    if not services:
        return _Wanted(missing="none of the appointment's services is mapped to YClients")
    client = state.client
    name = " ".join(filter(None, (client.first_name, client.last_name))) if client else ""
    start = state.start_at.astimezone(ZoneInfo(state.time_zone))
    return _Wanted(
        RecordDraft(
            # A YClients record has one staff member: of several mapped workers, the first
            # by YClients id, so every push of the appointment names the same one.
            staff_id=staff[0],
            # Without a cost YClients prices the services itself, in its own currency.
            services=tuple(services),
            client=NewRecordClient(
                phone=(client.phone or "") if client else "",
                name=name,
                email=client.email if client else None,
            ),
            start=start,
            length=state.end_at - state.start_at,
            comment=state.notes,
            api_id=str(state.id),
            attendance=_ATTENDANCE.get(state.status),
        )
    )


@dataclass(frozen=True)
class _Read:
    connection_id: uuid.UUID
    firm_id: uuid.UUID
    settings: YClientsSettings
    credentials: YclientsCredentials | None
    unreadable: str | None
    state: PushState | None
    record_id: int | None
    wanted: _Wanted


async def _read(
    session: AsyncSession, connection: Connection, appointment_id: uuid.UUID, secret_key: str
) -> _Read:
    settings = connection_settings_of(connection)
    assert isinstance(settings, YClientsSettings)
    credentials, unreadable = None, None
    try:
        stored = load_credentials(connection, secret_key)
        credentials = YclientsCredentials(stored["partner_token"], stored["user_token"])
    except CredentialsUnreadable as exc:
        unreadable = str(exc)
    except KeyError:
        unreadable = "The connection's credentials lack a YClients token; enter them again"
    state = await pushes.appointment_state(session, connection.firm_id, appointment_id)
    link = await connections.link_of_appointment(session, connection, appointment_id)
    staff, services = await mapped_targets(session, connection)
    return _Read(
        connection_id=connection.id,
        firm_id=connection.firm_id,
        settings=settings,
        credentials=credentials,
        unreadable=unreadable,
        state=state,
        record_id=_linked_record(link, settings.company_id),
        wanted=_wanted(state, connection, _invert(staff), _invert(services)),
    )


async def push_appointment(
    maker: async_sessionmaker[AsyncSession],
    connection_id: uuid.UUID,
    appointment_id: uuid.UUID,
    *,
    secret_key: str,
    allowed: AllowList,
    now: datetime,
    options: PushOptions | None = None,
    retried: bool = False,
    deleted_start: datetime | None = None,
    limiter: RateLimiter | None = None,
) -> PushReport:
    """Makes the connection's YClients agree with the appointment as it is now.

    ``retried``: an earlier attempt failed (it may have created the record before failing);
    ``deleted_start``: the appointment was deleted, and this is where it was (its link
    went with it, so its record is found by our ``api_id`` around that time);
    ``limiter``: the worker's budget for YClients, shared by its pushes (without one, the
    run has ``options.rate_limits`` to itself)."""
    options = options or PushOptions()
    async with maker() as session, session.begin():
        connection = await session.get(Connection, connection_id)
        if connection is None or not connection.enabled or connection.kind != YCLIENTS:
            return PushReport(Outcome.SKIPPED, detail="the connection is gone or disabled")
        read = await _read(session, connection, appointment_id, secret_key)
    if read.state is not None and read.state.source in IMPORTED_SOURCES:
        return PushReport(Outcome.SKIPPED, detail="imported appointments are never pushed back")
    wanted = read.wanted
    if wanted.missing is not None:
        await _store_conflict(maker, read, appointment_id, wanted.missing, {}, now)
        return PushReport(Outcome.REJECTED, read.record_id, wanted.missing)
    if wanted.draft is None and read.record_id is None and deleted_start is None:
        return PushReport(Outcome.NOTHING)
    if read.credentials is None:
        await _block(maker, connection_id, read.unreadable or "unreadable credentials", now)
    api = YclientsApi(
        read.credentials,
        base_url=read.settings.base_url,
        allowed=allowed,
        timeout=options.timeout,
        rate_limits=options.rate_limits,
        retry=options.retry,
        limiter=limiter,
    )
    company = read.settings.company_id
    try:
        async with api:
            if wanted.draft is None:
                report = await _delete(api, company, appointment_id, read.record_id, deleted_start)
                written = None
            else:
                report, written = await _write(
                    api, company, wanted.draft, read.record_id, read.state, retried
                )
    except (YclientsAuthFailed, YclientsAddressRefused) as exc:
        await _block(maker, connection_id, exc.reason, now)
    except YclientsRejected as exc:
        # Not a 404: the deletions and updates take those as "gone there".
        reason = f"YClients refused the record: {exc.message or exc.reason}"
        payload = {"status": exc.status, "message": exc.message}
        await _store_conflict(maker, read, appointment_id, reason, payload, now)
        return PushReport(Outcome.REJECTED, read.record_id, reason)
    await _store(maker, read, appointment_id, report, written, now)
    return report


def _window_around(moment: datetime) -> tuple[datetime, datetime]:
    # YClients reads days in the company's zone, which no offset moves by more than a day.
    moment = moment.astimezone(UTC)
    return moment - timedelta(days=1), moment + timedelta(days=1)


async def _find_ours(
    api: YclientsApi, company: int, appointment_id: uuid.UUID, around: datetime
) -> int | None:
    """The live record carrying our ``api_id``, on the days around ``around``."""
    start, end = _window_around(around)
    pulled = await api.pull(company, start.date(), end.date(), with_deleted=False)
    ours = [r.id for r in pulled.records if r.api_id == str(appointment_id) and not r.deleted]
    return min(ours) if ours else None


async def _delete(
    api: YclientsApi,
    company: int,
    appointment_id: uuid.UUID,
    record_id: int | None,
    deleted_start: datetime | None,
) -> PushReport:
    if record_id is None and deleted_start is not None:
        record_id = await _find_ours(api, company, appointment_id, deleted_start)
    if record_id is None:
        return PushReport(Outcome.NOTHING)
    try:
        await api.delete_record(company, record_id)
    except YclientsNotFound:
        pass  # an admin deleted it there already
    return PushReport(Outcome.DELETED, record_id)


async def _write(
    api: YclientsApi,
    company: int,
    draft: RecordDraft,
    record_id: int | None,
    state: PushState | None,
    retried: bool,
) -> tuple[PushReport, WrittenRecord]:
    if record_id is None and retried and state is not None:
        record_id = await _find_ours(api, company, state.id, state.start_at)
    if record_id is not None:
        try:
            written = await api.write_record(company, draft, record_id=record_id)
        except YclientsNotFound:
            # Deleted there while the booking stands here: made again, so that YClients
            # keeps the time taken (cancelling is done in Slotwise).
            pass
        else:
            return PushReport(Outcome.UPDATED, written.id), written
    written = await api.write_record(company, draft)
    return PushReport(Outcome.CREATED, written.id), written


async def _store(
    maker: async_sessionmaker[AsyncSession],
    read: _Read,
    appointment_id: uuid.UUID,
    report: PushReport,
    written: WrittenRecord | None,
    now: datetime,
) -> None:
    async with maker() as session, session.begin():
        connection = await session.get(Connection, read.connection_id)
        if connection is None:
            return
        if written is None:
            await connections.unlink(session, connection, appointment_id)
        elif await pushes.lock_appointment(session, read.firm_id, appointment_id):
            await connections.link(
                session,
                connection,
                appointment_id=appointment_id,
                external_id=external_id_of(read.settings.company_id, written.id),
                direction=PUSHED,
                external_version=written.version,
                now=now,
            )
        # Else the appointment was deleted while we wrote: the job its deletion deferred
        # runs after this one and finds the record by our api_id.
        await connections.resolve_conflict(session, connection, conflict_key(appointment_id), now)


async def _store_conflict(
    maker: async_sessionmaker[AsyncSession],
    read: _Read,
    appointment_id: uuid.UUID,
    reason: str,
    payload: dict[str, object],
    now: datetime,
) -> None:
    async with maker() as session, session.begin():
        connection = await session.get(Connection, read.connection_id)
        if connection is None or not await pushes.lock_appointment(
            session, read.firm_id, appointment_id
        ):
            return
        opened = await connections.open_conflict(
            session,
            connection,
            external_id=conflict_key(appointment_id),
            appointment_id=appointment_id,
            reason=reason,
            payload={"direction": "push", "at": now.isoformat(), **payload},
        )
        if opened.created:
            # On the directors' stream; no email: its wording is about a record not imported.
            await record_sync_conflict(session, read.firm_id, opened.conflict)


async def _block(
    maker: async_sessionmaker[AsyncSession], connection_id: uuid.UUID, reason: str, now: datetime
) -> NoReturn:
    async with maker() as session, session.begin():
        connection = await session.get(Connection, connection_id, with_for_update=True)
        if connection is not None and health.mark_failing(connection, reason, now):
            # The connection's status says it is failing, with the reason, from now on.
            log.warning("connection %s is failing: %s", connection_id, reason)
            await operator_notices.plan_connection_failing(session, connection, now)
    raise PushBlocked(reason)
