"""Pydantic models of the notification endpoints (push subscriptions, the log)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from slotwise.notifications.channels.ece import b64url_decode

Base64Url = Annotated[str, Field(min_length=16, max_length=200, pattern=r"^[A-Za-z0-9_-]+=*$")]


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p256dh: Base64Url = Field(description="The browser's P-256 public key (65 bytes, base64url)")
    auth: Base64Url = Field(description="The 16-byte authentication secret, base64url")

    @field_validator("p256dh")
    @classmethod
    def _point(cls, value: str) -> str:
        raw = b64url_decode(value)
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("must be an uncompressed P-256 point (65 bytes)")
        return value

    @field_validator("auth")
    @classmethod
    def _secret(cls, value: str) -> str:
        if len(b64url_decode(value)) != 16:
            raise ValueError("must be 16 bytes")
        return value


class PushSubscriptionIn(BaseModel):
    """``PushSubscription.toJSON()`` as the browser gives it (``expirationTime`` is
    accepted and ignored: push services report an expired subscription with 404/410)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    endpoint: str = Field(min_length=10, max_length=1000)
    keys: PushKeys
    expiration_time: int | None = Field(None, alias="expirationTime")
    user_agent: str = Field("", max_length=300)

    @field_validator("endpoint")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be the push service's URL")
        return value


class PushSubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endpoint: str
    user_agent: str
    created_at: datetime


class VapidKeyOut(BaseModel):
    public_key: str | None = Field(
        description="The applicationServerKey for pushManager.subscribe (base64url); null "
        "when Web Push is not configured"
    )


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    appointment_id: uuid.UUID | None
    type: str
    recipient_kind: str
    client_id: uuid.UUID | None
    specialist_id: uuid.UUID | None
    status: str
    channel: str | None
    address: str | None
    locale: str | None
    send_after: datetime
    planned_start_at: datetime | None
    offset_minutes: int | None
    attempts: int
    last_error: str | None
    job_id: int | None
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    total: int
    limit: int
    offset: int
