"""A connection's health as the poller reports it after each run, and when it runs next.

Failing is a state, not an event: operators are told once per failure
(``operators_told_at``), not on every run that fails again, and told again only after the
connection has worked in between.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slotwise.models import Connection


def schedule_next(
    connection: Connection, now: datetime, *, delay_seconds: float | None = None
) -> None:
    """The next run: after the polling interval, or after ``delay_seconds`` when the
    provider asked to wait longer (``Retry-After``) or a backoff says so."""
    seconds = connection.poll_interval_seconds if delay_seconds is None else delay_seconds
    connection.next_run_at = now + timedelta(seconds=seconds)
    connection.last_run_at = now


def mark_ok(connection: Connection, now: datetime, cursor: dict[str, Any] | None = None) -> None:
    """A run that worked: healthy, the failure forgotten, the new cursor kept."""
    connection.health = "ok"
    connection.failure_reason = None
    connection.failing_since = None
    connection.operators_told_at = None
    connection.last_success_at = now
    if cursor is not None:
        connection.cursor = cursor


def mark_failing(connection: Connection, reason: str, now: datetime) -> bool:
    """A run that failed (401/403, a broken answer): failing with the reason. Answers
    whether the operators are to be told now, which is true once per failure; the caller
    tells them in the same transaction."""
    if connection.health != "failing":
        connection.failing_since = now
    connection.health = "failing"
    connection.failure_reason = reason
    if connection.operators_told_at is not None:
        return False
    connection.operators_told_at = now
    return True
