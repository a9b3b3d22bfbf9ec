"""Every PATCH endpoint refuses ``null`` for a field that cannot be cleared the same way:
422 ``validation_error`` whose details name the field (slotwise.patch.PatchModel)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from slotwise.patch import NOT_NULL_MESSAGE
from tests.factories import World


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def _nullable(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(option.get("type") == "null" for option in options)


def patch_bodies(app: FastAPI) -> dict[str, dict[str, Any]]:
    """Path -> the request body schema of its PATCH operation."""
    spec = app.openapi()
    bodies = {}
    for path, operations in spec["paths"].items():
        patch = operations.get("patch")
        if patch is None:
            continue
        content = patch["requestBody"]["content"]["application/json"]["schema"]
        bodies[path] = _resolve(spec, content)
    return bodies


async def test_every_patch_refuses_null_for_a_field_it_cannot_clear(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    bodies = patch_bodies(app)
    # The API's PATCH endpoints, so that one added later is checked too.
    assert {"/api/v1/firm", "/api/v1/appointments/{appointment_id}"} <= set(bodies)
    assert len(bodies) >= 8, sorted(bodies)
    checked = 0
    for path, body in bodies.items():
        url = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
        required = [name for name, schema in body["properties"].items() if not _nullable(schema)]
        allowed = [name for name, schema in body["properties"].items() if _nullable(schema)]
        for name in required:
            response = await client.patch(url, json={name: None}, headers=world.headers("owner"))
            assert response.status_code == 422, (path, name, response.text)
            error = response.json()
            assert error["code"] == "validation_error", (path, name, error)
            [detail] = error["details"]
            assert detail["loc"][-1] == name and detail["msg"].endswith(NOT_NULL_MESSAGE), (
                path,
                detail,
            )
            checked += 1
        for name in allowed:
            # Fields that may be cleared are not refused for being null (the record may be
            # missing: 404, never 422 for that field).
            response = await client.patch(url, json={name: None}, headers=world.headers("owner"))
            if response.status_code == 422:
                locs = [detail["loc"][-1] for detail in response.json().get("details", [])]
                assert name not in locs, (path, name, response.text)
    assert checked > 30
