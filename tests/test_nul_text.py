"""A NUL character is not text PostgreSQL can store: wherever a caller sends one, the answer is
422 ``validation_error`` naming the field, before anything reaches the database."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from slotwise.errors import install_error_handlers
from tests.factories import PASSWORD, World

NUL = "\x00"


def _refused(response: httpx.Response, loc: list[Any]) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert [d["loc"] for d in body["details"]] == [loc]
    assert body["details"][0]["type"] == "nul_character"


async def test_login_form_fields(client: httpx.AsyncClient, world: World) -> None:
    email = world.emails["director"]
    for field, form in [
        ("username", {"username": f"{email}{NUL}", "password": PASSWORD}),
        ("password", {"username": email, "password": f"x{NUL}y"}),
        ("client_id", {"username": email, "password": PASSWORD, "client_id": f"{world.slug}{NUL}"}),
    ]:
        _refused(await client.post("/api/v1/auth/token", data=form), ["body", field])
    # The refused attempts were never evaluated, so they did not count as failures.
    ok = await client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert ok.status_code == 200, ok.text


async def test_json_body_field(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/clients",
        headers=world.headers("director"),
        json={"first_name": f"Cla{NUL}ra", "last_name": "Client"},
    )
    _refused(response, ["body", "first_name"])


async def test_nested_json_field_and_key(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/appointments",
        headers=world.headers("director"),
        json={
            "location_id": str(world.location_id),
            "start_at": "2030-01-07T10:00:00Z",
            "services": [{"service_id": str(world.service_id), f"note{NUL}": "x"}],
        },
    )
    _refused(response, ["body", "services", 0, f"note{NUL}"])


async def test_query_parameters(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers("director")
    _refused(
        await client.get("/api/v1/clients", params={"q": f"Cla{NUL}"}, headers=headers),
        ["query", "q"],
    )
    _refused(
        await client.get(
            "/api/v1/appointments", params={"status": f"booked{NUL}"}, headers=headers
        ),
        ["query", "status"],
    )


async def test_path_parameter(client: httpx.AsyncClient) -> None:
    _refused(await client.get("/board/static/board.js%00.txt"), ["path", "name"])


async def test_escaped_backslash_is_plain_text(client: httpx.AsyncClient, world: World) -> None:
    # "\\u0000" in JSON is the six characters \u0000, not a NUL: stored as given.
    response = await client.post(
        "/api/v1/clients",
        headers=world.headers("director"),
        json={"first_name": "Clara", "notes": "\\u0000"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["notes"] == "\\u0000"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT CAST(:text AS text)",  # refused by psycopg before it is sent
        "SELECT CAST(:json AS jsonb)",  # 22P05 untranslatable_character
        "SELECT convert_from(CAST(:bytes AS bytea), 'UTF8')",  # 22021 character_not_in_repertoire
    ],
)
async def test_database_refusal_is_the_last_guard(app: FastAPI, sql: str) -> None:
    # A route that skips the validation: what still reaches the database is a 422 too.
    unguarded = FastAPI()
    install_error_handlers(unguarded)

    @unguarded.get("/store")
    async def store() -> None:
        async with app.state.sessionmaker() as session:
            await session.execute(
                text(sql).bindparams(
                    **{
                        name: value
                        for name, value in {
                            "text": f"a{NUL}b",
                            "json": '"\\u0000"',
                            "bytes": "\\x00",
                        }.items()
                        if f":{name}" in sql
                    }
                )
            )

    transport = httpx.ASGITransport(app=unguarded)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/store")
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_character"
