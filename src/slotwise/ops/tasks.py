"""The housekeeping task: deleting what has outlived its use, in every package's tables
(``cleanup.py``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from procrastinate import JobContext

from slotwise.jobs.app import QUEUE_PERIODIC, job_app
from slotwise.jobs.periodic import periodic
from slotwise.jobs.runtime import job_runtime
from slotwise.ops import cleanup as housekeeping


@periodic(cron=lambda settings: settings.cron_cleanup)
@job_app.task(name="cleanup", queue=QUEUE_PERIODIC, pass_context=True, queueing_lock="cleanup")
async def cleanup(context: JobContext, timestamp: int) -> str:
    runtime = job_runtime(context)
    counts = await housekeeping.cleanup(runtime.sessionmaker, runtime.settings, datetime.now(UTC))
    return json.dumps(counts)
