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
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.converter import WorkflowSerializationContext
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from kp_licensing.domain.errors import ERRORS_BY_NAME, Conflict, DomainError, Unavailable
from schemas.common import Actor, Sent
from schemas.messages import Message

T = TypeVar("T")


def from_temporal(error: Exception) -> DomainError | None:
    """The domain error a Temporal failure stands for, if it is one.

    A guard's refusal crosses Temporal as an ApplicationError whose type is the domain error's
    class name; an update sent to a workflow that has just closed is NOT_FOUND.
    """
    cause = error.cause if isinstance(error, WorkflowUpdateFailedError) else error
    if isinstance(cause, ApplicationError) and cause.type in ERRORS_BY_NAME:
        said, details = (*cause.details, None, None)[:2]
        # A refusal raised by hand (not by ``guarded``) may carry only its text.
        message = Message.model_validate(said if said is not None else cause.message)
        return ERRORS_BY_NAME[cause.type](message.code, details=details, **message.params)
    if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
        return Conflict("case.closed")
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

    @property
    def seconds(self) -> str:
        """The deadline, in seconds, as a sentence names it."""
        return f"{self.wait.total_seconds():g}"

    def _late(self, case_no: str | None) -> dict[str, Any]:
        """What an Unavailable about case ``case_no`` says besides its code: the case (as the
        sentence names it and as the response's field), the deadline and when to retry."""
        return {
            "case": case_no,
            "seconds": self.seconds,
            "retry_after": self.retry_after,
            "case_no": case_no,
        }

    async def start(
        self,
        run: Any,
        arg: Any,
        *,
        workflow_id: str,
        case_no: str | None,
        late: Unavailable | None = None,
    ) -> bool:
        """Start the workflow of a new case (or of something else, whose ``late`` says what is
        waited for); False if one was already started under that id (a retried request, or the
        sweep, got there first)."""
        try:
            await self._bounded(
                self.client.start_workflow(
                    run,
                    arg,
                    id=workflow_id,
                    task_queue=self.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                ),
                late=late
                if late is not None
                else Unavailable("engine.late_start", **self._late(case_no)),
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
                late=Unavailable("engine.late_record", **self._late(case_no)),
            )
        except WorkflowAlreadyStartedError:
            return False, None
        return True, result

    async def run(
        self, run: Any, arg: Any, *, workflow_id: str, late_start: Unavailable, late: Unavailable
    ) -> Any:
        """Start a short workflow (one already started under that id, or ended, is the same
        one: its id says what it does) and wait for its result; ``late_start`` and ``late`` are
        what a request is told if the start, or the result, takes longer than ``wait``."""
        await self.start(run, arg, workflow_id=workflow_id, case_no=None, late=late_start)
        handle = self.client.get_workflow_handle(workflow_id)
        return await self._bounded(handle.result(), late=late)

    async def execute(
        self, workflow_id: str, update: Any, command: Any = None, *, case_no: str
    ) -> Any:
        """Run one update and return its result; a refusal is raised as its domain error.

        With an ``Idempotency-Key``, the update's id is the key (scoped to the person acting):
        Temporal recognises a repeated request, and the repeat gets the first one's result
        instead of being applied twice."""
        handle = self.client.get_workflow_handle(workflow_id)
        update_id = str(uuid.uuid4())
        if self.idempotency_key is not None and command is not None:
            update_id = f"{command.actor.user_id}:{self.idempotency_key}"
        if isinstance(command, Sent):  # bound to its update: a copy sent again is refused
            command = command.model_copy(update={"update_id": update_id})
        args = () if command is None else (command,)
        return await self._bounded(
            handle.execute_update(update, *args, id=update_id),
            late=Unavailable("engine.late_change", **self._late(case_no)),
        )

    async def earlier_result(
        self, workflow_id: str, update: Any, actor: Actor, *, case_no: str
    ) -> Any | None:
        """The result a request with this ``Idempotency-Key`` got the first time, read from the
        workflow's history: once a case has closed, Temporal no longer answers a repeated update
        itself. None without a key, or if no such update completed."""
        if self.idempotency_key is None:
            return None
        update_id = f"{actor.user_id}:{self.idempotency_key}"
        _, result_type = workflow._UpdateDefinition.get_name_and_result_type(update)
        handle = self.client.get_workflow_handle(workflow_id)
        converter = self.client.data_converter.with_context(
            WorkflowSerializationContext(namespace=self.client.namespace, workflow_id=workflow_id)
        )

        async def find() -> Any | None:
            async for event in handle.fetch_history_events():
                completed = event.workflow_execution_update_completed_event_attributes
                if completed.meta.update_id != update_id:
                    continue
                if not completed.outcome.HasField("success"):
                    return None  # refused the first time: the repeat is judged anew
                types = [result_type] if result_type is not None else None
                decoded = await converter.decode(completed.outcome.success.payloads, types)
                return decoded[0] if decoded else None
            return None

        return await self._bounded(
            find(), late=Unavailable("engine.late_answer", **self._late(case_no))
        )

    async def signal(self, workflow_id: str, signal: Any, arg: Any, *, case_no: str) -> None:
        """Send a signal (an event from outside the case); a closed case is a Conflict."""
        handle = self.client.get_workflow_handle(workflow_id)
        await self._bounded(
            handle.signal(signal, arg),
            late=Unavailable("engine.late_event", **self._late(case_no)),
        )

    async def query(self, workflow_id: str, query: Any, *, case_no: str) -> Any:
        """A workflow's answer to a query (a closed workflow still answers)."""
        handle = self.client.get_workflow_handle(workflow_id)
        return await self._bounded(
            handle.query(query), late=Unavailable("engine.late_answer", **self._late(case_no))
        )

    async def _bounded(self, call: Awaitable[T], *, late: Unavailable) -> T:
        """``call``, or ``late`` (an Unavailable naming what is waited for) past the deadline."""
        try:
            async with asyncio.timeout(self.wait.total_seconds()):
                return await call
        except TimeoutError:
            raise late from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise late from None
        except (WorkflowUpdateFailedError, RPCError) as error:
            mapped = from_temporal(error)
            if mapped is not None:
                raise mapped from None
            if isinstance(error, RPCError) and error.status in _ENGINE_DOWN:
                raise late from None
            raise


#: RPC statuses that mean "the engine cannot answer now", not "the request is wrong".
_ENGINE_DOWN = {
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.CANCELLED,
    RPCStatusCode.RESOURCE_EXHAUSTED,
}
