"""The named errors of clients: one class per code, with its status and default message."""

from __future__ import annotations

from slotwise.errors import Conflict, Unprocessable


class AppointmentOfOtherClient(Unprocessable):
    code = "appointment_of_other_client"
    default_message = "The appointment belongs to another client"


class ClientHasLogin(Conflict):
    code = "client_has_login"
    default_message = "The client is linked to a user login; remove the login first"


class ClientInUse(Conflict):
    code = "client_in_use"
    default_message = "The client has appointments; deactivate the client instead"


class InsufficientBalance(Conflict):
    code = "insufficient_balance"
    default_message = "The wallet balance is lower than the debit"


class TelegramIdTaken(Conflict):
    code = "telegram_id_taken"
    default_message = "Another client already has this Telegram id"
