from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth import service, throttle
from slotwise.auth.caller import Caller
from slotwise.auth.dependencies import CallerDep
from slotwise.auth.errors import InvalidCredentials, RefreshTokenReused
from slotwise.auth.schemas import FirmOut, MeOut, MePatch, RefreshIn, TokenPair
from slotwise.deps import SessionDep, SettingsDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody
from slotwise.models import Firm, User
from slotwise.state import secret_key_of, sessionmaker_of

router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)


def _own_transaction(request: Request) -> AbstractAsyncContextManager[AsyncSession]:
    """A separate transaction for what must be written (and seen by concurrent requests)
    whatever becomes of the request."""
    return sessionmaker_of(request.app).begin()


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _no_store(response: Response) -> None:
    """Token responses must not be kept by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


NoStore = Depends(_no_store)


@router.post(
    "/auth/token",
    response_model=TokenPair,
    dependencies=[NoStore],
    responses={
        400: {
            "model": ErrorBody,
            "description": "`firm_required`: the email exists in several "
            "firms; pass the firm slug as client_id",
        },
        429: {
            "model": ErrorBody,
            "description": "`too_many_attempts`: too many failed logins "
            "for this account or address; see Retry-After",
        },
    },
)
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    client_id: Annotated[
        str | None,
        Form(max_length=63, description="Firm slug, when the email exists in several firms"),
    ] = None,
) -> TokenPair:
    """OAuth2 password login: ``username`` is the email."""
    email = service.normalize_email(username)
    # Counted and committed before the password is checked, so that concurrent attempts
    # see each other; this request's session is used only afterwards (one connection at
    # a time per login, however many arrive together).
    async with _own_transaction(request) as own:
        user = await service.find_user(own, email=email, firm_slug=client_id)
        attempt = await throttle.count_attempt(
            own,
            settings,
            account=throttle.account_key(
                email, firm_id=user.firm_id if user else None, firm_slug=client_id
            ),
            address=throttle.address_key(_client_address(request)),
        )
    if not await service.password_matches(settings, user, password) or user is None:
        raise InvalidCredentials("Wrong email or password")
    await throttle.forgive(session, attempt)
    return await service.issue_tokens(session, settings, secret_key_of(request.app), user)


@router.post("/auth/refresh", response_model=TokenPair, dependencies=[NoStore])
async def refresh(
    request: Request, body: RefreshIn, session: SessionDep, settings: SettingsDep
) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token stops working, except
    that presenting it again within a few seconds gets the same new refresh token."""
    try:
        return await service.rotate_refresh_token(
            session, settings, secret_key_of(request.app), body.refresh_token
        )
    except RefreshTokenReused as reused:
        async with _own_transaction(request) as own:
            await service.revoke_all(own, reused.user_id)
        raise


@router.post("/auth/logout", status_code=204)
async def logout(body: RefreshIn, session: SessionDep) -> Response:
    """Revoke a refresh token. Access tokens expire on their own within minutes."""
    await service.revoke_refresh_token(session, body.refresh_token)
    return Response(status_code=204)


async def _me(session: AsyncSession, caller: Caller) -> MeOut:
    user = await session.get(User, caller.user_id)
    firm = await session.get(Firm, caller.firm_id)
    assert user is not None and firm is not None  # the caller was loaded from them
    return MeOut(
        id=caller.user_id,
        email=caller.email,
        full_name=caller.full_name,
        role=caller.role,
        specialist_id=caller.specialist_id,
        client_id=caller.client_id,
        locale=user.locale,
        firm=FirmOut.model_validate(firm, from_attributes=True),
    )


@router.get("/me", response_model=MeOut)
async def me(caller: CallerDep, session: SessionDep) -> MeOut:
    return await _me(session, caller)


@router.patch("/me", response_model=MeOut)
async def change_me(body: MePatch, caller: CallerDep, session: SessionDep) -> MeOut:
    """Change what a login may choose for itself: the language of the pages."""
    user = await session.get(User, caller.user_id, with_for_update=True)
    assert user is not None
    for name, value in body.changes().items():
        setattr(user, name, value)
    await session.flush()
    return await _me(session, caller)
