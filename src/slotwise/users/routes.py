"""Staff logins: an owner or director invites, changes, deactivates and resets them; anyone
with a set-password link sets their password."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from slotwise.auth.dependencies import OperatorDep
from slotwise.catalog.params import ActiveQuery, PageQuery
from slotwise.deps import SessionDep, SettingsDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody
from slotwise.repository import Page
from slotwise.state import secret_key_of
from slotwise.users import service
from slotwise.users.schemas import (
    InvitedUserOut,
    PasswordLinkOut,
    SetPasswordIn,
    StaffRole,
    UserIn,
    UserOut,
    UserPatch,
)

router = APIRouter(responses=ERROR_RESPONSES, tags=["users"])

RoleQuery = Annotated[StaffRole | None, Query(description="Only logins with this role")]


@router.get("/users", response_model=Page[UserOut])
async def list_users(
    caller: OperatorDep,
    session: SessionDep,
    page: PageQuery,
    role: RoleQuery = None,
    active: ActiveQuery = None,
) -> Page[UserOut]:
    """The firm's staff logins by name (owner and director). Clients' logins are not listed."""
    return await service.list_users(session, caller, role=role, active=active, page=page)


@router.post("/users", response_model=InvitedUserOut, status_code=201)
async def create_user(
    body: UserIn,
    caller: OperatorDep,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
) -> InvitedUserOut:
    """Invite a staff member (owner and director; only an owner grants owner or director).

    Without ``password`` the answer carries a one-time ``password_link`` to hand over; it
    works for ``password_link_ttl_seconds``. A worker needs ``specialist_id`` (422
    ``worker_needs_specialist``); the email is unique in the firm (409 ``email_taken``).
    """
    created = await service.create_user(session, settings, secret_key_of(request.app), caller, body)
    response.headers["Location"] = str(request.url_for("get_user", user_id=created.id))
    return created


@router.get("/users/{user_id}", response_model=UserOut)
async def get_user(user_id: uuid.UUID, caller: OperatorDep, session: SessionDep) -> UserOut:
    """One staff login (owner and director)."""
    return await service.get_user(session, caller, user_id)


@router.patch("/users/{user_id}", response_model=UserOut)
async def update_user(
    user_id: uuid.UUID, body: UserPatch, caller: OperatorDep, session: SessionDep
) -> UserOut:
    """Change a login's name, role, specialist or whether it is active.

    ``is_active=false`` ends the login's access at once, tokens included. Refused: your own
    role or deactivation (403 ``own_login_change``), owner or director changes by a director
    (403 ``role_not_grantable``), leaving the firm without an active owner (409
    ``last_owner``).
    """
    return await service.update_user(session, caller, user_id, body)


@router.post("/users/{user_id}/password-reset", response_model=PasswordLinkOut)
async def reset_password(
    user_id: uuid.UUID,
    caller: OperatorDep,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> PasswordLinkOut:
    """A new one-time set-password link for the login (owner and director)."""
    return await service.reset_password(
        session, settings, secret_key_of(request.app), caller, user_id
    )


@router.post(
    "/auth/set-password",
    status_code=204,
    response_class=Response,
    tags=["auth"],
    responses={
        400: {
            "model": ErrorBody,
            "description": "`password_link_invalid`: the link is invalid, expired or used",
        }
    },
)
async def set_password(
    body: SetPasswordIn, session: SessionDep, settings: SettingsDep, request: Request
) -> Response:
    """Set the password with a set-password link's token (no login needed). The link works
    once; every session of the login ends (400 ``password_link_invalid`` otherwise)."""
    await service.set_password(session, settings, secret_key_of(request.app), body)
    return Response(status_code=204)
