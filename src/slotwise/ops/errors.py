"""The errors of the operations API."""

from __future__ import annotations

from slotwise.errors import Conflict, NotFound


class JobNotFound(NotFound):
    code = "job_not_found"
    default_message = "No such job"


class JobNotFailed(Conflict):
    code = "job_not_failed"
    default_message = "Only a failed job can be retried"
