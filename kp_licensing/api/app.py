"""The FastAPI application: services built once, routers under ``/api/v1``, one error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from kp_licensing.api import docs, errors, openapi
from kp_licensing.api.body_limit import BodyLimit
from kp_licensing.api.deps import Services
from kp_licensing.api.routes import (
    auth,
    documents,
    licences,
    notifications,
    participants,
    permits,
    users,
)
from kp_licensing.settings import Settings, get_settings
from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.store.documents import DocumentStore
from kp_licensing.store.locks import OperatorLocks
from workflows.client import connect

log = logging.getLogger(__name__)

DESCRIPTION = """
Licensing service of the Direcção dos Serviços de Economia e Desenvolvimento Tecnológico
(DSEDT) for the Kimberley Process in Macao: operating licences for rough-diamond traders
(Lei 15/2019, Regulamento Administrativo 29/2019).

Log in with **Authorize** (traders, officers, supervisors, administrators) or send an
`X-API-Key` header (customs systems).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production()
    engine = make_engine(settings.resolved_database_url())
    services = Services(
        settings=settings,
        sessions=session_factory(engine),
        documents=DocumentStore(
            settings.documents_dir,
            max_bytes=settings.upload_max_bytes,
            allowed_types=settings.upload_allowed_types,
        ),
        locks=OperatorLocks(engine),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        services.temporal = await connect(settings.temporal_address, settings.temporal_namespace)
        yield
        engine.dispose()

    app = FastAPI(
        title="kp-licensing",
        summary="Kimberley Process licensing for Macao (DSEDT)",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served from local assets by kp_licensing.api.docs
        redoc_url=None,
    )
    app.state.services = services
    # Every body, streamed or not, is cut off past the largest upload (plus room for the
    # multipart envelope) before any route or login check reads it.
    app.add_middleware(BodyLimit, max_bytes=settings.upload_max_bytes + 64 * 1024)
    errors.install(app)
    docs.install(app)

    for module in (auth, users, documents, licences, notifications, participants, permits):
        app.include_router(module.router, prefix="/api/v1")
    openapi.install(app)

    @app.get("/health", tags=["operations"])
    async def health() -> JSONResponse:
        """Whether the database and the process engine answer (for load balancers)."""
        status: dict[str, str] = {}
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            status["database"] = "ok"
        except Exception as error:  # reported, not raised: this endpoint exists to say so
            status["database"] = f"unavailable: {type(error).__name__}"
        try:
            assert services.temporal is not None
            await services.temporal.service_client.check_health()
            status["temporal"] = "ok"
        except Exception as error:
            status["temporal"] = f"unavailable: {type(error).__name__}"
        healthy = all(v == "ok" for v in status.values())
        return JSONResponse(status, status_code=200 if healthy else 503)

    return app
