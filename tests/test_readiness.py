"""``/readyz``: ready only when the database answers, the schema is at head and the listener
of live updates is connected; ``/healthz`` stays a liveness check."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.migrate import upgrade


@asynccontextmanager
async def _serving(url: str, data_dir: Path) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(
        Settings(
            database_url=url,
            data_dir=data_dir,
            secret_key="test-secret-key-that-is-long-enough-for-hs256",
        )
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield app, http


async def test_ready_when_database_schema_and_listener_are(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await app.state.listener.connected.wait()
    resp = await client.get("/readyz")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "listener": "ok"},
    }


async def test_a_schema_behind_head_is_not_ready(
    make_database: Callable[[], str], tmp_path: Path
) -> None:
    url = make_database()
    upgrade(url, "0003")
    async with _serving(url, tmp_path) as (app, http):
        await app.state.listener.connected.wait()
        resp = await http.get("/readyz")
        assert (await http.get("/healthz")).status_code == 200
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "not_ready"
    assert body["code"] == "not_ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["listener"] == "ok"
    assert "at 0003" in body["checks"]["migrations"]
    assert "slotwise migrate" in body["checks"]["migrations"]
    assert body["message"].startswith("migrations: ")


async def test_an_unreachable_database_is_not_ready_but_alive(tmp_path: Path) -> None:
    async with _serving("postgresql://nobody@127.0.0.1:1/x", tmp_path) as (_, http):
        resp = await http.get("/readyz")
        assert (await http.get("/healthz")).status_code == 200
    assert resp.status_code == 503
    assert resp.json()["checks"] == {
        "database": "unreachable",
        "migrations": "unknown (the database does not answer)",
        "listener": "not connected",
    }
