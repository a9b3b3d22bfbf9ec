"""Web Push subscriptions: a browser subscribes for the user logged in there."""

from __future__ import annotations

import uuid
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise import outbound
from slotwise.auth.caller import Caller
from slotwise.errors import Conflict, NotFound, Unprocessable
from slotwise.models import PushSubscription
from slotwise.notifications import lookups
from slotwise.notifications.channels import ChannelSettings, public_key_of
from slotwise.notifications.schemas import PushSubscriptionIn


@lru_cache
def channel_settings() -> ChannelSettings:
    return ChannelSettings()


def vapid_public_key(settings: ChannelSettings) -> str | None:
    if settings.vapid_public_key:
        return settings.vapid_public_key
    if settings.vapid_private_key is None or not settings.vapid_private_key.get_secret_value():
        return None
    return public_key_of(settings.vapid_private_key.get_secret_value())


async def subscribe(
    session: AsyncSession, caller: Caller, data: PushSubscriptionIn, settings: ChannelSettings
) -> PushSubscription:
    """Stores the subscription for the caller; the caller subscribing the same endpoint again
    renews its keys.

    An endpoint stays with the user who registered it: anyone else gets 409, whether they
    found the URL or share the browser (a browser that unsubscribes and subscribes again
    gets a new endpoint). Its host must be on the public internet, as the server will
    connect there (checked again on every send)."""
    if urlsplit(data.endpoint).scheme != "https" and not settings.webpush_allow_http:
        raise Unprocessable("A push endpoint must be an https URL", code="invalid_endpoint")
    # Nothing is written yet: end the transaction, so that a slow DNS answer holds no
    # database connection.
    await session.commit()
    try:
        await outbound.check_url(
            data.endpoint, settings.outbound_allow_list(), timeout=settings.webpush_timeout_seconds
        )
    except outbound.OutboundRefused:
        raise Unprocessable(
            "A push endpoint must be an https URL of a public internet host, not a loopback, "
            "private, link-local, multicast or reserved address",
            code="endpoint_not_allowed",
        ) from None
    row = await lookups.upsert_push_subscription(
        session,
        firm_id=caller.firm_id,
        user_id=caller.user_id,
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        user_agent=data.user_agent,
    )
    if row is None:
        raise Conflict(
            "This push endpoint is registered to another account. Unsubscribe it in the "
            "browser (PushSubscription.unsubscribe()) and subscribe again for a new one",
            code="endpoint_in_use",
        )
    return row


async def unsubscribe(
    session: AsyncSession,
    caller: Caller,
    *,
    subscription_id: uuid.UUID | None = None,
    endpoint: str | None = None,
) -> None:
    """Deletes one of the caller's own subscriptions (404 for anyone else's)."""
    if subscription_id is None and endpoint is None:
        raise Unprocessable("Name the subscription by id or endpoint", code="missing_endpoint")
    if not await lookups.delete_own_push_subscription(
        session, caller.firm_id, caller.user_id, subscription_id=subscription_id, endpoint=endpoint
    ):
        raise NotFound("No such push subscription of yours", code="push_subscription_not_found")


async def list_own(session: AsyncSession, caller: Caller) -> list[PushSubscription]:
    return list(await lookups.push_subscriptions(session, caller.firm_id, user_id=caller.user_id))
