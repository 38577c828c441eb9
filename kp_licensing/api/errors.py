"""One shape for every error the service sends, whatever its status or origin.

Domain errors keep their status and message, a refusal that crossed Temporal becomes the domain
error it was, request validation names every bad field, the framework's own answers (unknown
path, wrong method, unreadable or oversized body) and any unexpected exception are put in the
same ``ErrorBody``. Clients switch on ``code`` (and ``message_code`` for the precise case);
people read ``detail``, the error's message followed by each problem it lists, rendered here in
the request's language.
"""

from __future__ import annotations

import http
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.responses import Response
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from kp_licensing.api import validation
from kp_licensing.api.language import SayingJSONResponse, text
from kp_licensing.domain.errors import DomainError, Unavailable
from kp_licensing.services import audit
from kp_licensing.services.temporal import from_temporal
from kp_licensing.support.catalogue import render
from schemas.messages import Message, say

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    """One problem with one field (or, with ``field`` null, with the request as a whole)."""

    model_config = ConfigDict(extra="allow")

    field: str | None = Field(
        default=None,
        description="Where the problem is, e.g. 'body.administrators.0.name', 'query.offset'; "
        "null when it concerns no single field.",
    )
    message: str = Field(description="What is wrong and what is expected.")
    message_code: str = Field(description="The code of ``message`` in the message catalogue.")
    params: dict[str, str] = Field(description="The values ``message`` names.")


class ErrorBody(BaseModel):
    """Every error response of the service, whatever its status."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(
        description="Stable and machine-readable: validation_error, rule_violation, "
        "unauthenticated, forbidden, not_found, method_not_allowed, conflict, "
        "payload_too_large, process_failed, unavailable, pending, internal_error."
    )
    detail: str = Field(description="What went wrong and what to do, for a person to read.")
    message_code: str = Field(
        description="The code, in the message catalogue, of what ``detail`` says first "
        "(stable: case.final, document.not_found...)."
    )
    params: dict[str, str] = Field(description="The values that message names.")
    errors: list[FieldError] | None = Field(
        default=None, description="Every problem found, one per field where fields are concerned."
    )
    case_no: str | None = Field(
        default=None, description="The case the request created or changed, when there is one."
    )
    retry_after_seconds: int | None = Field(
        default=None, description="When to try again (also sent as the Retry-After header)."
    )
    limit_bytes: int | None = Field(
        default=None, description="The largest body the service accepts (with a 413)."
    )
    incident: str | None = Field(
        default=None, description="The reference under which a fault was logged (with a 500)."
    )
    related: list[Any] | None = Field(
        default=None, description="Ids of the records the error concerns (those in conflict)."
    )


#: An exception handler of the app.
Handler = Callable[[Request, Any], Awaitable[Response]]

#: The keys a domain error's ``details`` may not overwrite.
_OWN = frozenset({"code", "detail", "errors", "message_code", "params"})

#: The keys of a listed problem that ``respond`` writes itself (from its field and message).
_SAID_BY_PROBLEM = frozenset({"field", "message", "message_code", "params"})

#: One problem an error lists: the field it concerns (or None), its message, and what else the
#: error says of it (a check's code and outcome...).
Problem = tuple[str | None, Message, dict[str, Any]]


def respond(
    status: int,
    code: str,
    message: Message,
    *,
    problems: list[Problem] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The error response: ``message`` and each problem rendered in the request's language."""
    found = None
    detail = text(message)
    if problems is not None:
        found = [
            FieldError(
                **other, field=field, message=text(said), message_code=said.code, params=said.params
            )
            for field, said, other in problems
        ]
        listed = "; ".join(f"{e.field or ''} {e.message}".strip() for e in found)
        detail = f"{detail}: {listed}" if listed else detail
    body = ErrorBody(
        code=code,
        detail=detail,
        message_code=message.code,
        params=message.params,
        errors=found,
        **extra,
    )
    # Optional fields appear only when set, but ``errors`` and each error's ``field`` always do.
    content = body.model_dump(mode="json", exclude_none=True)
    content["errors"] = [e.model_dump(mode="json") for e in found] if found is not None else None
    return SayingJSONResponse(content, status_code=status, headers=headers)


