"""The errors of the notification endpoints (push subscriptions). How a send failed is
another matter, the delivery job's: ``channels/errors.py``."""

from __future__ import annotations

from slotwise.errors import Conflict, NotFound, Unprocessable


class InvalidEndpoint(Unprocessable):
    code = "invalid_endpoint"
    default_message = "A push endpoint must be an https URL"


class EndpointNotAllowed(Unprocessable):
    code = "endpoint_not_allowed"
    default_message = (
        "A push endpoint must be an https URL of a public internet host, not a loopback, "
        "private, link-local, multicast or reserved address"
    )


class EndpointInUse(Conflict):
    code = "endpoint_in_use"
    default_message = (
        "This push endpoint is registered to another account. Unsubscribe it in the "
        "browser (PushSubscription.unsubscribe()) and subscribe again for a new one"
    )


class MissingEndpoint(Unprocessable):
    code = "missing_endpoint"
    default_message = "Name the subscription by id or endpoint"


class PushSubscriptionNotFound(NotFound):
    code = "push_subscription_not_found"
    default_message = "No such push subscription of yours"
