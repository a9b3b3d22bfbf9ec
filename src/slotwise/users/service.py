"""Rules of staff logins: who may invite whom, the role changes that are refused, and the
set-password links of invitations and resets.

An owner manages every staff login; a director manages managers and workers (an owner or
director role is granted only by an owner). Nobody changes their own role or deactivates
themselves, and the firm always keeps an active owner. A deactivated login's access tokens stop
at once (``auth.caller.load_caller`` reads the user on every request) and its refresh tokens
are revoked in the same transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import Caller, Role
from slotwise.auth.service import normalize_email, revoke_all
from slotwise.config import Settings
from slotwise.models import Specialist, User
from slotwise.repository import Page, PageParams, apply_changes, get_in_firm
from slotwise.security import hash_password_async
from slotwise.users import repository as repo
from slotwise.users.errors import (
    EmailTaken,
    LastOwner,
    OwnSelfChange,
    PasswordLinkInvalid,
    RoleNotGrantable,
    SpecialistTaken,
    UserNotFound,
    WorkerNeedsSpecialist,
)
from slotwise.users.schemas import (
    InvitedUserOut,
    PasswordLinkOut,
    SetPasswordIn,
    UserIn,
    UserOut,
    UserPatch,
)
from slotwise.users.tokens import (
    UNUSABLE_PREFIX,
    create_password_token,
    read_password_token,
    unusable_password_hash,
)

# Roles only an owner may grant, or change a login away from.
_OWNER_GRANTED = frozenset({Role.OWNER, Role.DIRECTOR})


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        specialist_id=user.specialist_id,
        is_active=user.is_active,
        has_password=not user.password_hash.startswith(UNUSABLE_PREFIX),
        created_at=user.created_at,
    )


def _check_may_grant(caller: Caller, role: str) -> None:
    if role in _OWNER_GRANTED and caller.role is not Role.OWNER:
        raise RoleNotGrantable()


async def _check_specialist(
    session: AsyncSession, caller: Caller, specialist_id: uuid.UUID, except_id: uuid.UUID | None
) -> None:
    # The specialist's row lock serializes two logins being linked to it at once.
    await get_in_firm(session, Specialist, caller.firm_id, specialist_id, for_update=True)
    if await repo.specialist_linked(session, caller.firm_id, specialist_id, except_id=except_id):
        raise SpecialistTaken()


def password_link(settings: Settings, secret: str, user: User) -> PasswordLinkOut:
    token, expires = create_password_token(
        user_id=user.id,
        firm_id=user.firm_id,
        password_hash=user.password_hash,
        secret=secret,
        ttl_seconds=settings.password_link_ttl_seconds,
    )
    return PasswordLinkOut(set_password_token=token, expires_at=expires)


async def list_users(
    session: AsyncSession,
    caller: Caller,
    *,
    role: str | None,
    active: bool | None,
    page: PageParams,
) -> Page[UserOut]:
    rows, total = await repo.staff_page(
        session, caller.firm_id, role=role, active=active, page=page
    )
    return Page[UserOut].of([user_out(r) for r in rows], total, page)


async def _staff(
    session: AsyncSession, caller: Caller, user_id: uuid.UUID, *, for_update: bool = False
) -> User:
    user = await repo.get_staff(session, caller.firm_id, user_id, for_update=for_update)
    if user is None:
        raise UserNotFound(f"No staff login with id {user_id}")
    return user


async def get_user(session: AsyncSession, caller: Caller, user_id: uuid.UUID) -> UserOut:
    return user_out(await _staff(session, caller, user_id))


async def create_user(
    session: AsyncSession, settings: Settings, secret: str, caller: Caller, data: UserIn
) -> InvitedUserOut:
    _check_may_grant(caller, data.role)
    if Role(data.role) is Role.WORKER and data.specialist_id is None:
        raise WorkerNeedsSpecialist()
    email = normalize_email(data.email)
    if await repo.email_taken(session, caller.firm_id, email):
        raise EmailTaken()
    if data.specialist_id is not None:
        await _check_specialist(session, caller, data.specialist_id, None)
    if data.password is not None:
        password_hash = await hash_password_async(
            data.password, threads=settings.password_hashing_threads
        )
    else:
        password_hash = unusable_password_hash()
    user = User(
        firm_id=caller.firm_id,
        email=email,
        full_name=data.full_name,
        role=data.role,
        specialist_id=data.specialist_id,
        password_hash=password_hash,
    )
    try:
        # A savepoint: the same email created concurrently meets the unique constraint.
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:
        raise EmailTaken() from exc
    await session.refresh(user)
    link = None if data.password is not None else password_link(settings, secret, user)
    return InvitedUserOut(**user_out(user).model_dump(), password_link=link)


async def _check_owner_kept(session: AsyncSession, caller: Caller, user: User) -> None:
    owners = await repo.lock_active_owners(session, caller.firm_id)  # locked already
    if owners == [user.id]:
        raise LastOwner()


async def update_user(
    session: AsyncSession, caller: Caller, user_id: uuid.UUID, patch: UserPatch
) -> UserOut:
    if (await _staff(session, caller, user_id)).role == Role.OWNER:
        # Owners are locked together (in one order) before the row itself, so that two
        # owners demoting each other wait for one another instead of deadlocking.
        await repo.lock_active_owners(session, caller.firm_id)
    user = await _staff(session, caller, user_id, for_update=True)
    changes = patch.changes()
    role = changes.get("role", user.role)
    deactivating = changes.get("is_active") is False and user.is_active
    if user.id == caller.user_id and (role != user.role or deactivating):
        raise OwnSelfChange()
    if role != user.role or deactivating or changes.get("is_active") is True:
        # Changing an owner's or director's login (or making one) is for owners only.
        _check_may_grant(caller, user.role)
        _check_may_grant(caller, role)
    if user.role == Role.OWNER and (role != Role.OWNER or deactivating):
        await _check_owner_kept(session, caller, user)
    specialist_id = changes.get("specialist_id", user.specialist_id)
    if role == Role.WORKER and specialist_id is None:
        raise WorkerNeedsSpecialist()
    if specialist_id is not None and specialist_id != user.specialist_id:
        await _check_specialist(session, caller, specialist_id, user.id)
    apply_changes(user, changes)
    await session.flush()
    if deactivating:
        await revoke_all(session, user.id)
    return user_out(user)


async def reset_password(
    session: AsyncSession, settings: Settings, secret: str, caller: Caller, user_id: uuid.UUID
) -> PasswordLinkOut:
    """A new set-password link. The current password keeps working until the link is used
    (the user may only have forgotten it); to lock someone out, deactivate the login."""
    user = await _staff(session, caller, user_id)
    _check_may_grant(caller, user.role)
    return password_link(settings, secret, user)


async def set_password(
    session: AsyncSession, settings: Settings, secret: str, data: SetPasswordIn
) -> None:
    """Uses a set-password link: the password is set, every older link stops working (the
    hash it was made from changed) and every session of the login ends."""
    link = read_password_token(data.token, secret=secret)
    if link is None:
        raise PasswordLinkInvalid()
    user = await repo.get_staff(session, link.firm_id, link.user_id, for_update=True)
    if user is None or not user.is_active or not link.matches(user.password_hash, secret):
        raise PasswordLinkInvalid()
    user.password_hash = await hash_password_async(
        data.password, threads=settings.password_hashing_threads
    )
    await session.flush()
    await revoke_all(session, user.id)
