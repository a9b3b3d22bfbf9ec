"""Retrying failed jobs: exponential backoff with a little jitter, up to a limit of attempts,
and never sooner than the failure asks (``retry_after``). Only transient failures are retried:
the database being briefly unreachable, and whatever a task's own policy adds
(``transient``); anything else fails at once (and stays retryable by an operator)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job
from sqlalchemy.exc import InterfaceError, OperationalError


class BackoffRetry(BaseRetryStrategy):
    """A task's policy subclasses this, naming its own transient failures and, if they say
    how long to wait, reading it in ``retry_after``."""

    transient: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

    def __init__(
        self, max_attempts: int = 8, base_seconds: float = 15.0, max_seconds: float = 3600.0
    ) -> None:
        self.max_attempts, self.base_seconds, self.max_seconds = (
            max_attempts,
            base_seconds,
            max_seconds,
        )

    def retry_after(self, exception: BaseException) -> float | None:
        """The wait the failure itself asks for, in seconds (a provider's ``Retry-After``)."""
        return None

    def is_final(self, job: Job) -> bool:
        """Whether the attempt running now is the last one (``attempts`` counts the earlier
        ones; an operator's retry of a failed job gets one more)."""
        return job.attempts + 1 >= self.max_attempts

    def wait_seconds(self, attempts: int, retry_after: float | None = None) -> float:
        wait = min(self.max_seconds, self.base_seconds * 2.0**attempts)
        # Spread the retries of many jobs that failed together (the SMTP server was down),
        # so they do not all come back in the same second.
        wait *= random.uniform(1.0, 1.1)
        return max(wait, retry_after or 0.0)

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, asyncio.CancelledError):
            # Aborted by a worker's shutdown after its grace period: run it again soon
            # (the task finds what its earlier run left, e.g. a row marked by this job).
            return RetryDecision(retry_at=datetime.now(UTC))
        if not isinstance(exception, self.transient) or self.is_final(job):
            return None
        wait = self.wait_seconds(job.attempts, self.retry_after(exception))
        return RetryDecision(retry_at=datetime.now(UTC) + timedelta(seconds=wait))
