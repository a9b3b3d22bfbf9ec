"""HTTP routes for Web Push subscriptions (any logged-in user, for their own browsers)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from slotwise.auth.dependencies import CallerDep
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES
from slotwise.notifications import subscriptions
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.schemas import (
    PushSubscriptionIn,
    PushSubscriptionOut,
    VapidKeyOut,
)

router = APIRouter(tags=["notifications"], responses=ERROR_RESPONSES)

ChannelSettingsDep = Annotated[ChannelSettings, Depends(subscriptions.channel_settings)]


@router.get("/push-subscriptions/vapid-public-key", response_model=VapidKeyOut)
async def vapid_public_key(caller: CallerDep, settings: ChannelSettingsDep) -> VapidKeyOut:
    """The server's VAPID public key, to pass to ``pushManager.subscribe`` as the
    ``applicationServerKey``."""
    return VapidKeyOut(public_key=settings.vapid_application_server_key())


@router.get("/push-subscriptions", response_model=list[PushSubscriptionOut])
async def list_push_subscriptions(
    caller: CallerDep, session: SessionDep
) -> list[PushSubscriptionOut]:
    """The caller's own subscribed browsers."""
    rows = await subscriptions.list_own(session, caller)
    return [PushSubscriptionOut.model_validate(row) for row in rows]


@router.post("/push-subscriptions", response_model=PushSubscriptionOut, status_code=201)
async def subscribe(
    body: PushSubscriptionIn, caller: CallerDep, session: SessionDep, settings: ChannelSettingsDep
) -> PushSubscriptionOut:
    """Subscribe this browser to the caller's notifications (the body is
    ``PushSubscription.toJSON()``). Subscribing the same endpoint again renews its keys; an
    endpoint registered by another user is 409 ``endpoint_in_use``; one whose host is not
    on the public internet is 422 ``endpoint_not_allowed``."""
    row = await subscriptions.subscribe(session, caller, body, settings)
    return PushSubscriptionOut.model_validate(row)


@router.delete("/push-subscriptions", status_code=204, response_class=Response)
async def unsubscribe_endpoint(
    caller: CallerDep,
    session: SessionDep,
    endpoint: Annotated[
        str,
        Query(min_length=10, max_length=1000, description="The endpoint the browser unsubscribed"),
    ],
) -> Response:
    """Unsubscribe one of the caller's browsers, named by its endpoint."""
    await subscriptions.unsubscribe(session, caller, endpoint=endpoint)
    return Response(status_code=204)


@router.delete("/push-subscriptions/{subscription_id}", status_code=204, response_class=Response)
async def unsubscribe(
    subscription_id: uuid.UUID, caller: CallerDep, session: SessionDep
) -> Response:
    """Unsubscribe one of the caller's browsers by id."""
    await subscriptions.unsubscribe(session, caller, subscription_id=subscription_id)
    return Response(status_code=204)
