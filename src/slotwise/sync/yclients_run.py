"""One poll of one connection: what the poller's job runs (``sync.tasks``). A CalDAV
connection is handed to its own poll (``caldav_run``); a YClients one is polled here.

Three steps, so that no transaction stays open while YClients is asked:

1. read the connection and open the run (committed: the run shows as under way);
2. ask YClients (the pulls the cursor calls for; the staff and service lists when a record
   names one we have never listed, so that mappings can be suggested by name);
3. in one transaction: apply the records (``yclients_import``), move the cursor, close the
   run with its counts, mark the connection healthy and set its next turn.

A failure leaves the cursor where it was (nothing half-written: the records and the cursor
commit together, or neither does): 401/403 and answers that are not the API's mark the
connection failing, and tell the operators once per failure; 429, 5xx and no answer try
again later, not before ``Retry-After``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections import health, repository
from slotwise.connections.schemas import YClientsSettings
from slotwise.connections.secrets import CredentialsUnreadable
from slotwise.connections.service import connection_settings_of, load_credentials, suggest_mappings
from slotwise.models import Connection, Location, SyncRun
from slotwise.outbound import AllowList
from slotwise.repository import get_in_firm
from slotwise.sync.caldav_run import run_caldav_connection
from slotwise.sync.rate_limit import Window
from slotwise.sync.run_outcomes import RunReport, failed_run, skipped_run
from slotwise.sync.yclients import (
    YCLIENTS_RATE_LIMITS,
    RetryPolicy,
    YclientsAddressRefused,
    YclientsApi,
    YclientsAuthFailed,
    YclientsCredentials,
    YclientsError,
    YclientsUnavailable,
    YclientsUnreachable,
)
from slotwise.sync.yclients_cursor import PollPlan, Pulled, merge, next_cursor, plan_poll
from slotwise.sync.yclients_import import apply_records

__all__ = ["ApiOptions", "RunReport", "run_connection"]

log = logging.getLogger(__name__)

KIND = "yclients"
CALDAV = "caldav"


@dataclass(frozen=True)
class ApiOptions:
    """How the poller's clients talk to YClients (tests: no provider-sized rate limit)."""

    rate_limits: tuple[Window, ...] = YCLIENTS_RATE_LIMITS
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 20.0


@dataclass(frozen=True)
class _Started:
    """What step 1 read, for the steps after it."""

    run_id: uuid.UUID
    settings: YClientsSettings
    raw_settings: dict[str, Any]
    cursor: dict[str, Any]
    credentials: YclientsCredentials
    plan: PollPlan
    zone: ZoneInfo
    known_staff: frozenset[str]
    known_services: frozenset[str]


@dataclass(frozen=True)
class _Fetched:
    pulled: Pulled
    staff: list[tuple[str, str]] | None  # listed only when a record named an unknown one
    services: list[tuple[str, str]] | None
    requests: int


def _grace(raw_settings: dict[str, Any]) -> timedelta | None:
    """The connection's own grace delay when it has one, else the configured delay."""
    value = raw_settings.get("grace_seconds")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=value)
    return None


async def _zone(session: AsyncSession, connection: Connection) -> ZoneInfo:
    # YClients reads start_date/end_date as the company's days: those of the location the
    # connection maps into.
    location = await get_in_firm(session, Location, connection.firm_id, connection.location_id)
    return ZoneInfo(location.time_zone)


async def _start(
    session: AsyncSession, connection: Connection, *, secret_key: str, now: datetime
) -> _Started:
    """Raises ``ValidationError`` (settings) or ``CredentialsUnreadable``."""
    settings = connection_settings_of(connection)
    assert isinstance(settings, YClientsSettings)
    stored = load_credentials(connection, secret_key)
    credentials = YclientsCredentials(stored.get("partner_token", ""), stored.get("user_token", ""))
    mappings = await repository.mappings(session, connection)
    zone = await _zone(session, connection)
    run = await repository.start_run(session, connection, now)
    return _Started(
        run_id=run.id,
        settings=settings,
        raw_settings=dict(connection.settings),
        cursor=dict(connection.cursor),
        credentials=credentials,
        plan=plan_poll(connection.cursor, now.astimezone(zone).date(), settings.window_days),
        zone=zone,
        known_staff=frozenset(row.external_id for row in mappings if row.kind == "staff"),
        known_services=frozenset(row.external_id for row in mappings if row.kind == "service"),
    )


