"""Web Push subscriptions: a browser subscribes for the user logged in there."""

from __future__ import annotations

import uuid
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise import outbound
from slotwise.auth.caller import Caller
from slotwise.models import PushSubscription
from slotwise.notifications import lookups
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.errors import (
    EndpointInUse,
    EndpointNotAllowed,
    InvalidEndpoint,
    MissingEndpoint,
    PushSubscriptionNotFound,
)
from slotwise.notifications.schemas import PushSubscriptionIn


@lru_cache
def channel_settings() -> ChannelSettings:
    return ChannelSettings()


async def subscribe(
    session: AsyncSession, caller: Caller, data: PushSubscriptionIn, settings: ChannelSettings
) -> PushSubscription:
    """Stores the subscription for the caller; the caller subscribing the same endpoint again
    renews its keys.

    An endpoint stays with the user who registered it: anyone else gets 409, whether they
    found the URL or share the browser (a browser that unsubscribes and subscribes again
    gets a new endpoint). Its host must be on the public internet, as the server will
    connect there (checked again on every send); that check, a DNS lookup, comes before
    anything is written."""
    return await _save(session, data, settings, firm_id=caller.firm_id, user_id=caller.user_id)


async def subscribe_client(
    session: AsyncSession,
    firm_id: uuid.UUID,
    client_id: uuid.UUID,
    data: PushSubscriptionIn,
    settings: ChannelSettings,
) -> PushSubscription:
    """As ``subscribe``, for a client without a login (a browser that opened a manage
    link): the client's messages then also go to this browser, in the channel order of
    every client message."""
    return await _save(session, data, settings, firm_id=firm_id, client_id=client_id)


async def _save(
    session: AsyncSession,
    data: PushSubscriptionIn,
    settings: ChannelSettings,
    *,
    firm_id: uuid.UUID,
    user_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> PushSubscription:
    await _check_endpoint(data, settings)
    row = await lookups.upsert_push_subscription(
        session,
        firm_id=firm_id,
        user_id=user_id,
        client_id=client_id,
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        user_agent=data.user_agent,
    )
    if row is None:
        raise EndpointInUse()
    return row


async def _check_endpoint(data: PushSubscriptionIn, settings: ChannelSettings) -> None:
    if urlsplit(data.endpoint).scheme != "https" and not settings.webpush_allow_http:
        raise InvalidEndpoint()
    try:
        await outbound.check_url(
            data.endpoint, settings.outbound_allow_list(), timeout=settings.webpush_timeout_seconds
        )
    except outbound.OutboundRefused:
        raise EndpointNotAllowed() from None


async def unsubscribe(
    session: AsyncSession,
    caller: Caller,
    *,
    subscription_id: uuid.UUID | None = None,
    endpoint: str | None = None,
) -> None:
    """Deletes one of the caller's own subscriptions (404 for anyone else's)."""
    if subscription_id is None and endpoint is None:
        raise MissingEndpoint()
    if not await lookups.delete_own_push_subscription(
        session, caller.firm_id, caller.user_id, subscription_id=subscription_id, endpoint=endpoint
    ):
        raise PushSubscriptionNotFound()


async def list_own(session: AsyncSession, caller: Caller) -> list[PushSubscription]:
    return list(await lookups.push_subscriptions(session, caller.firm_id, user_id=caller.user_id))
