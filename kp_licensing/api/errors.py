"""One mapping from failures to HTTP: domain errors keep their status and message, a refusal
that crossed Temporal becomes the domain error it was, and nothing else leaks as a bare 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from kp_licensing.domain.errors import DomainError
from kp_licensing.services.temporal import from_temporal

log = logging.getLogger(__name__)


def _body(error: DomainError) -> dict[str, object]:
    body: dict[str, object] = {"detail": error.message, "code": type(error).__name__}
    if error.details is not None:
        body["errors"] = error.details
    case_no = getattr(error, "case_no", None)
    if case_no is not None:
        body["case_no"] = case_no
    return body


def _headers(error: DomainError) -> dict[str, str] | None:
    if error.status_code == 401:
        return {"WWW-Authenticate": "Bearer"}
    retry_after = getattr(error, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after is not None else None


def _field(loc: tuple[object, ...] | list[object]) -> str:
    return ".".join(str(part) for part in loc)


def validation_body(error: RequestValidationError) -> dict[str, object]:
    """A 422 for malformed input: one sentence naming every bad field, and the list. The
    submitted values are left out: they may be passwords."""
    problems = [
        {"field": _field(e["loc"]), "message": e["msg"], "type": e["type"]} for e in error.errors()
    ]
    sentence = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return {"detail": f"invalid request: {sentence}", "code": "ValidationError", "errors": problems}


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(error), status_code=422)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(_body(error), status_code=error.status_code, headers=_headers(error))

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

    @app.exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError)
    async def still_running(_: Request, error: Exception) -> JSONResponse:
        return JSONResponse(
            {
                "detail": "the change was sent but is not recorded yet (the process engine is "
                "busy or a worker is down); look at the case again shortly instead of repeating "
                "the request",
                "code": "Pending",
            },
            status_code=503,
        )

    @app.exception_handler(RPCError)
    async def temporal_unavailable(_: Request, error: RPCError) -> JSONResponse:
        mapped = from_temporal(error)
        if mapped is not None:
            return JSONResponse(_body(mapped), status_code=mapped.status_code)
        # An outage, not a bug: one line per failed request, no traceback.
        log.warning("Temporal unavailable (%s): %s", error.status.name, error.message)
        return JSONResponse(
            {"detail": "the process engine is unavailable; try again shortly"}, status_code=503
        )
