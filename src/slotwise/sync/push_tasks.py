"""The push job: one appointment written out to one connection (``yclients_push``).

It is deferred by ``pushes.planning`` in the transaction of the change, with the
connection's lock (the poller's too: a push and a poll of one connection never overlap) and
a queueing lock per appointment (a burst of edits is one push). The secret key and the
hosts a connection may reach although internal come from the worker's ``pushing``
resource.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from procrastinate import JobContext, RetryDecision
from procrastinate.jobs import Job

from slotwise.connections.settings import ConnectionSettings
from slotwise.jobs.app import QUEUE_SYNC, job_app
from slotwise.jobs.retry import BackoffRetry
from slotwise.jobs.runtime import JobRuntime, WorkerResource, job_runtime
from slotwise.outbound import AllowList
from slotwise.pushes.planning import PUSH_TASK
from slotwise.sync import yclients_push
from slotwise.sync.rate_limit import RateLimiter
from slotwise.sync.yclients import (
    YclientsBadResponse,
    YclientsUnavailable,
    YclientsUnreachable,
)
from slotwise.sync.yclients_push import PushOptions

_PUSHING = "slotwise.sync.push_tasks"
# procrastinate runs the jobs of one lock in order: a job waiting for its retry would hold
# back every later job of its connection (polls too). At a lower priority it lets them by,
# except a deletion's: until its record is gone, a poll would find a live record whose
# appointment no longer exists and could take it for someone else's.
RETRY_PRIORITY = -1


@dataclass(frozen=True)
class PushRuntime:
    secret_key: str
    allowed: AllowList
    options: PushOptions
    # One budget for every push of the worker: YClients counts requests per IP address, and
    # a client per job would forget the requests of the jobs just before it.
    limiter: RateLimiter


class PushRetry(BackoffRetry):
    """YClients busy or down (429, 5xx), not answering, or answering garbage: retried with
    backoff, never sooner than its ``Retry-After``. ``PushBlocked`` (credentials, address)
    and everything else fail at once."""

    transient = (
        YclientsUnavailable,
        YclientsUnreachable,
        YclientsBadResponse,
        *BackoffRetry.transient,
    )

    def configure(self, options: PushOptions) -> None:
        self.max_attempts = options.retry_attempts
        self.base_seconds = options.retry_base_seconds
        self.max_seconds = options.retry_max_seconds

    def retry_after(self, exception: BaseException) -> float | None:
        return exception.retry_after if isinstance(exception, YclientsUnavailable) else None

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        decision = super().get_retry_decision(exception=exception, job=job)
        if decision is None or isinstance(exception, asyncio.CancelledError):
            return decision
        if job.task_kwargs.get("deleted_start"):
            return decision
        return RetryDecision(retry_at=decision.retry_at, priority=RETRY_PRIORITY)


push_retry = PushRetry()


def pushing(settings: ConnectionSettings, options: PushOptions | None = None) -> WorkerResource:
    """The worker's resource for pushes: the secret key (read once, when the worker
    starts), the hosts connection URLs may reach although internal, and how pushes talk
    to YClients and are retried."""
    chosen = options or PushOptions()

    @asynccontextmanager
    async def open_pushing(runtime: JobRuntime) -> AsyncIterator[Mapping[str, object]]:
        push_retry.configure(chosen)
        yield {
            _PUSHING: PushRuntime(
                runtime.settings.resolved_secret_key(),
                settings.allow_list(),
                chosen,
                RateLimiter(chosen.rate_limits),
            )
        }

    return open_pushing


@job_app.task(name=PUSH_TASK, queue=QUEUE_SYNC, pass_context=True, retry=push_retry)
async def push_appointment(
    context: JobContext,
    connection_id: str,
    appointment_id: str,
    deleted_start: str | None = None,
) -> str:
    runtime = context.additional_context.get(_PUSHING)
    if not isinstance(runtime, PushRuntime):
        raise RuntimeError("The worker was started without the push resource")
    report = await yclients_push.push_appointment(
        job_runtime(context).sessionmaker,
        uuid.UUID(connection_id),
        uuid.UUID(appointment_id),
        secret_key=runtime.secret_key,
        allowed=runtime.allowed,
        now=datetime.now(UTC),
        options=runtime.options,
        retried=context.job.attempts > 0,
        deleted_start=datetime.fromisoformat(deleted_start) if deleted_start else None,
        limiter=runtime.limiter,
    )
    record = f" record {report.record_id}" if report.record_id is not None else ""
    detail = f": {report.detail}" if report.detail else ""
    return f"{report.outcome}{record}{detail}"
