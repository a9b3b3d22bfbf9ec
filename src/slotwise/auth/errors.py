"""The named errors of auth: one class per code, with its status and default message."""

from __future__ import annotations

import uuid

from slotwise.errors import AppError, NotAuthenticated


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    default_message = "Wrong email or password"


class InvalidToken(NotAuthenticated):
    code = "invalid_token"
    default_message = "The access token is invalid or expired"


class RefreshTokenReused(NotAuthenticated):
    """A revoked refresh token came back (after the grace of a rotation): it leaked, so
    every session of the user ends."""

    code = "refresh_token_reused"
    default_message = "The refresh token was already used"

    def __init__(self, user_id: uuid.UUID) -> None:
        super().__init__()
        self.user_id = user_id


class FirmRequired(AppError):
    status_code = 400
    code = "firm_required"
    default_message = "This email exists in several firms; pass the firm slug as client_id"
