"""The queue's own upkeep: jobs whose worker died go back to the queue."""

from __future__ import annotations

import logging

from procrastinate import JobContext

from slotwise.jobs.app import QUEUE_PERIODIC, job_app
from slotwise.jobs.periodic import periodic
from slotwise.jobs.runtime import job_runtime

log = logging.getLogger(__name__)


@periodic(cron=lambda settings: settings.cron_stalled_jobs)
@job_app.task(
    name="retry_stalled_jobs",
    queue=QUEUE_PERIODIC,
    pass_context=True,
    queueing_lock="retry_stalled_jobs",
)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> str:
    """Gives the running jobs of workers that stopped sending heartbeats (killed, frozen,
    cut off) back to the queue, then forgets those workers."""
    timeout = job_runtime(context).settings.worker_stalled_seconds
    manager = context.app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=timeout))
    for job in stalled:
        log.warning("retrying job %s (%s): its worker stopped", job.id, job.task_name)
        await manager.retry_job(job)
    await manager.prune_stalled_workers(timeout)
    return f"{len(stalled)} stalled jobs retried"
