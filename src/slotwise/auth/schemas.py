from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from slotwise.patch import PatchModel

# The languages of the staff pages (slotwise/web/static/i18n.js).
PageLanguage = Literal["en", "de", "ru"]


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class FirmOut(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    time_zone: str
    default_locale: str


class MeOut(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: str
    specialist_id: uuid.UUID | None
    client_id: uuid.UUID | None
    locale: PageLanguage | None = Field(
        description="The pages' language this login chose; null: the firm's default_locale"
    )
    firm: FirmOut


class MePatch(PatchModel):
    nullable_fields = frozenset({"locale"})

    locale: PageLanguage | None = Field(
        default=None, description="The pages' language; null: follow the firm's default"
    )
