"""The connections' named errors: one class per code."""

from __future__ import annotations

from slotwise.errors import Conflict, NotFound, PreconditionFailed, Unprocessable


class ConnectionNotFound(NotFound):
    code = "connection_not_found"
    default_message = "No such connection"


class ConnectionNameTaken(Conflict):
    code = "connection_name_taken"
    default_message = "The firm already has a connection of this name"


class ConnectionDisabled(Conflict):
    code = "connection_disabled"
    default_message = "The connection is disabled; enable it to sync"


class ConnectionUrlNotAllowed(Unprocessable):
    code = "connection_url_not_allowed"
    # One text for every refusal: the answer must not tell what listens at an address.
    default_message = (
        "The URL must be https and lead to the public internet (not to this server's "
        "own machine or network)"
    )


class ConnectionKindMismatch(Unprocessable):
    code = "connection_kind_mismatch"
    default_message = "The settings or credentials are not those of this connection's kind"


class CaldavSpecialistRequired(Unprocessable):
    code = "caldav_specialist_required"
    default_message = "A CalDAV connection belongs to one specialist: specialist_id is required"


class SpecialistNotAtLocation(Unprocessable):
    code = "specialist_not_at_location"
    default_message = "The specialist has no schedule at the connection's location"


class MappingNotFound(NotFound):
    code = "mapping_not_found"
    default_message = "No such external staff member or service has been listed yet"


class ConnectionChanged(PreconditionFailed):
    default_message = "The connection was changed meanwhile"
