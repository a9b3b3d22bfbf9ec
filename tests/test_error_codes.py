"""Every error code the API can answer is named once (a class, or the handlers' table),
documented in the OpenAPI, and never spelled at a raise site."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import httpx
from fastapi import FastAPI

import slotwise
from slotwise.errors import AppError, _subclasses, error_codes
from tests.factories import World

SOURCE = Path(slotwise.__file__).parent


def codes_passed_at_raise_sites(source: str) -> list[int]:
    """Lines where a raised error is built with a ``code=`` keyword (a code spelled at the
    raise site instead of named by its class)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and any(keyword.arg == "code" for keyword in node.exc.keywords)
    ]


def test_the_scan_finds_a_code_spelled_at_a_raise_site() -> None:
    assert codes_passed_at_raise_sites('raise Conflict("x", code="taken")\n') == [1]
    assert codes_passed_at_raise_sites("raise Taken()\n") == []


def test_no_raise_site_spells_a_code() -> None:
    found = {
        f"{path.relative_to(SOURCE)}:{line}"
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.parts
        for line in codes_passed_at_raise_sites(path.read_text())
    }
    # typer.Exit(code=1) is an exit status, not an error code.
    assert {site for site in found if not site.startswith("cli.py:")} == set()


def test_each_code_is_one_class(app: FastAPI) -> None:
    every: list[type[AppError]] = [AppError, *_subclasses(AppError)]
    classes: dict[str, list[str]] = {}
    for cls in every:
        # A class that only gives its parent's code a new message or behaviour is allowed
        # when it keeps the status; a code of its own is claimed by one class only.
        if "code" in vars(cls):
            classes.setdefault(cls.code, []).append(f"{cls.__module__}.{cls.__qualname__}")
    assert {code: names for code, names in classes.items() if len(names) > 1} == {}
    statuses: dict[str, set[int]] = {}
    for cls in every:
        statuses.setdefault(cls.code, set()).add(cls.status_code)
    assert {code: s for code, s in statuses.items() if len(s) > 1} == {}


async def test_the_openapi_documents_every_code(app: FastAPI, client: httpx.AsyncClient) -> None:
    codes = error_codes()
    assert len(codes) > 80
    spec = (await client.get("/openapi.json")).json()
    field = spec["components"]["schemas"]["ErrorBody"]["properties"]["code"]
    assert set(field["enum"]) == set(codes)
    for code, status in codes.items():
        assert f"`{code}`" in field["description"].split(f"{status}: ", 1)[1].split(";")[0]


async def test_answers_carry_documented_codes(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    codes = error_codes()
    director = world.headers("director")
    answers = [
        await client.get("/api/v1/nowhere"),
        await client.get("/api/v1/appointments"),
        await client.get(f"/api/v1/appointments/{world.firm_id}", headers=director),
        await client.post("/api/v1/appointments", json={"x": 1}, headers=director),
        await client.delete("/api/v1/firm", headers=director),
    ]
    seen = {response.json()["code"] for response in answers}
    assert seen == {
        "not_found",
        "not_authenticated",
        "appointment_not_found",
        "validation_error",
        "method_not_allowed",
    }
    assert seen <= set(codes)


def test_the_readme_lists_every_code_under_its_status(app: FastAPI) -> None:
    readme = (SOURCE.parents[1] / "README.md").read_text()
    table = readme[readme.index("Every `code` the API answers with") :]
    listed: dict[str, int] = {}
    for status, codes in re.findall(r"^\| (\d{3}) \| (.*) \|$", table, flags=re.M):
        for code in re.findall(r"`([a-z_]+)`", codes):
            listed.setdefault(code, int(status))
    assert {code: s for code, s in error_codes().items() if listed.get(code) != s} == {}


async def test_each_error_response_shows_a_code_of_its_status(client: httpx.AsyncClient) -> None:
    # Swagger UI shows an example per response; without one of its own, every status would
    # show the enum's first code.
    spec = (await client.get("/openapi.json")).json()
    codes = error_codes()
    shown = {}
    for path in spec["paths"].values():
        for operation in path.values():
            for status, response in operation["responses"].items():
                example = response.get("content", {}).get("application/json", {}).get("example")
                if example is not None:
                    assert codes[example["code"]] == int(status), (status, example)
                    shown[int(status)] = example["code"]
    assert shown[401] == "not_authenticated" and shown[409] == "conflict"
    assert shown[422] == "validation_error" and shown[404] == "not_found"
