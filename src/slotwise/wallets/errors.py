"""The named errors of wallets: one class per code, with its status and default message.

An overdraw is the clients domain's ``insufficient_balance`` (the same meaning for the same
wallet, whichever endpoint moved it), re-exported here.
"""

from __future__ import annotations

from slotwise.clients.errors import InsufficientBalance
from slotwise.errors import Conflict, Unprocessable

__all__ = [
    "AppointmentAlreadyPaid",
    "AppointmentCancelled",
    "AppointmentWithoutClient",
    "DiscountAboveFirmLimit",
    "DiscountExceedsPrice",
    "InsufficientBalance",
    "NothingToPay",
    "RefundExceedsPayment",
]


class AppointmentAlreadyPaid(Conflict):
    code = "appointment_already_paid"
    default_message = "The appointment is already paid from the wallet"


class AppointmentCancelled(Conflict):
    code = "appointment_cancelled"
    default_message = "The appointment is cancelled: there is nothing to pay"


class AppointmentWithoutClient(Conflict):
    code = "appointment_without_client"
    default_message = "The appointment has no client, so no wallet to pay from"


class DiscountAboveFirmLimit(Unprocessable):
    code = "discount_above_firm_limit"
    default_message = "The discount is above the firm's largest discount"


class DiscountExceedsPrice(Unprocessable):
    code = "discount_exceeds_price"
    default_message = "The discount is larger than the appointment's price"


class NothingToPay(Conflict):
    code = "nothing_to_pay"
    default_message = "The appointment costs nothing after the discount"


class RefundExceedsPayment(Conflict):
    code = "refund_exceeds_payment"
    default_message = "The refund is larger than what was paid for the appointment"
