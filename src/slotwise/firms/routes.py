"""The caller's firm and its booking rules."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from slotwise.auth.caller import OPERATOR_ROLES
from slotwise.auth.dependencies import CallerDep, require_roles
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES
from slotwise.firms.schemas import FirmSettingsOut, FirmSettingsUpdate
from slotwise.models import Firm
from slotwise.repository import apply_changes

router = APIRouter(tags=["firm"], responses=ERROR_RESPONSES)


@router.get("/firm", response_model=FirmSettingsOut)
async def get_firm(caller: CallerDep, session: SessionDep) -> FirmSettingsOut:
    """Your firm and its booking rules (every role: clients see the notice and deadline)."""
    firm = await session.get(Firm, caller.firm_id)
    return FirmSettingsOut.model_validate(firm)


@router.patch(
    "/firm",
    response_model=FirmSettingsOut,
    dependencies=[Depends(require_roles(*OPERATOR_ROLES))],
)
async def update_firm(
    body: FirmSettingsUpdate, caller: CallerDep, session: SessionDep
) -> FirmSettingsOut:
    """Change the firm's name, zone, locale or booking rules (owner and director)."""
    changes = body.changes()
    firm = await session.get(Firm, caller.firm_id, with_for_update=True)
    apply_changes(firm, changes)
    await session.flush()
    return FirmSettingsOut.model_validate(firm)
