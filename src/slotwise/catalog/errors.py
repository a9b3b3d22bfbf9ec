"""The named errors of catalog: one class per code, with its status and default message."""

from __future__ import annotations

from slotwise.errors import Conflict, NotFound, Unprocessable


class BreakNotFound(NotFound):
    code = "break_not_found"
    default_message = "No such break"


class HolidayExists(Conflict):
    code = "holiday_exists"
    default_message = "The location already has a holiday on this date"


class HolidayNotFound(NotFound):
    code = "holiday_not_found"
    default_message = "No such holiday"


class LocationHasWorkplaces(Conflict):
    code = "location_has_workplaces"
    default_message = "The location still has workplaces; delete or move them first"


class LocationInUse(Conflict):
    code = "location_in_use"
    default_message = "The location has appointments or holds; set is_active=false to retire it"


class LocationNameTaken(Conflict):
    code = "location_name_taken"
    default_message = "Another location has this name"


class OverlappingHours(Unprocessable):
    code = "overlapping_hours"
    default_message = "Opening hours overlap"


class OverrideNotFound(NotFound):
    code = "override_not_found"
    default_message = "The workplace does not offer this service"


class ServiceInUse(Conflict):
    code = "service_in_use"
    default_message = (
        "The service is used in appointments or holds; set is_active=false to retire it"
    )


class ServiceNameTaken(Conflict):
    code = "service_name_taken"
    default_message = "Another service has this name"


class SpecialistInUse(Conflict):
    code = "specialist_in_use"
    default_message = (
        "The specialist is assigned to appointments or holds; set is_active=false to retire them"
    )


class SpecialistLinkedToUser(Conflict):
    code = "specialist_linked_to_user"
    default_message = (
        "A user account is linked to the specialist; set is_active=false or unlink the user first"
    )


class SpecialistServiceNotFound(NotFound):
    code = "specialist_service_not_found"
    default_message = "The specialist does not do this service"


class WorkplaceInUse(Conflict):
    code = "workplace_in_use"
    default_message = "The workplace has appointments or holds; set is_active=false to retire it"


class WorkplaceNameTaken(Conflict):
    code = "workplace_name_taken"
    default_message = "Another workplace at this location has this name"


class WorkplaceScheduled(Conflict):
    code = "workplace_scheduled"
    default_message = (
        "Specialist schedules use the workplace at its location; change them before moving it"
    )
