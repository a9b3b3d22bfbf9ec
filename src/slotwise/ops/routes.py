"""HTTP routes of the operations API (owner and director only).

Jobs that concern one firm (message deliveries) are shown to that firm's operators only;
periodic system jobs to every firm's.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from slotwise.auth.dependencies import OperatorDep
from slotwise.deps import SessionDep, SettingsDep
from slotwise.errors import ERROR_RESPONSES
from slotwise.models import NOTIFICATION_STATUSES
from slotwise.notifications.routes import router as push_router
from slotwise.notifications.schemas import NotificationPage
from slotwise.ops import service
from slotwise.ops.schemas import JobOut, JobPage, JobStatus, PeriodicHistory, QueueList
from slotwise.repository import PageParams

ops = APIRouter(prefix="/ops", tags=["ops"], responses=ERROR_RESPONSES)

NotificationStatus = Literal[NOTIFICATION_STATUSES]  # type: ignore[valid-type]


@ops.get("/queues", response_model=QueueList)
async def queues(caller: OperatorDep, session: SessionDep) -> QueueList:
    """Per queue: jobs waiting, scheduled for later, running and failed, and how long the
    oldest waiting job has waited."""
    return await service.queues(session, caller)


@ops.get("/jobs", response_model=JobPage)
async def list_jobs(
    caller: OperatorDep,
    session: SessionDep,
    page: Annotated[PageParams, Query()],
    status: Annotated[JobStatus | None, Query(description="e.g. failed")] = None,
    queue: Annotated[str | None, Query(max_length=128)] = None,
    task: Annotated[str | None, Query(max_length=128)] = None,
) -> JobPage:
    """Jobs, newest first, with when they were queued, started and finished."""
    return await service.list_jobs(session, caller, page, status=status, queue=queue, task=task)


@ops.get("/jobs/{job_id}", response_model=JobOut)
async def get_job(job_id: int, caller: OperatorDep, session: SessionDep) -> JobOut:
    """One job."""
    return await service.get_job(session, caller, job_id)


@ops.post("/jobs/{job_id}/retry", response_model=JobOut)
async def retry_job(job_id: int, caller: OperatorDep, session: SessionDep) -> JobOut:
    """Run a failed job again now (409 ``job_not_failed`` for a job in any other state).
    A message delivery that is retried sends the message unless it went out meanwhile."""
    return await service.retry_job(session, caller, job_id)


@ops.get("/periodic", response_model=PeriodicHistory)
async def periodic_history(
    caller: OperatorDep,
    session: SessionDep,
    settings: SettingsDep,
    runs: Annotated[int, Query(ge=1, le=200, description="Runs per task")] = 20,
) -> PeriodicHistory:
    """The recent runs of every periodic job, with its schedule."""
    return await service.periodic_history(session, settings, runs)


@ops.get("/notifications", response_model=NotificationPage)
async def notification_log(
    caller: OperatorDep,
    session: SessionDep,
    page: Annotated[PageParams, Query()],
    appointment_id: uuid.UUID | None = None,
    status: Annotated[NotificationStatus | None, Query()] = None,
) -> NotificationPage:
    """The notification log, newest first: every message planned, with its channel,
    address, attempts and outcome (the reason, when skipped, withdrawn or failed)."""
    return await service.notification_log(
        session, caller, page, appointment_id=appointment_id, status=status
    )


# Everything of jobs and notifications that the API serves, included by app.py as one router.
router = APIRouter()
router.include_router(ops)
router.include_router(push_router)
