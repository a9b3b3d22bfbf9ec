"""Pydantic models of the operations API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

JobStatus = Literal["todo", "doing", "succeeded", "failed", "cancelled", "aborted"]


class QueueStats(BaseModel):
    queue: str
    waiting: int = Field(description="Due and waiting for a worker")
    scheduled: int = Field(description="Waiting for their time (retries, delayed messages)")
    running: int
    failed: int = Field(description="Failed for good (within the job retention)")
    oldest_waiting_seconds: float | None = Field(
        description="How long the longest-waiting due job has waited; null when none waits"
    )


class QueueList(BaseModel):
    items: list[QueueStats]


class JobOut(BaseModel):
    id: int
    queue: str
    task: str
    status: str
    attempts: int
    scheduled_at: datetime | None
    args: dict[str, Any]
    deferred_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    notification_id: uuid.UUID | None = Field(
        description="The outbox row a delivery job sends, if it is one"
    )


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    limit: int
    offset: int


class PeriodicRun(BaseModel):
    job_id: int
    status: str
    due_at: datetime | None = Field(description="The tick of the schedule this run is for")
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    attempts: int


class PeriodicTaskHistory(BaseModel):
    task: str
    schedule: str = Field(description="Cron expression (a 6th field is seconds)")
    runs: list[PeriodicRun] = Field(description="Newest first")


class PeriodicHistory(BaseModel):
    items: list[PeriodicTaskHistory]