def _details(details: object) -> tuple[list[Problem] | None, dict[str, Any]]:
    """A domain error's ``details`` as the body's ``errors`` and extra fields: a list of
    ``{field?, message, ...}`` is the problems; a mapping adds fields (``{"case_no": ...}``);
    anything else (ids of the records in conflict...) is kept under ``related``."""
    if details is None or details == []:
        return None, {}
    if isinstance(details, Mapping):
        return None, {str(k): v for k, v in details.items() if k not in _OWN}
    if isinstance(details, list) and all(
        isinstance(item, Mapping) and "message" in item for item in details
    ):
        problems: list[Problem] = []
        for item in details:
            other = {k: v for k, v in item.items() if k not in _SAID_BY_PROBLEM}
            problems.append((item.get("field"), Message.model_validate(item["message"]), other))
        return problems, {}
    return None, {"related": details if isinstance(details, list) else [details]}


def domain_response(error: DomainError) -> JSONResponse:
    problems, extra = _details(error.details)
    headers: dict[str, str] = {}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))
        extra["retry_after_seconds"] = int(retry_after)
    case_no = getattr(error, "case_no", None)
    if case_no:
        extra["case_no"] = case_no
    return respond(
        error.status_code, error.code, error.message, problems=problems, headers=headers, **extra
    )


def validation_response(error: RequestValidationError) -> JSONResponse:
    """A 422 for malformed input: one sentence naming every bad field, and the list."""
    found = validation.problems(error.errors())
    problems: list[Problem] = [(field, message, {}) for field, message in found]
    return respond(422, "validation_error", validation.summary(len(found)), problems=problems)


#: What FastAPI says when it cannot read a form or JSON body at all (its cause says more).
_UNREADABLE_BODY = "There was an error parsing the body"


def _snake(status: int) -> str:
    return http.HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")


def http_response(request: Request, error: HTTPException) -> JSONResponse:
    """The framework's own refusals, which carry no domain error: said in the same shape, and
    saying what to do."""
    status, headers = error.status_code, dict(error.headers or {})
    own = error.detail if error.detail != http.client.responses.get(status) else None
    path, method = request.url.path, request.method
    if status == 404:
        message = Message.model_validate(own) if own else say("http.no_such_path", path=path)
        return respond(404, "not_found", message)
    if status == 405:
        allowed = headers.get("Allow", "")
        if allowed:
            message = say("http.method_not_allowed", path=path, method=method, allowed=allowed)
        else:
            message = say("http.method_not_accepted", path=path, method=method)
        return respond(405, "method_not_allowed", message, headers=headers)
    if status == 413:  # body_limit.BodyTooLarge states the limit, and says it
        limit = getattr(error, "limit", None)
        message = getattr(error, "message", None) or Message.model_validate(str(error.detail))
        return respond(413, "payload_too_large", message, headers=headers, limit_bytes=limit)
    if status == 400:  # the framework could not parse the body (JSON, form or multipart)
        reason = own if own and own != _UNREADABLE_BODY else str(error.__cause__ or "")
        unread = (
            say("field.unreadable_because", reason=reason) if reason else say("field.unreadable")
        )
        return respond(
            422, "validation_error", validation.summary(1), problems=[("body", unread, {})]
        )
    return respond(
        status, _snake(status), Message.model_validate(str(error.detail)), headers=headers
    )


#: How the Temporal SDK says a lazily connected client could not reach the server.
_NOT_CONNECTED = "Failed client connect"
_ENGINE_DOWN = Unavailable("engine.unavailable")


