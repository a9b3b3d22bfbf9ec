"""The procrastinate application: one per process.

Its tasks live with their domains (``appointments/tasks.py``, ``notifications/tasks.py``,
``ops/tasks.py``) and the queue's own upkeep here (``stalled.py``). They are named below by
module path only, so that this infrastructure imports no domain: procrastinate imports them
when the worker starts, or when a process first defers a job. Each task is a thin shell
around a function that takes its clock and its sessions as arguments (so tests drive the same
code with a controllable ``now``), and each is idempotent: running it twice does no harm.

The API process never opens it: it only defers jobs, and does so on its own transaction's
connection (``queue.py``). The worker gives it a connector of its own (``worker.py``).
"""

from __future__ import annotations

from procrastinate import App, PsycopgConnector

QUEUE_NOTIFICATIONS = "notifications"
QUEUE_PERIODIC = "periodic"
QUEUE_SYNC = "sync"

# In this order the periodic tasks are listed (ops' history of periodic runs).
TASK_MODULES = (
    "slotwise.appointments.tasks",
    "slotwise.notifications.tasks",
    "slotwise.sync.tasks",
    "slotwise.jobs.stalled",
    "slotwise.ops.tasks",
    "slotwise.sync.push_tasks",
)

job_app = App(connector=PsycopgConnector(), import_paths=list(TASK_MODULES))
