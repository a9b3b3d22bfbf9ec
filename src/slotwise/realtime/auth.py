"""Who is at the other end of a stream.

Browsers' EventSource and WebSocket cannot send an Authorization header, so streams also take
a token in the query string; that one must be a short-lived *stream* token (purpose
``stream``), never the access token, which would otherwise end up in proxy and server logs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import Caller, load_caller
from slotwise.auth.errors import InvalidToken
from slotwise.errors import NotAuthenticated
from slotwise.security import create_access_token, decode_access_token

STREAM_PURPOSE = "stream"


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def issue_stream_token(caller: Caller, secret: str, ttl_seconds: int) -> tuple[str, datetime]:
    return create_access_token(
        user_id=caller.user_id,
        firm_id=caller.firm_id,
        role=caller.role,
        secret=secret,
        ttl_seconds=ttl_seconds,
        purpose=STREAM_PURPOSE,
    )


async def stream_caller(
    session: AsyncSession, secret: str, *, header_token: str | None, query_token: str | None
) -> Caller:
    """The caller of a stream: a stream token from the query, else the access token from the
    header. A query token that is not a valid stream token is refused even when a header
    would have been fine, so a leaked access token in a URL never works."""
    if query_token is not None:
        claims = decode_access_token(query_token, secret=secret, purpose=STREAM_PURPOSE)
    elif header_token is not None:
        claims = decode_access_token(header_token, secret=secret)
    else:
        raise NotAuthenticated()
    if claims is None:
        raise InvalidToken(
            "The token is invalid or expired (in a URL only a stream "
            "token from POST /events/stream-token is accepted)",
        )
    caller = await load_caller(session, claims.user_id, claims.firm_id)
    if caller is None:
        raise InvalidToken("The user no longer exists or is disabled")
    return caller
