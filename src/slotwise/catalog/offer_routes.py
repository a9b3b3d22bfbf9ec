"""Routes of workplaces, the services each workplace offers, and services."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from slotwise.auth.dependencies import AdminDep, CallerDep
from slotwise.catalog import service
from slotwise.catalog.params import ActiveQuery, PageQuery
from slotwise.catalog.schemas import (
    OverrideIn,
    OverrideOut,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    WorkplaceIn,
    WorkplaceOut,
    WorkplacePatch,
)
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES
from slotwise.repository import Page

router = APIRouter(responses=ERROR_RESPONSES)

CREATED_OR_REPLACED: dict[int | str, dict[str, str]] = {
    200: {"description": "Replaced"},
    201: {"description": "Created"},
}


@router.get("/workplaces", response_model=Page[WorkplaceOut], tags=["workplaces"])
async def list_workplaces(
    caller: CallerDep,
    session: SessionDep,
    page: PageQuery,
    active: ActiveQuery = None,
    location_id: Annotated[uuid.UUID | None, Query(description="Only this location's")] = None,
) -> Page[WorkplaceOut]:
    """The firm's workplaces ordered by name. Open to every role of the firm."""
    return await service.list_workplaces(
        session, caller, location_id=location_id, active=active, page=page
    )


@router.post("/workplaces", response_model=WorkplaceOut, status_code=201, tags=["workplaces"])
async def create_workplace(
    body: WorkplaceIn, caller: AdminDep, session: SessionDep, request: Request, response: Response
) -> WorkplaceOut:
    """Create a workplace in a location (names are unique per location). Admins only."""
    created = await service.create_workplace(session, caller, body)
    response.headers["Location"] = str(request.url_for("get_workplace", workplace_id=created.id))
    return created


@router.get("/workplaces/{workplace_id}", response_model=WorkplaceOut, tags=["workplaces"])
async def get_workplace(
    workplace_id: uuid.UUID, caller: CallerDep, session: SessionDep
) -> WorkplaceOut:
    """One workplace. Open to every role of the firm."""
    return await service.get_workplace(session, caller, workplace_id)


@router.patch("/workplaces/{workplace_id}", response_model=WorkplaceOut, tags=["workplaces"])
async def update_workplace(
    workplace_id: uuid.UUID, body: WorkplacePatch, caller: AdminDep, session: SessionDep
) -> WorkplaceOut:
    """Change a workplace. Admins only.

    Moving it to another location (``location_id``) is refused while appointments or
    holds reference it (409 ``workplace_in_use``) or specialist schedules use it
    (409 ``workplace_scheduled``).
    """
    return await service.update_workplace(session, caller, workplace_id, body)


@router.delete(
    "/workplaces/{workplace_id}", status_code=204, response_class=Response, tags=["workplaces"]
)
async def delete_workplace(
    workplace_id: uuid.UUID, caller: AdminDep, session: SessionDep
) -> Response:
    """Delete a workplace with its service overrides and the schedule entries naming it.
    Admins only.

    A workplace that appointments or holds refer to cannot be deleted (409
    ``workplace_in_use``): set ``is_active=false`` to retire it instead, which keeps its
    history.
    """
    await service.delete_workplace(session, caller, workplace_id)
    return Response(status_code=204)


@router.get(
    "/workplaces/{workplace_id}/services", response_model=list[OverrideOut], tags=["workplaces"]
)
async def list_overrides(
    workplace_id: uuid.UUID, caller: CallerDep, session: SessionDep
) -> list[OverrideOut]:
    """The services this workplace offers, with its own price/duration/break where set.

    Open to every role of the firm.
    """
    return await service.list_overrides(session, caller, workplace_id)


@router.put(
    "/workplaces/{workplace_id}/services/{service_id}",
    response_model=OverrideOut,
    responses=CREATED_OR_REPLACED,
    tags=["workplaces"],
)
async def put_override(
    workplace_id: uuid.UUID,
    service_id: uuid.UUID,
    caller: AdminDep,
    session: SessionDep,
    response: Response,
    body: OverrideIn | None = None,
) -> OverrideOut:
    """The workplace offers the service: create (201) or replace (200). Admins only.

    A null (or omitted) price, duration or break means the service's own value.
    """
    out, created = await service.put_override(
        session, caller, workplace_id, service_id, body or OverrideIn()
    )
    response.status_code = 201 if created else 200
    return out


@router.delete(
    "/workplaces/{workplace_id}/services/{service_id}",
    status_code=204,
    response_class=Response,
    tags=["workplaces"],
)
async def delete_override(
    workplace_id: uuid.UUID, service_id: uuid.UUID, caller: AdminDep, session: SessionDep
) -> Response:
    """The workplace stops offering the service. Admins only."""
    await service.delete_override(session, caller, workplace_id, service_id)
    return Response(status_code=204)


@router.get("/services", response_model=Page[ServiceOut], tags=["services"])
async def list_services(
    caller: CallerDep, session: SessionDep, page: PageQuery, active: ActiveQuery = None
) -> Page[ServiceOut]:
    """The firm's services ordered by name. Open to every role of the firm."""
    return await service.list_services(session, caller, active=active, page=page)


@router.post("/services", response_model=ServiceOut, status_code=201, tags=["services"])
async def create_service(
    body: ServiceIn, caller: AdminDep, session: SessionDep, request: Request, response: Response
) -> ServiceOut:
    """Create a service (names are unique in the firm). Admins only."""
    created = await service.create_service(session, caller, body)
    response.headers["Location"] = str(request.url_for("get_service", service_id=created.id))
    return created


@router.get("/services/{service_id}", response_model=ServiceOut, tags=["services"])
async def get_service(service_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> ServiceOut:
    """One service. Open to every role of the firm."""
    return await service.get_service(session, caller, service_id)


@router.patch("/services/{service_id}", response_model=ServiceOut, tags=["services"])
async def update_service(
    service_id: uuid.UUID, body: ServicePatch, caller: AdminDep, session: SessionDep
) -> ServiceOut:
    """Change a service; past appointments keep the price they had. Admins only."""
    return await service.update_service(session, caller, service_id, body)


@router.delete(
    "/services/{service_id}", status_code=204, response_class=Response, tags=["services"]
)
async def delete_service(service_id: uuid.UUID, caller: AdminDep, session: SessionDep) -> Response:
    """Delete a service with its workplace overrides and specialist links. Admins only.

    A service used in appointments or holds cannot be deleted (409 ``service_in_use``):
    set ``is_active=false`` to retire it instead, which keeps its history.
    """
    await service.delete_service(session, caller, service_id)
    return Response(status_code=204)
