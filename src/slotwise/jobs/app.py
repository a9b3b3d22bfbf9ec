"""The procrastinate application: one per process, its tasks registered by ``tasks.py``.

The API process never opens it: it only defers jobs, and does so on its own transaction's
connection (``queue.py``). The worker gives it a connector of its own (``worker.py``).
"""

from __future__ import annotations

from procrastinate import App, PsycopgConnector

QUEUE_NOTIFICATIONS = "notifications"
QUEUE_PERIODIC = "periodic"

job_app = App(connector=PsycopgConnector(), import_paths=["slotwise.jobs.tasks"])
