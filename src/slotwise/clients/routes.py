"""HTTP routes for clients and their wallets. Workers have no access to client data."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from slotwise.auth.dependencies import AdminDep, CallerDep
from slotwise.clients import service
from slotwise.clients.schemas import (
    ClientCreate,
    ClientOut,
    ClientPage,
    ClientUpdate,
    WalletOut,
    WalletTransactionIn,
    WalletTransactionResult,
)
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES
from slotwise.repository import PageParams

router = APIRouter(tags=["clients"], responses=ERROR_RESPONSES)


@router.get("/clients", response_model=ClientPage)
async def list_clients(
    caller: AdminDep,
    session: SessionDep,
    page: Annotated[PageParams, Query()],
    q: Annotated[
        str | None,
        Query(max_length=200, description="Case-insensitive search in name, phone and email"),
    ] = None,
    active: Annotated[bool | None, Query(description="Only active / inactive clients")] = None,
) -> ClientPage:
    """The firm's clients, ordered by last name, first name (staff only)."""
    return await service.list_clients(session, caller, q=q, active=active, page=page)


@router.post("/clients", response_model=ClientOut, status_code=201)
async def create_client(
    caller: AdminDep, session: SessionDep, body: ClientCreate, request: Request, response: Response
) -> ClientOut:
    """Create a client (staff only)."""
    client = await service.create_client(session, caller, body)
    response.headers["Location"] = str(request.url_for("get_client", client_id=client.id))
    return client


@router.get("/clients/{client_id}", response_model=ClientOut)
async def get_client(client_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> ClientOut:
    """A client; a client user may read only their own record."""
    return await service.get_client(session, caller, client_id)


@router.patch("/clients/{client_id}", response_model=ClientOut)
async def update_client(
    client_id: uuid.UUID, body: ClientUpdate, caller: AdminDep, session: SessionDep
) -> ClientOut:
    """Change the fields sent (staff only); ``null`` clears an optional field."""
    return await service.update_client(session, caller, client_id, body)


@router.delete("/clients/{client_id}", status_code=204, response_class=Response)
async def delete_client(client_id: uuid.UUID, caller: AdminDep, session: SessionDep) -> Response:
    """Delete a client without history (staff only).

    A client with appointments or wallet transactions is kept: 409 ``client_in_use``;
    deactivate it instead with ``PATCH {"is_active": false}``. A client linked to a user
    login: 409 ``client_has_login``.
    """
    await service.delete_client(session, caller, client_id)
    return Response(status_code=204)


@router.get("/clients/{client_id}/wallet", response_model=WalletOut)
async def get_wallet(client_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> WalletOut:
    """The wallet's balance and its latest 50 transactions (a client user: their own only).

    A client who never had a transaction reads as a balance of 0.00.
    """
    return await service.get_wallet(session, caller, client_id)


@router.post(
    "/clients/{client_id}/wallet/transactions",
    response_model=WalletTransactionResult,
    status_code=201,
)
async def add_wallet_transaction(
    client_id: uuid.UUID, body: WalletTransactionIn, caller: AdminDep, session: SessionDep
) -> WalletTransactionResult:
    """Credit (positive ``amount``) or debit (negative) the wallet (staff only).

    The wallet is created on first use. A debit larger than the balance is refused with 409
    ``insufficient_balance`` and nothing is written. ``appointment_id`` must be an appointment
    of this client.
    """
    return await service.add_transaction(session, caller, client_id, body)
