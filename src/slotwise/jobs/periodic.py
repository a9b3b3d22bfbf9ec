"""Periodic tasks and their schedules.

A task module marks its periodic tasks with ``@periodic(cron=...)``, naming the setting that
holds the cron expression; the worker registers them with procrastinate on the schedules of
its own settings (``register``), and the ops screens list them with theirs (``schedules``).
Periodic tasks carry a ``queueing_lock``: while one run still waits in the queue, the next
tick is not queued on top of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from procrastinate.periodic import PeriodicRegistry
from procrastinate.tasks import Task

from slotwise.config import Settings
from slotwise.jobs.app import TASK_MODULES, job_app

CronOf = Callable[[Settings], str]
AnyTask = Task[Any, Any, Any]

_PERIODIC: dict[str, tuple[AnyTask, CronOf]] = {}


def periodic(*, cron: CronOf) -> Callable[[AnyTask], AnyTask]:
    """Marks a task as periodic, on the cron expression ``cron`` reads from the settings."""

    def mark(task: AnyTask) -> AnyTask:
        _PERIODIC[task.name] = (task, cron)
        return task

    return mark


def _declared() -> list[tuple[AnyTask, CronOf]]:
    """In the order of ``TASK_MODULES``, then of declaration (whatever order the modules
    happened to be imported in)."""
    job_app.perform_import_paths()  # type: ignore[no-untyped-call]
    return sorted(
        _PERIODIC.values(), key=lambda declared: TASK_MODULES.index(declared[0].func.__module__)
    )


def schedules(settings: Settings) -> dict[str, str]:
    """Every periodic task's name and its cron expression under ``settings``."""
    return {task.name: cron(settings) for task, cron in _declared()}


def register(settings: Settings) -> None:
    """(Re)registers the periodic tasks with procrastinate on the schedules of ``settings``."""
    job_app.periodic_registry = PeriodicRegistry()  # type: ignore[no-untyped-call]
    for task, cron in _declared():
        job_app.periodic(cron=cron(settings))(task)