async def _fetch(started: _Started, *, allowed: AllowList, options: ApiOptions) -> _Fetched:
    """Raises the client's ``YclientsError``s."""
    company_id = started.settings.company_id
    async with YclientsApi(
        started.credentials,
        base_url=started.settings.base_url,
        allowed=allowed,
        timeout=options.timeout,
        rate_limits=options.rate_limits,
        retry=options.retry,
    ) as api:
        results = [
            await api.pull(company_id, part.start, part.end, part.changed_after)
            for part in started.plan.ranges
        ]
        pulled = merge(results)
        named_staff = {str(record.staff_id) for record in pulled.records}
        named_services = {str(line.id) for record in pulled.records for line in record.services}
        staff = services = None
        if named_staff - started.known_staff or named_services - started.known_services:
            staff = [(str(item.id), item.name) for item in await api.list_staff(company_id)]
            services = [(str(item.id), item.name) for item in await api.list_services(company_id)]
        return _Fetched(pulled, staff, services, api.requests_sent)


async def _apply(
    session: AsyncSession,
    connection: Connection,
    run: SyncRun,
    started: _Started,
    fetched: _Fetched,
    now: datetime,
) -> None:
    if fetched.staff is not None and fetched.services is not None:
        await suggest_mappings(session, connection, fetched.staff, fetched.services)
    counts = await apply_records(
        session,
        connection,
        fetched.pulled.records,
        fetched.pulled.malformed,
        company_id=started.settings.company_id,
        now=now,
        grace=_grace(started.raw_settings),
        window_end=started.plan.window_end,
        zone=started.zone,
    )
    await repository.finish_run(
        session,
        run,
        outcome="partial" if counts.errors else "ok",
        now=now,
        error=counts.error_summary(),
        requests=fetched.requests,
        imported=counts.imported,
        updated=counts.updated,
        deleted=counts.deleted,
        conflicts=counts.conflicts,
        errors=counts.errors,
    )
    health.mark_ok(connection, now, next_cursor(started.plan, fetched.pulled))
    health.schedule_next(connection, now)


def _changed_meanwhile(connection: Connection, started: _Started) -> bool:
    """Someone gave the connection new settings (which also drops its cursor) while it
    was polled: what was pulled belongs to the old ones."""
    return connection.settings != started.raw_settings or connection.cursor != started.cursor


def _backoff(connection_interval: int, error: YclientsError) -> float:
    """Not before the provider's ``Retry-After``, and never sooner than the usual turn."""
    retry_after = error.retry_after if isinstance(error, YclientsUnavailable) else None
    return max(float(connection_interval), retry_after or 0.0)


async def _kind_to_poll(
    sessionmaker: async_sessionmaker[AsyncSession], connection_id: uuid.UUID, now: datetime
) -> str | RunReport:
    """The connection's kind, or the report of a run that cannot happen."""
    async with sessionmaker.begin() as session:
        connection = await repository.connection_to_run(session, connection_id)
        if connection is None:
            return skipped_run(connection_id, now, "the connection no longer exists")
        if not connection.enabled:
            # Disabled after its run was queued: the sweep leaves it alone from now on.
            return skipped_run(connection_id, now, "the connection is disabled")
        if connection.kind not in (KIND, CALDAV):
            # A kind no poll serves: its turn moves on, so the sweep does not take it again
            # and again.
            health.schedule_next(connection, now)
            return skipped_run(connection_id, now, f"no poller for {connection.kind} connections")
        return connection.kind


async def _run_calendar(
    sessionmaker: async_sessionmaker[AsyncSession],
    connection_id: uuid.UUID,
    *,
    secret_key: str,
    allowed: AllowList,
    now: datetime,
    timeout: float,
) -> RunReport:
    report = await run_caldav_connection(
        sessionmaker,
        connection_id,
        secret_key=secret_key,
        allowed=allowed,
        now=now,
        timeout=timeout,
    )
    if report is None:
        return skipped_run(connection_id, now, "the connection was deleted or disabled")
    return report


