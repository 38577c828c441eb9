"""The process engine as the use cases see it: start a case's workflow, run an update on it, and
never wait longer than a deadline.

Every wait on Temporal is bounded by ``asyncio.timeout``, not by the SDK's RPC timeout alone: the
SDK retries an update call inside its own window, so with no worker running a request would hang
far past it. Past the deadline the request answers 503 with the case it concerns and a
``Retry-After``; what was sent still happens once a worker runs (workflow ids and update ids
make a repeat harmless).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from kp_licensing.domain.errors import ERRORS_BY_NAME, Conflict, DomainError, Unavailable

T = TypeVar("T")


def from_temporal(error: Exception) -> DomainError | None:
    """The domain error a Temporal failure stands for, if it is one.

    A guard's refusal crosses Temporal as an ApplicationError whose type is the domain error's
    class name; an update sent to a workflow that has just closed is NOT_FOUND.
    """
    cause = error.cause if isinstance(error, WorkflowUpdateFailedError) else error
    if isinstance(cause, ApplicationError) and cause.type in ERRORS_BY_NAME:
        details = cause.details[0] if cause.details else None
        return ERRORS_BY_NAME[cause.type](cause.message, details=details)
    if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
        return Conflict("the case is closed; it can no longer change")
    return None


@dataclass(frozen=True)
class ProcessEngine:
    """The Temporal client with the service's task queue and its deadline for every wait."""

    client: Client
    task_queue: str
    wait: timedelta
    retry_after: int = 5
    #: The request's ``Idempotency-Key``, if the client sent one.
    idempotency_key: str | None = None

    async def start(
        self,
        run: Any,
        arg: Any,
        *,
        workflow_id: str,
        case_no: str | None,
        subject: str | None = None,
    ) -> bool:
        """Start the workflow of a new case (or of what ``subject`` names); False if one was
        already started under that id (a retried request, or the sweep, got there first)."""
        try:
            await self._bounded(
                self.client.start_workflow(
                    run,
                    arg,
                    id=workflow_id,
                    task_queue=self.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                ),
                case_no=case_no,
                subject=subject,
                waiting_for="the process engine to open it",
            )
        except WorkflowAlreadyStartedError:
            return False
        return True

    async def open(
        self, run: Any, arg: Any, update: Any, *, workflow_id: str, case_no: str
    ) -> tuple[bool, Any]:
        """Start a new case's workflow if it does not run yet and run ``update`` on it, in one
        call (update-with-start: one request to the server, and the update rides in the new
        workflow's first task instead of waiting for a second one).

        ``(True, result)`` once the update has run; ``(False, None)`` if the workflow has already
        ended (its id is never reused, so a late repeat cannot open the case again)."""
        operation = WithStartWorkflowOperation(
            run,
            arg,
            id=workflow_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        try:
            result = await self._bounded(
                self.client.execute_update_with_start_workflow(
                    update, start_workflow_operation=operation
                ),
                case_no=case_no,
                waiting_for="the case to be recorded",
            )
        except WorkflowAlreadyStartedError:
            return False, None
        return True, result

    async def run(
        self, run: Any, arg: Any, *, workflow_id: str, subject: str, waiting_for: str
    ) -> Any:
        """Start a short workflow (one already started under that id, or ended, is the same
        one: its id says what it does) and wait for its result."""
        await self.start(run, arg, workflow_id=workflow_id, case_no=None, subject=subject)
        handle = self.client.get_workflow_handle(workflow_id)
        return await self._bounded(
            handle.result(), case_no=None, subject=subject, waiting_for=waiting_for
        )

    async def execute(
        self, workflow_id: str, update: Any, command: Any = None, *, case_no: str
    ) -> Any:
        """Run one update and return its result; a refusal is raised as its domain error.

        With an ``Idempotency-Key``, the update's id is the key (scoped to the person acting):
        Temporal recognises a repeated request, and the repeat gets the first one's result
        instead of being applied twice."""
        handle = self.client.get_workflow_handle(workflow_id)
        args = () if command is None else (command,)
        update_id = None
        if self.idempotency_key is not None and command is not None:
            update_id = f"{command.actor.user_id}:{self.idempotency_key}"
        return await self._bounded(
            handle.execute_update(update, *args, id=update_id),
            case_no=case_no,
            waiting_for="the case to record the change",
        )

    async def signal(self, workflow_id: str, signal: Any, arg: Any, *, case_no: str) -> None:
        """Send a signal (an event from outside the case); a closed case is a Conflict."""
        handle = self.client.get_workflow_handle(workflow_id)
        await self._bounded(
            handle.signal(signal, arg), case_no=case_no, waiting_for="the case to take the event"
        )

    async def query(self, workflow_id: str, query: Any, *, case_no: str) -> Any:
        """A workflow's answer to a query (a closed workflow still answers)."""
        handle = self.client.get_workflow_handle(workflow_id)
        return await self._bounded(
            handle.query(query), case_no=case_no, waiting_for="the case to answer"
        )

    async def _bounded(
        self,
        call: Awaitable[T],
        *,
        case_no: str | None,
        waiting_for: str,
        subject: str | None = None,
    ) -> T:
        """``call``, or Unavailable past the deadline, naming the case (or ``subject``)."""
        pending = Unavailable(
            f"{subject or f'case {case_no}'}: still waiting for {waiting_for} after "
            f"{self.wait.total_seconds():g} s (the process engine or its workers are busy or "
            "down); look at it again later: do not submit it again",
            retry_after=self.retry_after,
            case_no=case_no,
        )
        try:
            async with asyncio.timeout(self.wait.total_seconds()):
                return await call
        except TimeoutError:
            raise pending from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise pending from None
        except (WorkflowUpdateFailedError, RPCError) as error:
            mapped = from_temporal(error)
            if mapped is not None:
                raise mapped from None
            if isinstance(error, RPCError) and error.status in _ENGINE_DOWN:
                raise pending from None
            raise


#: RPC statuses that mean "the engine cannot answer now", not "the request is wrong".
_ENGINE_DOWN = {
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.CANCELLED,
    RPCStatusCode.RESOURCE_EXHAUSTED,
}
