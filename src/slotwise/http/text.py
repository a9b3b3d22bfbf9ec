"""Text a caller sends must be text PostgreSQL can store, which excludes NUL (``\\x00``).

Checked once for every route, as part of request validation: the path and query parameters and
the body's fields (JSON at any depth, keys included, and form fields such as the login's), so
that a NUL is a 422 naming its field instead of a database error. The database's own refusal
is only the last guard (``slotwise.errors``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import params
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from starlette.requests import HTTPConnection, Request

NUL = "\x00"
# The only way a NUL fits in JSON text: a raw one is already invalid JSON.
_JSON_NUL = b"\\u0000"

Loc = tuple[str | int, ...]


async def refuse_nul_text(connection: HTTPConnection) -> None:
    """A dependency of the whole application (HTTP routes and WebSockets)."""
    found: list[Loc] = [
        ("path", name)
        for name, value in connection.path_params.items()
        if isinstance(value, str) and NUL in value
    ]
    found += [
        ("query", name)
        for name, value in connection.query_params.multi_items()
        if NUL in name or NUL in value
    ]
    if isinstance(connection, Request):
        found += await _body_locations(connection)
    if not found:
        return
    errors = [
        {
            "type": "nul_character",
            "loc": loc,
            "input": None,
            "msg": "Text must not contain the NUL character (\\u0000)",
        }
        for loc in dict.fromkeys(found)
    ]
    if connection.scope["type"] == "websocket":
        raise WebSocketRequestValidationError(errors)
    raise RequestValidationError(errors)


async def _body_locations(request: Request) -> list[Loc]:
    # Only a body the route reads: FastAPI has parsed it already (Starlette keeps the parsed
    # form and JSON on the request), so looking costs a substring search at most.
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None:
        return []
    if isinstance(body_field.field_info, params.Form):
        form = await request.form()
        return [
            ("body", name)
            for name, value in form.multi_items()
            if NUL in name or (isinstance(value, str) and NUL in value)
        ]
    if _JSON_NUL not in await request.body():
        return []
    try:
        payload = await request.json()
    except ValueError:  # not JSON: the route's own validation refuses it
        return []
    return list(_nul_locations(payload, ("body",)))


def _nul_locations(value: Any, loc: Loc) -> Iterator[Loc]:
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*loc, key)
            else:
                yield from _nul_locations(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_locations(item, (*loc, index))
