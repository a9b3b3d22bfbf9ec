"""FastAPI dependencies for who is calling: the caller from the bearer token, role checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from slotwise.auth.caller import ADMIN_ROLES, OPERATOR_ROLES, Caller, Role, load_caller
from slotwise.auth.errors import InvalidToken
from slotwise.deps import SessionDep
from slotwise.errors import Forbidden, NotAuthenticated
from slotwise.security import decode_access_token
from slotwise.state import secret_key_of

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def current_caller(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> Caller:
    if not token:
        raise NotAuthenticated()
    claims = decode_access_token(token, secret=secret_key_of(request.app))
    if claims is None:
        raise InvalidToken("The access token is invalid or expired")
    caller = await load_caller(session, claims.user_id, claims.firm_id)
    if caller is None:
        raise InvalidToken("The user no longer exists or is disabled")
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]


def require_roles(*roles: Role) -> Callable[[Caller], Awaitable[Caller]]:
    allowed = frozenset(roles)

    async def check(caller: CallerDep) -> Caller:
        if caller.role not in allowed:
            raise Forbidden(f"The role '{caller.role}' may not do this")
        return caller

    return check


AdminDep = Annotated[Caller, Depends(require_roles(*ADMIN_ROLES))]
OperatorDep = Annotated[Caller, Depends(require_roles(*OPERATOR_ROLES))]
