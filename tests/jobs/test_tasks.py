"""The worker finds every task where jobs already queued in a database expect it: the same
names, queues, queueing locks, retry policy and schedules, wherever their code lives."""

from __future__ import annotations

from slotwise.config import Settings
from slotwise.jobs import periodic
from slotwise.jobs.app import job_app
from slotwise.notifications.retry import delivery_retry
from slotwise.sync.push_tasks import push_retry

_PERIODIC = (
    "advance_statuses",
    "plan_reminders",
    "dispatch_notifications",
    "sweep_connections",
    "retry_stalled_jobs",
    "cleanup",
)


def test_every_task_keeps_its_name_queue_lock_and_retry(settings: Settings) -> None:
    periodic.register(settings)  # as the worker does: imports every task module
    ours = {name: task for name, task in job_app.tasks.items() if "procrastinate." not in name}
    assert set(ours) == {"deliver_notification", "sync_connection", "push_appointment", *_PERIODIC}
    sync = ours.pop("sync_connection")
    # One run per connection at a time: the lock is given where the sweep defers it.
    assert (sync.queue, sync.queueing_lock, sync.pass_context) == ("sync", None, True)
    assert sync.retry_strategy is None
    push = ours.pop("push_appointment")
    # Its locks are the deferrer's (per connection and appointment), none of the task's own.
    assert (push.queue, push.queueing_lock, push.lock, push.pass_context) == (
        "sync",
        None,
        None,
        True,
    )
    assert push.retry_strategy is push_retry
    deliver = ours.pop("deliver_notification")
    assert (deliver.queue, deliver.queueing_lock, deliver.pass_context) == (
        "notifications",
        None,
        True,
    )
    assert deliver.retry_strategy is delivery_retry
    for name, task in ours.items():
        assert (task.queue, task.queueing_lock, task.pass_context) == ("periodic", name, True)
        assert task.retry_strategy is None


def test_periodic_tasks_run_on_the_schedules_of_the_settings(settings: Settings) -> None:
    expected = {
        "advance_statuses": settings.cron_status_transitions,
        "plan_reminders": settings.cron_reminders,
        "dispatch_notifications": settings.cron_dispatch,
        "sweep_connections": settings.cron_sync_sweep,
        "retry_stalled_jobs": settings.cron_stalled_jobs,
        "cleanup": settings.cron_cleanup,
    }
    assert list(periodic.schedules(settings).items()) == list(expected.items())
    other = settings.model_copy(update={"cron_cleanup": "*/7 * * * *"})
    periodic.register(other)
    registered = {
        task.task.name: task.cron for task in job_app.periodic_registry.periodic_tasks.values()
    }
    assert registered == {**expected, "cleanup": "*/7 * * * *"}
