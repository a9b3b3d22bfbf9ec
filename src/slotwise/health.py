"""Readiness: ``/readyz`` answers 200 only when this process can do its work — the database
answers, its schema is at the migrations' head, and the LISTEN connection of live updates is
up. ``/healthz`` stays a liveness check (the process runs), so an orchestrator restarts a
hung process but only holds traffic back from one whose database is away."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from slotwise.migrate import current_revisions, schema_problem
from slotwise.realtime.state import listener_of
from slotwise.state import engine_of

log = logging.getLogger(__name__)

# A database that does not answer in this time counts as unreachable: a probe must not hang.
CHECK_TIMEOUT_SECONDS = 3.0
OK = "ok"


class Checks(BaseModel):
    database: str
    migrations: str
    listener: str


class Ready(BaseModel):
    status: Literal["ready"]
    checks: Checks


class NotReady(BaseModel):
    status: Literal["not_ready"]
    code: Literal["not_ready"]
    message: str
    checks: Checks


router = APIRouter(tags=["ops"])


async def _database_checks(engine: AsyncEngine) -> tuple[str, str]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), engine.connect() as conn:
            revisions = await conn.run_sync(current_revisions)
    except (DBAPIError, OSError, TimeoutError) as exc:
        # The reason goes to the log only: it may name hosts and users.
        log.warning("readiness: the database does not answer: %s", exc)
        return "unreachable", "unknown (the database does not answer)"
    return OK, schema_problem(revisions) or OK


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"model": NotReady, "description": "A check failed"}},
)
async def readyz(request: Request) -> JSONResponse:
    """200 when the database answers, the schema is at head and live updates are listening;
    503 naming the checks that failed otherwise."""
    database, migrations = await _database_checks(engine_of(request.app))
    listener = listener_of(request.app)
    checks = Checks(
        database=database,
        migrations=migrations,
        listener=OK if listener.connected.is_set() else "not connected",
    )
    failed = {name: state for name, state in checks.model_dump().items() if state != OK}
    if not failed:
        return JSONResponse(Ready(status="ready", checks=checks).model_dump())
    message = "; ".join(f"{name}: {state}" for name, state in failed.items())
    body = NotReady(status="not_ready", code="not_ready", message=message, checks=checks)
    return JSONResponse(body.model_dump(), status_code=503)
