"""The named errors of staff logins: one class per code, with its status and default message."""

from __future__ import annotations

from slotwise.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable


class UserNotFound(NotFound):
    code = "user_not_found"
    default_message = "No such user in this firm"


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "A login with this email already exists in the firm"


class SpecialistTaken(Conflict):
    code = "specialist_taken"
    default_message = "Another login is already linked to this specialist"


class RoleNotGrantable(Forbidden):
    code = "role_not_grantable"
    default_message = "Only an owner may grant or change the owner and director roles"


class OwnSelfChange(Forbidden):
    code = "own_login_change"
    default_message = "You cannot change your own role or deactivate your own login"


class LastOwner(Conflict):
    code = "last_owner"
    default_message = "The firm must keep at least one active owner"


class PasswordLinkInvalid(AppError):
    status_code = 400
    code = "password_link_invalid"
    default_message = "The set-password link is invalid, expired or already used"


class WorkerNeedsSpecialist(Unprocessable):
    code = "worker_needs_specialist"
    default_message = "A worker's login must be linked to a specialist (specialist_id)"
