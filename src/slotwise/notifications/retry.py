"""How a failed delivery is retried: the jobs' backoff (``jobs/retry.py``), with a provider's
transient refusal retried too, never sooner than its ``Retry-After``. A message refused for
good fails at once (and stays retryable by an operator)."""

from __future__ import annotations

from slotwise.config import Settings
from slotwise.jobs.retry import BackoffRetry
from slotwise.notifications.channels import RetryableError


class DeliveryRetry(BackoffRetry):
    transient = (RetryableError, *BackoffRetry.transient)

    def configure(self, settings: Settings) -> None:
        self.max_attempts = settings.notification_max_attempts
        self.base_seconds = settings.notification_retry_base_seconds
        self.max_seconds = settings.notification_retry_max_seconds

    def retry_after(self, exception: BaseException) -> float | None:
        return exception.retry_after if isinstance(exception, RetryableError) else None


delivery_retry = DeliveryRetry()
