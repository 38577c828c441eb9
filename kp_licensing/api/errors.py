"""One mapping from failures to HTTP: domain errors keep their status and message, a refusal
that crossed Temporal becomes the domain error it was, and nothing else leaks as a bare 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from kp_licensing.domain.errors import DomainError
from kp_licensing.services.temporal import from_temporal

log = logging.getLogger(__name__)


def _body(error: DomainError) -> dict[str, object]:
    body: dict[str, object] = {"detail": error.message, "code": type(error).__name__}
    if error.details is not None:
        body["errors"] = error.details
    return body


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return JSONResponse(_body(error), status_code=error.status_code, headers=headers)

    @app.exception_handler(WorkflowUpdateFailedError)
    async def update_failed(_: Request, error: WorkflowUpdateFailedError) -> JSONResponse:
        mapped = from_temporal(error)
        if mapped is None:
            log.error("workflow update failed", exc_info=error)
            return JSONResponse(
                {"detail": "the case could not be updated; the failure has been logged"},
                status_code=502,
            )
        return JSONResponse(_body(mapped), status_code=mapped.status_code)

    @app.exception_handler(RPCError)
    async def temporal_unavailable(_: Request, error: RPCError) -> JSONResponse:
        mapped = from_temporal(error)
        if mapped is not None:
            return JSONResponse(_body(mapped), status_code=mapped.status_code)
        log.error("Temporal call failed", exc_info=error)
        return JSONResponse(
            {"detail": "the process engine is unavailable; try again shortly"}, status_code=503
        )
