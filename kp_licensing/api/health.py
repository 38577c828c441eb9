"""Liveness and readiness, for load balancers and orchestrators.

``/health/live`` says only that the process answers: it does no I/O, so an outage of
PostgreSQL or Temporal never makes an orchestrator restart every replica at once (which would
fix nothing). ``/health/ready`` (and ``/health``, its older name) says whether this replica can
serve requests: the database and Temporal both answer.

A probe must never hold up the requests it reports on, nor wait behind them: the database is
asked on a connection of its own (``make_probe_engine``: no pool, short timeouts), in a worker
thread admitted by a limiter of its own, never on the event loop and never through the request
pool or the request thread limit; each probe has a deadline, after which it answers 503 naming
what did not answer in time.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import anyio
import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from kp_licensing.api.deps import Services

#: The longest a readiness probe takes, whatever is down (below the probes' 3 s timeouts).
DEADLINE = 2.0


class Readiness:
    """The probes of one API process, on their own engine and thread limiter."""

    def __init__(self, services: Services, probe_engine: Engine) -> None:
        self._services = services
        self._engine = probe_engine
        self._limiter: anyio.CapacityLimiter | None = None  # made on the serving loop

    def dispose(self) -> None:
        self._engine.dispose()

    def _select_one(self) -> None:
        with self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    async def database(self) -> str:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(1)
        try:
            with anyio.fail_after(DEADLINE):
                # Abandoned on timeout: the thread ends by itself within the connect and
                # statement timeouts, and meanwhile the next probe waits for it (and fails).
                await anyio.to_thread.run_sync(
                    self._select_one, limiter=self._limiter, abandon_on_cancel=True
                )
        except TimeoutError:
            return f"unavailable: no answer within {DEADLINE:g} s"
        except Exception as error:  # reported, not raised: this endpoint exists to say so
            return f"unavailable: {type(error).__name__}"
        return "ok"

    async def temporal(self) -> str:
        client = self._services.temporal
        if client is None:
            return "unavailable: not connected yet (the API keeps trying)"
        try:
            await asyncio.wait_for(
                client.service_client.check_health(timeout=timedelta(seconds=DEADLINE)), DEADLINE
            )
        except TimeoutError:
            return f"unavailable: no answer within {DEADLINE:g} s"
        except Exception as error:
            return f"unavailable: {type(error).__name__}"
        return "ok"

    async def status(self) -> dict[str, str]:
        database, temporal = await asyncio.gather(self.database(), self.temporal())
        return {"database": database, "temporal": temporal}


def router(readiness: Readiness) -> APIRouter:
    routes = APIRouter(tags=["operations"])

    @routes.get("/health/live")
    async def live() -> dict[str, str]:
        """The process is up and its event loop answers (no I/O: for liveness probes)."""
        return {"status": "alive"}

    @routes.get("/health/ready")
    @routes.get("/health")
    async def ready() -> JSONResponse:
        """200 if the database and the process engine both answer, else 503 naming what is
        down (for readiness probes and load balancers; ``/health`` is the older name)."""
        status = await readiness.status()
        healthy = all(v == "ok" for v in status.values())
        return JSONResponse(status, status_code=200 if healthy else 503)

    return routes
