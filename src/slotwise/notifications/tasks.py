"""The notifications' background tasks: delivering one message, planning reminders, and
giving waiting messages their delivery job.

Delivery needs the channels' settings and an HTTP client for the providers for as long as the
worker runs: the worker is handed ``delivery(channels)`` as one of its resources.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from procrastinate import JobContext

from slotwise.jobs.app import QUEUE_NOTIFICATIONS, QUEUE_PERIODIC, job_app
from slotwise.jobs.periodic import periodic
from slotwise.jobs.runtime import JobRuntime, WorkerResource, job_runtime
from slotwise.notifications import delivery as deliveries
from slotwise.notifications import dispatch, reminders
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.delivery import DeliveryRuntime
from slotwise.notifications.retry import delivery_retry

_DELIVERY = "slotwise.notifications.delivery"


def delivery(channels: ChannelSettings) -> WorkerResource:
    """The worker's resource for delivery: a ``DeliveryRuntime`` on the worker's database,
    with one HTTP client; the retry policy follows the worker's settings."""

    @asynccontextmanager
    async def open_delivery(runtime: JobRuntime) -> AsyncIterator[Mapping[str, object]]:
        delivery_retry.configure(runtime.settings)
        secret = runtime.settings.resolved_secret_key()  # once, when the worker starts
        async with httpx.AsyncClient() as http:
            yield {
                _DELIVERY: DeliveryRuntime(
                    runtime.sessionmaker, runtime.settings, channels, http, secret
                )
            }

    return open_delivery


def _delivery_runtime(context: JobContext) -> DeliveryRuntime:
    runtime = context.additional_context[_DELIVERY]
    assert isinstance(runtime, DeliveryRuntime)
    return runtime


@job_app.task(
    name=dispatch.DELIVER_TASK, queue=QUEUE_NOTIFICATIONS, pass_context=True, retry=delivery_retry
)
async def deliver_notification(context: JobContext, notification_id: str, firm_id: str) -> str:
    """Sends one outbox row (``firm_id`` is there for the ops screens' tenant filter)."""
    assert context.job.id is not None
    return await deliveries.deliver(
        _delivery_runtime(context),
        uuid.UUID(notification_id),
        job_id=context.job.id,
        final_attempt=delivery_retry.is_final(context.job),
    )


@periodic(cron=lambda settings: settings.cron_reminders)
@job_app.task(
    name="plan_reminders", queue=QUEUE_PERIODIC, pass_context=True, queueing_lock="plan_reminders"
)
async def plan_reminders(context: JobContext, timestamp: int) -> str:
    runtime = job_runtime(context)
    now = datetime.now(UTC)
    async with runtime.sessionmaker.begin() as session:
        withdrawn, planned = await reminders.sweep(
            session, now, runtime.settings.reminder_planning_days
        )
        horizon = timedelta(seconds=runtime.settings.notification_dispatch_horizon_seconds)
        await dispatch.enqueue(session, planned, now=now, horizon=horizon)
    return f"{len(planned)} reminders planned, {withdrawn} withdrawn"


@periodic(cron=lambda settings: settings.cron_dispatch)
@job_app.task(
    name="dispatch_notifications",
    queue=QUEUE_PERIODIC,
    pass_context=True,
    queueing_lock="dispatch_notifications",
)
async def dispatch_notifications(context: JobContext, timestamp: int) -> str:
    runtime = job_runtime(context)
    horizon = timedelta(seconds=runtime.settings.notification_dispatch_horizon_seconds)
    total = 0
    while True:
        async with runtime.sessionmaker.begin() as session:
            count = await dispatch.sweep(session, datetime.now(UTC), horizon)
        total += count
        if count < 500:
            return f"{total} notifications queued"
