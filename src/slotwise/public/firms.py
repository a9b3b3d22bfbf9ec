"""Which firm a public address names: the only way the public API finds its firm.

A firm that has not turned its public booking on is answered exactly like a slug that does
not exist, so the public API never tells which firms use Slotwise.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Firm
from slotwise.public.errors import PublicFirmNotFound


async def public_firm(session: AsyncSession, slug: str) -> Firm:
    firm = await session.scalar(select(Firm).where(Firm.slug == slug, Firm.public_booking))
    if firm is None:
        raise PublicFirmNotFound()
    return firm
