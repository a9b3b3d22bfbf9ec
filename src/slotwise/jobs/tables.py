"""procrastinate's tables as SQLAlchemy Core sees them, for the ops screens and our own job
queries. Kept in a ``MetaData`` of their own: they are procrastinate's, not our models, and
migrations never compare or create them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import ENUM, JSONB

from slotwise.jobs.schema import SCHEMA

metadata = MetaData(schema=SCHEMA)

JOB_STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborting", "aborted")
job_status = ENUM(*JOB_STATUSES, name="procrastinate_job_status", schema=SCHEMA, create_type=False)
event_type = ENUM(
    "deferred",
    "started",
    "deferred_for_retry",
    "failed",
    "succeeded",
    "cancelled",
    "abort_requested",
    "aborted",
    "scheduled",
    "retried",
    name="procrastinate_job_event_type",
    schema=SCHEMA,
    create_type=False,
)

jobs = Table(
    "procrastinate_jobs",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("queue_name", String(128)),
    Column("task_name", String(128)),
    Column("priority", Integer),
    Column("lock", String),
    Column("queueing_lock", String),
    Column("args", JSONB),
    Column("status", job_status),
    Column("scheduled_at", DateTime(timezone=True)),
    Column("attempts", Integer),
    Column("abort_requested", Boolean),
    Column("worker_id", BigInteger),
)

events = Table(
    "procrastinate_events",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("job_id", BigInteger),
    Column("type", event_type),
    Column("at", DateTime(timezone=True)),
)

workers = Table(
    "procrastinate_workers",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("last_heartbeat", DateTime(timezone=True)),
)
