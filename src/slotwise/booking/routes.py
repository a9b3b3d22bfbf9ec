"""HTTP routes for holds. Confirming a hold is ``POST /appointments`` with ``hold_id``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from slotwise.auth.dependencies import CallerDep
from slotwise.booking import holds
from slotwise.booking.schemas import HoldCreate, HoldOut
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES
from slotwise.idempotency import IdempotencyKeyHeader, run_idempotent

router = APIRouter(tags=["booking"], responses=ERROR_RESPONSES)


@router.post("/holds", response_model=HoldOut, status_code=201)
async def create_hold(
    body: HoldCreate,
    caller: CallerDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Hold a free slot for a short time (the firm's `hold_ttl_seconds`, default 120 s).

    The slot must be one that `GET /availability` offers. A slot overlapping another hold or
    appointment of the same specialist or workplace: 409 `slot_taken`, naming the range in the
    way in `message` and every booking in the way in `details` (also for "any specialist",
    when every specialist who could take it is claimed, and whichever of two simultaneous
    requests loses); a slot not offered for other reasons (hours, notice, capacity...): 409
    `slot_unavailable`.
    Clients hold for themselves, staff for any client (or none). Confirm with
    `POST /appointments {"hold_id": ...}` before `expires_at`.
    """

    async def act() -> tuple[int, HoldOut]:
        hold = await holds.create_hold(session, caller, body, datetime.now(UTC))
        return 201, HoldOut.model_validate(hold)

    return await run_idempotent(
        session,
        user_id=caller.user_id,
        key=idempotency_key,
        endpoint="POST /holds",
        body=body,
        action=act,
    )


@router.get("/holds/{hold_id}", response_model=HoldOut)
async def get_hold(hold_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> HoldOut:
    """A hold of your own (staff: any of the firm's)."""
    return HoldOut.model_validate(
        await holds.visible_hold(session, holds.Holder.of(caller), hold_id)
    )


@router.delete("/holds/{hold_id}", status_code=204, response_class=Response)
async def delete_hold(hold_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> Response:
    """Release a hold at once (staff: any of the firm's)."""
    await holds.release_hold(session, holds.Holder.of(caller), hold_id)
    return Response(status_code=204)
