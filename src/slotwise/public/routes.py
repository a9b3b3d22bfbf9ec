"""HTTP routes of the public booking API: ``/api/v1/public/{firm_slug}/...``, no login.

Every request counts against its address's limit first (``throttle``), then the slug names
the firm (``firms.public_firm``: 404 ``booking_page_not_found`` when it takes no public
bookings). Responses carry only what a visitor may see.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.security import OAuth2PasswordBearer

from slotwise.deps import SessionDep, SettingsDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody
from slotwise.models import Firm
from slotwise.notifications.channels import ChannelSettings
from slotwise.public import catalog, holds, verification
from slotwise.public.firms import public_firm
from slotwise.public.schemas import (
    ConfirmOut,
    ConfirmRequest,
    DaysOut,
    DaysQuery,
    PublicFirmOut,
    PublicHoldCreate,
    PublicHoldOut,
    PublicLocationList,
    PublicServiceList,
    PublicSpecialistList,
    ServicesQuery,
    SlotsOut,
    SlotsQuery,
    SpecialistsQuery,
    VerificationOut,
    VerificationRequest,
)
from slotwise.public.throttle import limit_code_sends, limit_public_requests
from slotwise.state import secret_key_of, sessionmaker_of

PUBLIC_RESPONSES: dict[int | str, dict[str, Any]] = {
    **{status: ERROR_RESPONSES[status] for status in (404, 408, 409, 413, 422, 503)},
    429: {
        "model": ErrorBody,
        "description": "`rate_limited`: too many requests from this address; see Retry-After",
    },
}

router = APIRouter(
    prefix="/public/{firm_slug}",
    tags=["public booking"],
    responses=PUBLIC_RESPONSES,
    dependencies=[Depends(limit_public_requests)],
)


async def _firm(
    session: SessionDep, firm_slug: Annotated[str, Path(min_length=1, max_length=63)]
) -> Firm:
    return await public_firm(session, firm_slug)


FirmDep = Annotated[Firm, Depends(_firm)]


def _channels() -> ChannelSettings:
    return ChannelSettings()


ChannelsDep = Annotated[ChannelSettings, Depends(_channels)]


@router.get("", response_model=PublicFirmOut)
async def get_public_firm(firm: FirmDep, channels: ChannelsDep) -> PublicFirmOut:
    """The firm's page settings: its name, language, time zone and booking rules."""
    return catalog.firm_out(firm, channels)


@router.get("/locations", response_model=PublicLocationList)
async def list_public_locations(firm: FirmDep, session: SessionDep) -> PublicLocationList:
    """The firm's active locations."""
    return await catalog.locations(session, firm)


@router.get("/services", response_model=PublicServiceList)
async def list_public_services(
    params: Annotated[ServicesQuery, Query()], firm: FirmDep, session: SessionDep
) -> PublicServiceList:
    """The active services someone offers at the location, with price and duration."""
    return await catalog.services(session, firm, params.location_id)


@router.get("/specialists", response_model=PublicSpecialistList)
async def list_public_specialists(
    params: Annotated[SpecialistsQuery, Query()], firm: FirmDep, session: SessionDep
) -> PublicSpecialistList:
    """The active specialists offering the service at the location."""
    return await catalog.specialists(session, firm, params.location_id, params.service_id)


@router.get("/availability/days", response_model=DaysOut)
async def list_public_days(
    params: Annotated[DaysQuery, Query()], firm: FirmDep, session: SessionDep
) -> DaysOut:
    """The local dates from `from` to `to` (inclusive, at most 62 days: 422
    `range_too_long`) with at least one free slot."""
    return await catalog.free_days(session, firm, params)


@router.get("/availability/slots", response_model=SlotsOut)
async def list_public_slots(
    params: Annotated[SlotsQuery, Query()], firm: FirmDep, session: SessionDep
) -> SlotsOut:
    """The free slots starting on a local date, each with the specialists who could take
    it (for "any specialist", the first of them is booked)."""
    return await catalog.free_slots(session, firm, params)


_bearer = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="Optional: a client of this firm, logged in, holds and books as themselves",
)
HOLD_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "`invalid_token`: a bearer token that is not valid"},
    403: {
        "model": ErrorBody,
        "description": "`not_a_client_here`: a login that is not a client of this firm",
    },
    410: {"model": ErrorBody, "description": "`hold_expired`"},
}


