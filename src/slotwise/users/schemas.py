from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from slotwise.patch import PatchModel

# The roles a staff login can have; clients get their logins through booking, not here.
StaffRole = Literal["owner", "director", "manager", "worker"]
Password = Field(min_length=8, max_length=200)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    full_name: str = Field(default="", max_length=200)
    role: StaffRole
    specialist_id: uuid.UUID | None = Field(
        default=None, description="Required for a worker: the specialist whose day they run"
    )
    password: str | None = Field(
        default=None,
        min_length=8,
        max_length=200,
        description="An initial password; without one the answer carries a set-password link",
    )


class UserPatch(PatchModel):
    nullable_fields = frozenset({"specialist_id"})

    full_name: str | None = Field(default=None, max_length=200)
    role: StaffRole | None = None
    specialist_id: uuid.UUID | None = None
    is_active: bool | None = Field(
        default=None, description="false: the login's tokens stop working at once"
    )


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: str
    specialist_id: uuid.UUID | None
    is_active: bool
    has_password: bool
    created_at: datetime


class PasswordLinkOut(BaseModel):
    set_password_token: str = Field(
        description="One-time: POST it with the new password to /api/v1/auth/set-password"
    )
    expires_at: datetime


class InvitedUserOut(UserOut):
    password_link: PasswordLinkOut | None = Field(
        description="Present when the login was created without a password"
    )


class SetPasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=2000)
    password: str = Password
