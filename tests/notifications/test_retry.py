"""The delivery retry policy: exponential backoff, a limit, Retry-After, transient only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from procrastinate.jobs import Job

from slotwise.notifications.channels import PermanentError, RetryableError
from slotwise.notifications.retry import DeliveryRetry


def job(attempts: int) -> Job:
    return Job(
        id=1,
        queue="notifications",
        lock=None,
        queueing_lock=None,
        task_name="deliver_notification",
        attempts=attempts,
    )


def wait(policy: DeliveryRetry, exc: BaseException, attempts: int) -> float | None:
    decision = policy.get_retry_decision(exception=exc, job=job(attempts))
    if decision is None:
        return None
    assert decision.retry_at is not None
    return (decision.retry_at - datetime.now(UTC)).total_seconds()


def test_waits_double_up_to_the_cap_then_stop() -> None:
    policy = DeliveryRetry(max_attempts=6, base_seconds=10, max_seconds=60)
    waits = [wait(policy, RetryableError("SMTP 451"), n) for n in range(6)]
    assert waits[5] is None  # the sixth attempt was the last
    for got, expected in zip(waits[:5], [10, 20, 40, 60, 60], strict=True):
        assert got is not None and expected * 0.99 <= got <= expected * 1.1 + 0.01
    assert policy.is_final(job(5)) and not policy.is_final(job(4))


def test_retry_after_and_what_is_retried() -> None:
    policy = DeliveryRetry(max_attempts=8, base_seconds=1, max_seconds=60)
    slow = wait(policy, RetryableError("429", retry_after=120), 0)
    assert slow is not None and slow >= 119
    assert wait(policy, PermanentError("550 no such user"), 0) is None
    assert wait(policy, ValueError("a bug"), 0) is None
    # A job aborted by a worker's shutdown is run again at once.
    aborted = wait(policy, asyncio.CancelledError(), 7)
    assert aborted is not None and aborted <= 0.1
