"""The ASGI application: routes, error handlers and the lifespan that owns the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from slotwise.appointments.routes import router as appointments_router
from slotwise.auth.routes import router as auth_router
from slotwise.availability.routes import router as availability_router
from slotwise.booking.routes import router as booking_router
from slotwise.catalog.routes import router as catalog_router
from slotwise.clients.routes import router as clients_router
from slotwise.config import Settings, get_settings
from slotwise.connections.routes import router as connections_router
from slotwise.db import create_engine, create_sessionmaker
from slotwise.errors import document_error_codes, install_error_handlers
from slotwise.firms.routes import router as firms_router
from slotwise.health import router as health_router
from slotwise.http.body import RequestBodyGuard
from slotwise.http.headers import NoSniff
from slotwise.http.text import refuse_nul_text
from slotwise.ops.routes import router as ops_router
from slotwise.public.live import AVAILABILITY_CHANNEL, PublicHub
from slotwise.public.manage_routes import router as public_manage_router
from slotwise.public.routes import router as public_router
from slotwise.public.stream_routes import router as public_stream_router
from slotwise.realtime.hub import Hub
from slotwise.realtime.listener import Listener
from slotwise.realtime.routes import router as realtime_router
from slotwise.users.routes import router as users_router
from slotwise.wallets.routes import router as wallets_router
from slotwise.web.book import router as book_router
from slotwise.web.docs import OPENAPI_URL, docs_router
from slotwise.web.routes import router as web_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if not settings.database_url:
        raise RuntimeError(
            "create_app() needs settings.database_url; the CLI starts the embedded "
            "PostgreSQL and fills it in"
        )
    database_url = settings.database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(database_url, settings)
        maker = create_sessionmaker(engine, settings)
        app.state.engine, app.state.sessionmaker = engine, maker
        hub = Hub(
            maker,
            settings.realtime_queue_size,
            settings.realtime_max_streams_per_user,
        )
        public_hub = PublicHub(maker, settings.public_max_streams_per_address)

        def on_connect() -> None:
            hub.wake_all()
            public_hub.on_reconnect()

        listener = Listener(
            database_url,
            on_wake=hub.wake,
            on_connect=on_connect,
            liveness_interval=settings.realtime_liveness_interval_seconds,
            liveness_timeout=settings.realtime_liveness_timeout_seconds,
            channels={AVAILABILITY_CHANNEL: public_hub.on_signal},
        )
        app.state.hub, app.state.listener = hub, listener
        app.state.public_hub = public_hub
        hub.start()
        listener.start()
        try:
            yield
        finally:
            await listener.stop()
            await public_hub.stop()
            await hub.stop()
            await engine.dispose()

    app = FastAPI(
        title="Slotwise",
        version="0.1.0",
        description="Appointment booking that cannot double-book. Errors are JSON "
        '`{"code", "message"}` with a stable `code`.',
        lifespan=lifespan,
        # Our own /docs (web/docs.py) serves Swagger UI without a CDN; ReDoc has no such package.
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(refuse_nul_text)],
    )
    app.state.settings = settings
    app.state.secret_key = settings.resolved_secret_key()
    install_error_handlers(app)
    # The last added runs first: every response, the guard's refusals included, gets nosniff.
    app.add_middleware(
        RequestBodyGuard,
        max_bytes=settings.max_body_bytes,
        read_timeout=settings.body_read_timeout_seconds,
    )
    app.add_middleware(NoSniff)

    api = APIRouter(prefix="/api/v1")
    api.include_router(auth_router)
    api.include_router(firms_router)
    api.include_router(catalog_router)
    api.include_router(clients_router)
    api.include_router(wallets_router)
    api.include_router(appointments_router)
    api.include_router(availability_router)
    api.include_router(booking_router)
    api.include_router(ops_router)
    api.include_router(connections_router)
    api.include_router(users_router)
    api.include_router(realtime_router)
    api.include_router(public_stream_router)
    api.include_router(public_router)
    api.include_router(public_manage_router)
    app.include_router(api)
    app.include_router(web_router)
    app.include_router(book_router)
    app.include_router(docs_router(title=app.title))
    app.include_router(health_router)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_error_codes(build_openapi())  # FastAPI keeps the schema it built
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
    return app