async def _visitor(
    request: Request,
    firm: FirmDep,
    session: SessionDep,
    bearer: Annotated[str | None, Depends(_bearer)],
    hold_token: Annotated[
        str | None,
        Header(
            alias="X-Hold-Token",
            max_length=200,
            description="A guest's hold token, as the hold's creation answered it",
        ),
    ] = None,
) -> holds.Visitor:
    return await holds.visitor(
        session, firm, bearer=bearer, hold_token=hold_token, secret=secret_key_of(request.app)
    )


VisitorDep = Annotated[holds.Visitor, Depends(_visitor)]


@router.post("/holds", response_model=PublicHoldOut, status_code=201, responses=HOLD_RESPONSES)
async def create_public_hold(
    body: PublicHoldCreate, firm: FirmDep, who: VisitorDep, session: SessionDep
) -> PublicHoldOut:
    """Hold a free slot for the firm's `hold_ttl_seconds`.

    A guest gets `hold_token` once, here: it proves the hold is theirs (send it as
    `X-Hold-Token`). A client of the firm, logged in (Bearer), holds as themselves and gets
    no token. A slot taken meanwhile: 409 `slot_taken`; one no longer offered: 409
    `slot_unavailable` (fetch the day's slots again).
    """
    return await holds.create(session, firm, who, body, datetime.now(UTC))


@router.get("/holds/{hold_id}", response_model=PublicHoldOut, responses=HOLD_RESPONSES)
async def get_public_hold(
    hold_id: uuid.UUID, firm: FirmDep, who: VisitorDep, session: SessionDep
) -> PublicHoldOut:
    """Your hold (`hold_token` is null here). Without `X-Hold-Token` or a client's login:
    422 `hold_token_required`; a wrong token or an unknown hold: 404 `hold_not_found`."""
    return await holds.read(session, firm, who, hold_id)


@router.delete(
    "/holds/{hold_id}", status_code=204, response_class=Response, responses=HOLD_RESPONSES
)
async def delete_public_hold(
    hold_id: uuid.UUID, firm: FirmDep, who: VisitorDep, session: SessionDep
) -> Response:
    """Give the slot back at once."""
    await holds.release(session, firm, who, hold_id)
    return Response(status_code=204)


AcceptLanguage = Annotated[str | None, Header(max_length=500, include_in_schema=False)]


@router.post(
    "/holds/{hold_id}/verification",
    response_model=VerificationOut,
    status_code=202,
    dependencies=[Depends(limit_code_sends)],
    responses=HOLD_RESPONSES,
)
async def send_verification_code(
    request: Request,
    hold_id: uuid.UUID,
    body: VerificationRequest,
    firm: FirmDep,
    who: VisitorDep,
    session: SessionDep,
    settings: SettingsDep,
    channels: ChannelsDep,
    accept_language: AcceptLanguage = None,
) -> VerificationOut:
    """Send a six-digit code to the guest's email (or, given only a phone, by WhatsApp
    when the firm's server sends WhatsApp). The hold is extended to last at least as
    long as the code (`code_expires_at`).

    Neither email nor phone: 422 `validation_error`; no channel reaches it: 422
    `verification_channel_unavailable`; asked again too soon: 429
    `verification_resend_too_soon` (Retry-After); too many codes for this hold: 403
    `verification_sends_exceeded`. Guests only (X-Hold-Token).
    """
    return await verification.send_code(
        session,
        firm,
        who,
        hold_id,
        body,
        settings=settings,
        channels=channels,
        secret=secret_key_of(request.app),
        accept_language=accept_language,
        now=datetime.now(UTC),
    )


@router.post(
    "/holds/{hold_id}/confirm",
    response_model=ConfirmOut,
    status_code=201,
    responses=HOLD_RESPONSES,
)
async def confirm_public_hold(
    request: Request,
    hold_id: uuid.UUID,
    body: ConfirmRequest,
    firm: FirmDep,
    who: VisitorDep,
    session: SessionDep,
    settings: SettingsDep,
    accept_language: AcceptLanguage = None,
) -> ConfirmOut:
    """Book the held slot. A guest sends the code (`{"code": "123456"}`); a logged-in
    client of the firm sends `{}`.

    Wrong code: 422 `verification_code_invalid`; expired: 410 `verification_code_expired`;
    too many wrong tries: 403 `verification_attempts_exceeded`; no code sent yet: 409
    `verification_required`; the hold expired: 410 `hold_expired`; its slot went meanwhile:
    409 `slot_taken` / `slot_unavailable`.
    """
    return await verification.confirm(
        session,
        sessionmaker_of(request.app),
        firm,
        who,
        hold_id,
        body,
        settings=settings,
        secret=secret_key_of(request.app),
        accept_language=accept_language,
        now=datetime.now(UTC),
    )
