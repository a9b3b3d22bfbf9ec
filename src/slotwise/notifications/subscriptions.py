"""Web Push subscriptions: a browser subscribes for the user logged in there."""

from __future__ import annotations

import uuid
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.deps import Caller
from slotwise.errors import NotFound, Unprocessable
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


async def subscribe(session: AsyncSession, caller: Caller, data: PushSubscriptionIn,
                    settings: ChannelSettings) -> PushSubscription:
    """Stores the subscription for the caller. The same browser subscribing again (perhaps
    for another login) replaces its earlier subscription."""
    if urlsplit(data.endpoint).scheme != "https" and not settings.webpush_allow_http:
        raise Unprocessable("A push endpoint must be an https URL", code="invalid_endpoint")
    return await lookups.upsert_push_subscription(
        session, firm_id=caller.firm_id, user_id=caller.user_id, endpoint=data.endpoint,
        p256dh=data.keys.p256dh, auth=data.keys.auth, user_agent=data.user_agent)


async def unsubscribe(session: AsyncSession, caller: Caller, *,
                      subscription_id: uuid.UUID | None = None,
                      endpoint: str | None = None) -> None:
    """Deletes one of the caller's own subscriptions (404 for anyone else's)."""
    if subscription_id is None and endpoint is None:
        raise Unprocessable("Name the subscription by id or endpoint", code="missing_endpoint")
    if not await lookups.delete_own_push_subscription(
            session, caller.firm_id, caller.user_id, subscription_id=subscription_id,
            endpoint=endpoint):
        raise NotFound("No such push subscription of yours",
                       code="push_subscription_not_found")


async def list_own(session: AsyncSession, caller: Caller) -> list[PushSubscription]:
    return list(await lookups.push_subscriptions(session, caller.firm_id,
                                                 user_id=caller.user_id))
