"""The named errors of the public booking API: one class per code."""

from __future__ import annotations

from slotwise.errors import Conflict, Forbidden, Gone, NotFound, TooManyRequests, Unprocessable


class PublicFirmNotFound(NotFound):
    code = "booking_page_not_found"
    default_message = "No firm takes bookings at this address"


class RateLimited(TooManyRequests):
    code = "rate_limited"
    default_message = "Too many requests from this address; retry after the time given"


class NotAClientHere(Forbidden):
    code = "not_a_client_here"
    default_message = "Only this firm's clients (or guests, without a login) book here"


class HoldTokenRequired(Unprocessable):
    code = "hold_token_required"
    default_message = "The hold's token (X-Hold-Token) or a client's login is needed"


class VerificationChannelUnavailable(Unprocessable):
    code = "verification_channel_unavailable"
    default_message = "No channel can send a code to this address; give an email address"


class VerificationResendTooSoon(TooManyRequests):
    code = "verification_resend_too_soon"
    default_message = "A code was sent moments ago; wait before asking for another"


class VerificationSendsExceeded(Forbidden):
    code = "verification_sends_exceeded"
    default_message = "No more codes are sent for this hold; hold the slot again"


class VerificationRequired(Conflict):
    code = "verification_required"
    default_message = "Ask for a verification code first"


class VerificationCodeInvalid(Unprocessable):
    code = "verification_code_invalid"
    default_message = "The code is not the one sent"


class VerificationCodeExpired(Gone):
    code = "verification_code_expired"
    default_message = "The code has expired; ask for a new one"


class VerificationAttemptsExceeded(Forbidden):
    code = "verification_attempts_exceeded"
    default_message = "Too many wrong codes; ask for a new one"
