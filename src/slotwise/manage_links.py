"""Manage links: a signed, expiring token that lets whoever holds it see, cancel and move one
appointment without an account: the link in a client's messages,
``<base>/book/<slug>/manage#<token>``.

Nothing is stored: the token is HS256 with the server's secret and names the appointment and
its firm. It works until ``manage_link_days_after_end`` days after the appointment's end as it
was when the token was made (a moved appointment's messages carry a fresh link). The token
travels in the URL fragment, which browsers never send to a server or in a Referer, and the
page hands it to the API in the ``X-Manage-Token`` header.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import jwt

from slotwise.config import Settings
from slotwise.errors import Gone, NotFound

_ALGORITHM = "HS256"
_PURPOSE = "manage"
DEFAULT_DAYS_AFTER_END = 30


class ManageLinkInvalid(NotFound):
    code = "manage_link_invalid"
    default_message = "This manage link is not valid; use the link from your latest message"


class ManageLinkExpired(Gone):
    code = "manage_link_expired"
    default_message = "This manage link has expired"


@dataclass(frozen=True, slots=True)
class ManageClaims:
    appointment_id: uuid.UUID
    firm_id: uuid.UUID
    expires_at: datetime
    # The client the link was sent to: once the appointment is someone else's, the link
    # stops working.
    client_id: uuid.UUID | None = None


def issue_manage_token(
    appointment_id: uuid.UUID,
    firm_id: uuid.UUID,
    end_at: datetime,
    *,
    secret: str,
    days_after_end: int = DEFAULT_DAYS_AFTER_END,
    client_id: uuid.UUID | None = None,
) -> str:
    """The token of one appointment's manage link, valid until ``days_after_end`` days after
    ``end_at`` (``Settings.manage_link_days_after_end``; ``secret`` is the app's secret key,
    ``app.state.secret_key`` or ``Settings.resolved_secret_key()``). With ``client_id`` the
    link works only while the appointment is that client's."""
    expires = end_at.astimezone(UTC) + timedelta(days=days_after_end)
    payload = {
        "typ": _PURPOSE,
        "sub": str(appointment_id),
        "firm": str(firm_id),
        "exp": int(expires.timestamp()),
    }
    if client_id is not None:
        payload["cl"] = str(client_id)
    return jwt.encode(payload, secret, algorithm=_ALGORITHM)


class Booked(Protocol):
    """An appointment as any layer holds it (the ORM row, ``AppointmentOut``)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def end_at(self) -> datetime: ...
    @property
    def client_id(self) -> uuid.UUID | None: ...


def manage_token(appointment: Booked, firm_id: uuid.UUID, settings: Settings, secret: str) -> str:
    """The token of ``appointment``'s manage link with the server's settings: for the
    confirmation of a public booking, ``manage_token(appointment, firm.id,
    settings_of(app), secret_key_of(app))``."""
    return issue_manage_token(
        appointment.id,
        firm_id,
        appointment.end_at,
        secret=secret,
        days_after_end=settings.manage_link_days_after_end,
        client_id=appointment.client_id,
    )


def read_manage_token(token: str, *, secret: str, now: datetime | None = None) -> ManageClaims:
    """The claims of a genuine token; 404 ``manage_link_invalid`` for anything not signed by
    us (altered, truncated, another kind of token), 410 ``manage_link_expired`` after its
    time (checked after the signature, so the 410 says nothing about forged tokens)."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"require": ["exp", "sub", "firm", "typ"], "verify_exp": False},
        )
        if payload["typ"] != _PURPOSE:
            raise ManageLinkInvalid()
        claims = ManageClaims(
            appointment_id=uuid.UUID(str(payload["sub"])),
            firm_id=uuid.UUID(str(payload["firm"])),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
            client_id=uuid.UUID(str(payload["cl"])) if "cl" in payload else None,
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError, OverflowError):
        raise ManageLinkInvalid() from None
    if (now or datetime.now(UTC)) >= claims.expires_at:
        raise ManageLinkExpired()
    return claims


def manage_url(base_url: str, firm_slug: str, token: str) -> str:
    """The page's address with the token in the fragment (``Settings.public_base_url()``)."""
    return f"{base_url.rstrip('/')}/book/{firm_slug}/manage#{token}"
