"""How a failed delivery is retried: exponential backoff with a little jitter, up to a limit
of attempts, and never sooner than a provider's ``Retry-After``. Only transient failures are
retried; a message refused for good fails at once (and stays retryable by an operator)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job
from sqlalchemy.exc import InterfaceError, OperationalError

from slotwise.config import Settings
from slotwise.notifications.channels import RetryableError

# A provider's transient refusal, or the database being briefly unreachable.
_TRANSIENT = (RetryableError, OperationalError, InterfaceError)


class DeliveryRetry(BaseRetryStrategy):
    def __init__(
        self, max_attempts: int = 8, base_seconds: float = 15.0, max_seconds: float = 3600.0
    ) -> None:
        self.max_attempts, self.base_seconds, self.max_seconds = (
            max_attempts,
            base_seconds,
            max_seconds,
        )

    def configure(self, settings: Settings) -> None:
        self.max_attempts = settings.notification_max_attempts
        self.base_seconds = settings.notification_retry_base_seconds
        self.max_seconds = settings.notification_retry_max_seconds

    def is_final(self, job: Job) -> bool:
        """Whether the attempt running now is the last one (``attempts`` counts the earlier
        ones; an operator's retry of a failed job gets one more)."""
        return job.attempts + 1 >= self.max_attempts

    def wait_seconds(self, attempts: int, retry_after: float | None = None) -> float:
        wait = min(self.max_seconds, self.base_seconds * 2.0**attempts)
        # Spread the retries of many messages that failed together (the SMTP server was
        # down), so they do not all come back in the same second.
        wait *= random.uniform(1.0, 1.1)
        return max(wait, retry_after or 0.0)

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, asyncio.CancelledError):
            # Aborted by a worker's shutdown after its grace period: run it again soon
            # (the row says "sending" by this job, so the next run sends it).
            return RetryDecision(retry_at=datetime.now(UTC))
        if not isinstance(exception, _TRANSIENT) or self.is_final(job):
            return None
        retry_after = exception.retry_after if isinstance(exception, RetryableError) else None
        wait = self.wait_seconds(job.attempts, retry_after)
        return RetryDecision(retry_at=datetime.now(UTC) + timedelta(seconds=wait))


delivery_retry = DeliveryRetry()
