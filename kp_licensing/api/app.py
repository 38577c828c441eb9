"""The FastAPI application: services built once, routers under ``/api/v1``, one error mapping."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

import anyio.to_thread
from fastapi import Depends, FastAPI

from kp_licensing.api import docs, errors, headers, health, inputs, openapi
from kp_licensing.api.body_limit import BodyLimit
from kp_licensing.api.codec_cors import CodecCors
from kp_licensing.api.deps import Services
from kp_licensing.api.health import Readiness
from kp_licensing.api.language import Language, SayingJSONResponse
from kp_licensing.api.routes import (
    audit,
    auth,
    certificates,
    codec,
    customs,
    documents,
    licences,
    notifications,
    participants,
    permit_documents,
    permits,
    users,
    verification,
)
from kp_licensing.run.reconnect import connect_until_up
from kp_licensing.services.sweep import sweep_forever
from kp_licensing.store.db import make_engine, make_probe_engine, session_factory
from kp_licensing.store.documents import document_store
from kp_licensing.support import security
from kp_licensing.support.payloads import PayloadCipher
from kp_licensing.support.settings import Settings, get_settings
from kp_licensing.web import app as portal
from workflows.client import TemporalAccess

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
    engine = make_engine(
        settings.resolved_database_url(),
        pool_size=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout,
    )
    services = Services(
        settings=settings,
        sessions=session_factory(engine),
        documents=document_store(settings),
        decoder=PayloadCipher(settings.keyring(), accept_plaintext=True),
    )

    readiness = Readiness(services, make_probe_engine(settings.resolved_database_url()))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Synchronous handlers run on as many threads as the pool has connections, so none of
        # them waits for one (kp_licensing.store.db.make_engine).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        # Argon2's cost, and the runs (19 MiB each) this process does at once: a burst of
        # logins waits its turn.
        security.configure_from(settings)
        # Temporal may be down at start: serve anyway (readiness says so, Temporal-bound
        # requests get 503) and keep connecting in the background.
        stop, tried = asyncio.Event(), asyncio.Event()
        access = TemporalAccess.of(settings)  # a setting that cannot work fails the start

        async def connect_then_sweep() -> None:
            services.temporal = await connect_until_up(
                access,
                stop=stop,
                who="API",
                tried=tried,
            )
            if services.temporal is not None:
                # Hand-overs to the engine that a request left half-done (services.sweep).
                every = timedelta(seconds=settings.submission_sweep_seconds)
                await sweep_forever(services.sessions, services.engine(), every)

        running = asyncio.create_task(connect_then_sweep())
        await tried.wait()  # connected at once when Temporal is up, as before
        try:
            yield
        finally:
            stop.set()
            running.cancel()
            with suppress(asyncio.CancelledError):
                await running
            readiness.dispose()
            engine.dispose()

    app = FastAPI(
        title="kp-licensing",
        summary="Kimberley Process licensing for Macao (DSEDT)",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(inputs.refuse_control_characters)],
        docs_url=None,  # served from local assets by kp_licensing.api.docs
        redoc_url=None,
        default_response_class=SayingJSONResponse,
    )
    app.state.services = services
    # Every body, streamed or not, is cut off past the largest upload (plus room for the
    # multipart envelope) before any route or login check reads it.
    app.add_middleware(BodyLimit, max_bytes=settings.upload_max_bytes + 64 * 1024)
    if settings.codec_cors_origins:  # Temporal's web UI, decoding what it shows
        app.add_middleware(CodecCors, origins=settings.codec_cors_origins)
    # Outermost but for the framework's own: every answer, refusals included, in one language.
    app.add_middleware(Language)
    # Around everything, the framework's crash handler included: the security headers.
    headers.install(
        app,
        hsts=settings.environment == "production",
        cacheable=(docs.ASSETS, portal.STATIC_PREFIX),
    )
    errors.install(app)
    docs.install(app)

    routers = (
        auth,
        users,
        documents,
        licences,
        notifications,
        participants,
        permits,
        permit_documents,
        certificates,
        customs,
        audit,
        codec,
        verification,
    )
    for module in routers:
        app.include_router(module.router, prefix="/api/v1")
    portal.install(app)
    openapi.install(app)

    app.include_router(health.router(readiness))

    return app