class PerMinute:
    """How many times each key was seen in the current minute, for a bounded number of keys (a
    flood from many addresses forgets the oldest, never grows memory)."""

    def __init__(self, limit: int, keys: int = 10_000) -> None:
        self.limit, self.keys = limit, keys
        self._seen: dict[str, tuple[int, int]] = {}

    def allow(self, key: str) -> bool:
        minute = int(time.monotonic() // 60)
        start, count = self._seen.pop(key, (minute, 0))
        if start != minute:
            start, count = minute, 0
        self._seen[key] = (start, count + 1)  # the newest last: the oldest go first
        while len(self._seen) > self.keys:
            del self._seen[next(iter(self._seen))]
        return count < self.limit


#: Refusals of callers nobody knows (no valid token or key) cost nothing to send: each address
#: gets this many audit entries a minute per API process; the rest are logged lines only, so a
#: flood of anonymous requests cannot fill the trail or queue every other entry behind it.
ANONYMOUS_ENTRIES = PerMinute(limit=20)


async def audit_refusal(request: Request, error: DomainError) -> None:
    """A 401 or 403 goes into the audit trail, with who asked (if known) and what: the entry is
    committed on its own, since the refused request changes nothing. A trail that cannot be
    written (the database is down) does not turn the refusal into a 500; the line is logged."""
    if error.status_code not in (401, 403) or not audit.needs_entry(error):
        return
    principal = getattr(request.state, "principal", None)
    by = (
        principal.origin
        if principal is not None
        else audit.Origin(actor=None, address=request.client.host if request.client else "unknown")
    )
    if principal is None and not ANONYMOUS_ENTRIES.allow(by.address):
        audit.log.info(
            "refused (not written to the trail: over %d a minute from %s): %s %s, %s",
            ANONYMOUS_ENTRIES.limit,
            by.address,
            request.method,
            request.url.path,
            error.message.code,
        )
        return
    try:
        await to_thread.run_sync(
            lambda: audit.write(
                request.app.state.services.sessions,
                by,
                "request.refused",
                target=f"request:{request.method} {request.url.path}",
                outcome=audit.Outcome.refused,
                code=error.message.code,
            )
        )
    except SQLAlchemyError as failure:
        log.warning(
            "audit entry not written (%s): %s %s refused to %s, %s",
            type(failure).__name__,
            request.method,
            request.url.path,
            by.actor.username if by.actor else by.address,
            error.message.code,
        )


def install(app: FastAPI) -> None:
    """Map every failure to ``ErrorBody``; a portal page's failure (a request whose state has
    an ``error_page``, set by ``kp_licensing.web.visit``) is then shown as a page instead, in
    the same words."""

    def handles(kind: type[Exception]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            async def answer(request: Request, error: Exception) -> Response:
                response = await handler(request, error)
                page = getattr(request.state, "error_page", None)
                return response if page is None else page(response)

            app.add_exception_handler(kind, answer)
            return handler

        return register

    @handles(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        return validation_response(error)

    @handles(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        if isinstance(error, Unavailable):  # one line for the operators, never a traceback
            log.warning("503: %s", render(error.message))
        await audit_refusal(request, error)
        return domain_response(error)

    @handles(HTTPException)
    async def framework_refusal(request: Request, error: HTTPException) -> JSONResponse:
        return http_response(request, error)

    @handles(WorkflowUpdateFailedError)
    async def update_failed(request: Request, error: WorkflowUpdateFailedError) -> JSONResponse:
        mapped = from_temporal(error)
        if mapped is not None:
            await audit_refusal(request, mapped)  # a workflow's own check of the actor's role
            return domain_response(mapped)
        log.error("workflow update failed", exc_info=error)
        return respond(502, "process_failed", say("engine.process_failed"))

    @handles(WorkflowUpdateRPCTimeoutOrCancelledError)
    async def still_running(_: Request, error: Exception) -> JSONResponse:
        return respond(
            503,
            "pending",
            say("engine.pending"),
            headers={"Retry-After": "5"},
            retry_after_seconds=5,
        )

    @handles(RPCError)
    async def temporal_unavailable(_: Request, error: RPCError) -> JSONResponse:
        mapped = from_temporal(error)
        if mapped is not None:
            return domain_response(mapped)
        log.warning("the process engine did not answer: %s", error)
        return domain_response(_ENGINE_DOWN)

    @handles(RuntimeError)
    async def not_connected(request: Request, error: RuntimeError) -> JSONResponse:
        # A Temporal client that has not connected yet (lazily, or after the engine was down
        # at start-up) fails its first call with a bare RuntimeError from the SDK's core.
        if str(error).startswith(_NOT_CONNECTED):
            log.warning("the process engine is not reachable: %s", error)
            return domain_response(_ENGINE_DOWN)
        return fault(request, error)

    @handles(PoolTimeout)
    async def database_busy(_: Request, error: PoolTimeout) -> JSONResponse:
        # Every pooled connection stayed busy for the pool's whole timeout: an overload, not a
        # bug; the client is told to come back rather than handed a 500.
        log.warning("no database connection free: %s", str(error).splitlines()[0])
        return domain_response(Unavailable("database.busy"))

    @handles(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        return fault(request, error)


def fault(request: Request, error: Exception) -> JSONResponse:
    """A bug: logged with its traceback under an incident reference the client is given; the
    error's own text stays in the log (it may hold data or internals)."""
    incident = uuid.uuid4().hex[:12]
    log.error(
        "unexpected error %s on %s %s", incident, request.method, request.url.path, exc_info=error
    )
    return respond(
        500, "internal_error", say("http.internal_error", incident=incident), incident=incident
    )