async def run_connection(
    sessionmaker: async_sessionmaker[AsyncSession],
    connection_id: uuid.UUID,
    *,
    secret_key: str,
    allowed: AllowList,
    now: datetime,
    api_options: ApiOptions | None = None,
) -> RunReport:
    """Polls the connection once and records the run; see the module's docstring."""
    options = api_options or ApiOptions()
    kind = await _kind_to_poll(sessionmaker, connection_id, now)
    if isinstance(kind, RunReport):
        return kind
    if kind == CALDAV:
        return await _run_calendar(
            sessionmaker,
            connection_id,
            secret_key=secret_key,
            allowed=allowed,
            now=now,
            timeout=options.timeout,
        )
    return await _run_yclients(
        sessionmaker,
        connection_id,
        secret_key=secret_key,
        allowed=allowed,
        now=now,
        options=options,
    )


async def _run_yclients(
    sessionmaker: async_sessionmaker[AsyncSession],
    connection_id: uuid.UUID,
    *,
    secret_key: str,
    allowed: AllowList,
    now: datetime,
    options: ApiOptions,
) -> RunReport:
    async with sessionmaker.begin() as session:
        connection = await repository.connection_to_run(session, connection_id)
        if connection is None or connection.kind != KIND:
            return skipped_run(connection_id, now, "the connection no longer exists")
        start_error = ""
        interval = connection.poll_interval_seconds
        started: _Started | None = None
        try:
            started = await _start(session, connection, secret_key=secret_key, now=now)
        except CredentialsUnreadable as exc:
            start_error = str(exc)
        except ValidationError:
            start_error = "The connection's settings are not valid YClients settings"
    if started is None:
        return await failed_run(
            sessionmaker, connection_id, None, now, reason=start_error, failing=True
        )

    try:
        fetched = await _fetch(started, allowed=allowed, options=options)
    except (YclientsUnavailable, YclientsUnreachable) as exc:
        if isinstance(exc, YclientsAddressRefused):
            return await failed_run(
                sessionmaker, connection_id, started.run_id, now, reason=exc.reason, failing=True
            )
        log.info("connection %s: %s; trying again later", connection_id, exc.reason)
        return await failed_run(
            sessionmaker,
            connection_id,
            started.run_id,
            now,
            reason=exc.reason,
            failing=False,
            delay_seconds=_backoff(interval, exc),
        )
    except YclientsError as exc:
        # 401/403 (YclientsAuthFailed), the company refused or missing, answers that are not
        # the API's: nothing changes until a person looks.
        if not isinstance(exc, YclientsAuthFailed):
            log.warning("connection %s: %s", connection_id, exc.reason)
        return await failed_run(
            sessionmaker, connection_id, started.run_id, now, reason=exc.reason, failing=True
        )

    try:
        async with sessionmaker.begin() as session:
            connection = await repository.connection_to_run(session, connection_id)
            if connection is None:
                return skipped_run(connection_id, now, "the connection was deleted during its run")
            run = await session.get(SyncRun, started.run_id)
            assert run is not None  # the connection's own, deleted only with it
            if _changed_meanwhile(connection, started):
                await repository.finish_run(
                    session,
                    run,
                    outcome="failed",
                    now=now,
                    error="The connection's settings changed during the run; the next run "
                    "uses the new ones",
                    requests=fetched.requests,
                )
                return RunReport(run)
            await _apply(session, connection, run, started, fetched, now)
            return RunReport(run)
    except Exception:
        # A fault of ours (or the database's): the records and the cursor were rolled back
        # together, so the next run reads the same records again.
        log.exception("connection %s: applying the pulled records failed", connection_id)
        return await failed_run(
            sessionmaker,
            connection_id,
            started.run_id,
            now,
            reason="Applying the records failed (an internal error, logged); trying again",
            failing=False,
            delay_seconds=float(interval),
            requests=fetched.requests,
        )
