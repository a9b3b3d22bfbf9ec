"""``Idempotency-Key`` support: a retried POST returns the first result instead of acting twice.

The key row is inserted at the start of the request, in the request's own transaction, and
filled with the response at the end. A concurrent retry with the same key blocks on the key's
primary key until the first request finishes: if that one committed, the retry replays its
response; if it rolled back (an error), the retry runs as if it were the first.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.errors import IdempotencyBusy, IdempotencyKeyReused
from slotwise.models import IdempotencyKey

# The headers of an answer, from its JSON body.
ResponseHeaders = Callable[[dict[str, Any]], dict[str, str]]

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Makes retries safe: the same key and body return the first result",
    ),
]


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]


def request_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def begin(
    session: AsyncSession, *, user_id: uuid.UUID, key: str, endpoint: str, body: dict[str, Any]
) -> Replay | None:
    """Reserves the key, or returns the stored result of the first request with it."""
    digest = request_hash(body)
    inserted = await session.scalar(
        insert(IdempotencyKey)
        .values(user_id=user_id, key=key, endpoint=endpoint, request_hash=digest)
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    )
    if inserted is not None:
        return None
    stored = await session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.endpoint == endpoint,
        )
    )
    if stored is None or stored.status_code is None or stored.response is None:
        # Only possible if the row vanished between the two statements (a purge); refuse
        # rather than act twice.
        raise IdempotencyBusy("The idempotency key is being processed; retry")
    if stored.request_hash != digest:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used with a different request body",
        )
    return Replay(stored.status_code, stored.response)


async def finish(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    key: str,
    endpoint: str,
    status_code: int,
    body: dict[str, Any],
) -> None:
    await session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.endpoint == endpoint,
        )
        .values(status_code=status_code, response=body)
    )


async def run_idempotent(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    key: str | None,
    endpoint: str,
    body: BaseModel,
    action: Callable[[], Awaitable[tuple[int, BaseModel]]],
    headers: ResponseHeaders | None = None,
) -> JSONResponse:
    """Runs ``action`` (which answers a status and a result) once per key: a retry gets the
    stored answer (``Idempotent-Replayed: true``).

    ``headers`` derives the response's headers (``ETag``, ``Location``) from the result, so
    a replay carries the same ones as the first answer.
    """
    if key is None:
        status_code, result = await action()
        return _respond(status_code, result.model_dump(mode="json"), headers)
    replay = await begin(
        session, user_id=user_id, key=key, endpoint=endpoint, body=body.model_dump(mode="json")
    )
    if replay is not None:
        response = _respond(replay.status_code, replay.body, headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    status_code, result = await action()
    stored = result.model_dump(mode="json")
    await finish(
        session, user_id=user_id, key=key, endpoint=endpoint, status_code=status_code, body=stored
    )
    return _respond(status_code, stored, headers)


def _respond(
    status_code: int, body: dict[str, Any], headers: ResponseHeaders | None
) -> JSONResponse:
    return JSONResponse(
        body, status_code=status_code, headers=headers(body) if headers is not None else None
    )
