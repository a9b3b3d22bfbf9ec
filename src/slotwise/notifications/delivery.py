"""Sending one outbox row, at most once per attempt and never again once sent.

1. In a short transaction, with the row locked: stop if it is finished, not due, or no
   longer applies (the appointment moved, was cancelled, ...); choose the channels; render;
   mark it ``sending`` with this job's id. Commit.
2. Talk to the provider, outside any transaction.
3. Record the outcome: ``sent``; back to ``pending`` for a retry (the job raises, the queue
   waits with exponential backoff); ``failed`` after the last attempt or when every channel
   refused for good.

A job that finds the row ``sending`` knows an earlier attempt died between 1 and 3 (its
worker was killed): unless that attempt's job is still running somewhere, it sends again.
The provider can then only have the message twice if the worker died in the instant
between the provider accepting it and step 3; the email ``Message-ID`` (derived from the
row id) is the same on both, so the copy is recognisable.

A client's browsers that asked for messages (the booking page's "Get reminders in this
browser"), and an operator's browsers subscribed to Web Push, also get a copy of a message
that went out on another channel: for them push is an addition, not only the fallback. The
copy is best effort: the message has gone out, and a browser that cannot take it now is no
reason to send the message again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import httpx
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.config import Settings
from slotwise.jobs import repository as job_queries
from slotwise.models import Notification
from slotwise.notifications import content, lookups, operator_notices, repository, verification
from slotwise.notifications.channels import (
    Channel,
    ChannelSettings,
    OutgoingMessage,
    PermanentError,
    PushRecipient,
    RetryableError,
    SubscriptionGone,
    send,
)
from slotwise.notifications.recipients import Route, Target, route
from slotwise.notifications.templates import Rendered, render

logger = logging.getLogger(__name__)

# A job may start a moment before the row's time by the database's clock.
_EARLY = timedelta(seconds=5)


class DeliveryFailed(PermanentError):
    """Every channel refused the message for good; the job fails (operators can retry it)."""


@dataclass(frozen=True)
class DeliveryRuntime:
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    channels: ChannelSettings
    http: httpx.AsyncClient | None = None
    # The server's secret key (guests' verification codes are derived with it); read from
    # the settings when not given.
    secret_key: str | None = None


@dataclass(frozen=True)
class _Prepared:
    row_id: uuid.UUID
    appointment_id: uuid.UUID | None
    type: str
    starts_at: datetime | None
    rendered: Rendered
    route: Route
    # A client's or an operator's browsers get a copy of a message sent on another channel.
    copies_to_browsers: bool


async def _prepare(
    session: AsyncSession,
    runtime: DeliveryRuntime,
    notification_id: uuid.UUID,
    job_id: int | None,
    now: datetime,
) -> _Prepared | str:
    row = await repository.lock(session, notification_id)
    if row is None:
        return "missing"
    if row.status in ("sent", "skipped", "cancelled"):
        return row.status
    if row.send_after > now + _EARLY:
        return "not due"
    if (
        row.status == "sending"
        and row.sending_job_id not in (None, job_id)
        and await job_queries.job_is_running(session, row.sending_job_id)
    ):
        raise RetryableError(f"job {row.sending_job_id} is sending this message right now")
    configured = runtime.channels.configured_channels()
    starts_at: datetime | None
    if row.recipient_kind == "guest":
        guest = await verification.message(session, row, _secret_of(runtime), configured, now)
        if isinstance(guest, str):
            row.status, row.last_error = "cancelled", guest
            return "cancelled"
        rendered, found = guest
        starts_at = None
    elif row.recipient_kind == "operator":
        notice = await operator_notices.message(
            session, row, configured, runtime.settings.resolved_public_base_url()
        )
        if isinstance(notice, str):
            row.status, row.last_error = "cancelled", notice
            return "cancelled"
        rendered, found = notice
        starts_at = None
    else:
        facts = await content.gather(session, row)
        reason = content.why_not(row, facts, now)
        if reason is not None:
            row.status, row.last_error = "cancelled", reason
            return "cancelled"
        assert facts is not None and facts.view is not None
        found = await route(
            session,
            row,
            facts,
            default_order=runtime.settings.notification_channel_order,
            configured=configured,
        )
        link = content.manage_link(row, facts, _link_terms(runtime))
        rendered = render(
            row.type, content.locale(facts), content.template_context(row, facts, manage=link)
        )
        starts_at = facts.view.start_at
    if not found.targets:
        row.status = "skipped"
        row.last_error = "no usable address: " + "; ".join(found.passed_over)
        return "skipped"
    row.status, row.locale = "sending", rendered.locale
    row.attempts += 1
    row.sending_job_id, row.sending_started_at = job_id, now
    return _Prepared(
        row.id,
        row.appointment_id,
        row.type,
        starts_at,
        rendered,
        found,
        copies_to_browsers=row.recipient_kind in ("client", "operator"),
    )


@lru_cache(maxsize=8)
def _secret(secret_key: str | None, data_dir: Path) -> str:
    # The key generated into the data directory is read once per process, not per message.
    return Settings(secret_key=secret_key, data_dir=data_dir).resolved_secret_key()


def _secret_of(runtime: DeliveryRuntime) -> str:
    settings = runtime.settings
    return runtime.secret_key or _secret(settings.secret_key, settings.data_dir)


def _link_terms(runtime: DeliveryRuntime) -> content.LinkTerms:
    settings = runtime.settings
    return content.LinkTerms(
        secret=_secret_of(runtime),
        base_url=settings.resolved_public_base_url(),
        days_after_end=settings.manage_link_days_after_end,
    )


async def _record(runtime: DeliveryRuntime, notification_id: uuid.UUID, **values: object) -> None:
    async with runtime.sessionmaker.begin() as session:
        await session.execute(
            update(Notification)
            .where(Notification.id == notification_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _message(prepared: _Prepared, target: Target, index: int, now: datetime) -> OutgoingMessage:
    ttl = None
    if prepared.starts_at is not None and prepared.starts_at > now:
        # A push that arrives after the appointment started is worthless.
        ttl = int((prepared.starts_at - now).total_seconds())
    return OutgoingMessage(
        recipient=target.recipients[index],
        subject=prepared.rendered.subject,
        text=prepared.rendered.text,
        html=prepared.rendered.html,
        summary=prepared.rendered.summary,
        idempotency_key=str(prepared.row_id),
        url=prepared.rendered.url,
        ttl_seconds=ttl,
        topic=str(prepared.appointment_id) if prepared.appointment_id else None,
        data={
            "type": prepared.type,
            **({"appointment_id": str(prepared.appointment_id)} if prepared.appointment_id else {}),
        },
    )


async def _send_to(
    runtime: DeliveryRuntime, prepared: _Prepared, target: Target, now: datetime
) -> None:
    """Sends on one channel; on Web Push to every browser of the recipient, succeeding if
    one took it. A browser whose subscription is gone is forgotten."""
    delivered = 0
    transient: list[RetryableError] = []
    refused: list[str] = []
    for index, recipient in enumerate(target.recipients):
        try:
            await send(_message(prepared, target, index, now), runtime.channels, http=runtime.http)
            delivered += 1
        except SubscriptionGone as exc:
            refused.append(exc.reason)
            if isinstance(recipient, PushRecipient):
                async with runtime.sessionmaker.begin() as session:
                    await lookups.delete_push_subscription(session, recipient.endpoint)
        except RetryableError as exc:
            transient.append(exc)
        except PermanentError as exc:
            refused.append(exc.reason)
    if delivered:
        return
    if transient:
        raise transient[0]
    raise PermanentError("; ".join(refused))


async def _copy_to_browsers(
    runtime: DeliveryRuntime,
    prepared: _Prepared,
    sent: Target,
    untried: Sequence[Target],
    now: datetime,
) -> None:
    # Only the channels after the one that took it: a browser tried before has refused.
    if not prepared.copies_to_browsers or sent.channel is Channel.WEBPUSH:
        return
    for target in untried:
        if target.channel is not Channel.WEBPUSH:
            continue
        try:
            await _send_to(runtime, prepared, target, now)
        except (RetryableError, PermanentError) as exc:
            logger.info("push copy of %s not delivered: %s", prepared.row_id, exc.reason)


async def deliver(
    runtime: DeliveryRuntime,
    notification_id: uuid.UUID,
    *,
    job_id: int | None = None,
    final_attempt: bool = True,
    now: datetime | None = None,
) -> str:
    """Delivers the row; returns what happened (``sent``, ``cancelled``, ``skipped``, ...).
    Raises ``RetryableError`` to be retried later, ``DeliveryFailed`` when it failed for
    good."""
    now = now or datetime.now(UTC)
    async with runtime.sessionmaker.begin() as session:
        # Losing this commit in a database crash costs nothing: a row found "pending" is
        # sent just as one found "sending" by a dead job. Not waiting for the disk saves a
        # flush per message; the "sent" record below is written durably.
        await session.execute(text("SET LOCAL synchronous_commit = off"))
        prepared = await _prepare(session, runtime, notification_id, job_id, now)
    if isinstance(prepared, str):
        return prepared
    refused: list[str] = []
    targets = prepared.route.targets
    for index, target in enumerate(targets):
        try:
            await _send_to(runtime, prepared, target, now)
        except RetryableError as exc:
            status = "failed" if final_attempt else "pending"
            await _record(
                runtime,
                prepared.row_id,
                status=status,
                channel=target.channel.value,
                address=target.address,
                last_error=exc.reason[:2000],
            )
            raise
        except PermanentError as exc:
            refused.append(f"{target.channel.value}: {exc.reason}")
            continue
        await _record(
            runtime,
            prepared.row_id,
            status="sent",
            channel=target.channel.value,
            address=target.address,
            sent_at=datetime.now(UTC),
            last_error="; ".join(refused) or None,
        )
        await _copy_to_browsers(runtime, prepared, target, targets[index + 1 :], now)
        return "sent"
    reason = "; ".join(refused + prepared.route.passed_over)
    await _record(runtime, prepared.row_id, status="failed", last_error=reason[:2000])
    raise DeliveryFailed(reason)
