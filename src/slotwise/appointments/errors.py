"""The errors of reading, creating and changing appointments."""

from __future__ import annotations

from slotwise.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
)


class AppointmentNotFound(NotFound):
    """Also what a caller gets for an appointment they may not see."""

    code = "appointment_not_found"
    default_message = "No such appointment"


class WorkplaceNotInLocation(Unprocessable):
    code = "workplace_not_in_location"
    default_message = "The workplace is not in this location"


class ExternalIdTaken(Conflict):
    code = "external_id_taken"
    default_message = "An appointment with this source and external_id exists"


class AppointmentReferenced(Conflict):
    code = "appointment_referenced"
    default_message = "Wallet transactions refer to this appointment; cancel it instead"


class ForbiddenField(Forbidden):
    code = "forbidden_field"
    default_message = "You may not change these fields"


class AppointmentNotScheduled(Conflict):
    code = "appointment_not_scheduled"
    default_message = "Only a scheduled appointment can be changed"


class ChangeDeadlinePassed(Conflict):
    code = "change_deadline_passed"
    default_message = "The deadline for changes has passed"


class EndBeforeStart(Unprocessable):
    code = "end_before_start"
    default_message = "end_at must be after start_at"


class ClosedBeforeOpened(Unprocessable):
    code = "closed_before_opened"
    default_message = "closed_at must not be before opened_at"


class NoWorkers(Unprocessable):
    code = "no_workers"
    default_message = "The appointment has no worker to price its services by"


class InvalidIfMatch(Unprocessable):
    code = "invalid_if_match"
    default_message = 'If-Match must be a version such as "3"'


class AmbiguousVersion(Unprocessable):
    code = "ambiguous_version"
    default_message = "If-Match and the body's version disagree"


class VersionRequired(PreconditionRequired):
    default_message = (
        'Send the version you read as If-Match: "<version>" (or a "version" field) so '
        "that a concurrent change is not overwritten"
    )


class VersionMismatch(PreconditionFailed):
    default_message = "The appointment was changed meanwhile"
