"""Turning Temporal failures back into the domain errors they carry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from kp_licensing.domain.errors import ERRORS_BY_NAME, Conflict, DomainError


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


#: How long a request waits for a workflow to apply and record a change before answering 503
#: (the change still happens: the caller is told to look again rather than to repeat it).
UPDATE_WAIT = timedelta(seconds=30)


async def execute(client: Client, workflow_id: str, update: Any, command: Any = None) -> Any:
    """Run one update and return its result; a refusal is raised as its domain error."""
    handle = client.get_workflow_handle(workflow_id)
    args = () if command is None else (command,)
    try:
        return await handle.execute_update(update, *args, rpc_timeout=UPDATE_WAIT)
    except (WorkflowUpdateFailedError, RPCError) as error:
        mapped = from_temporal(error)
        if mapped is None:
            raise
        raise mapped from None
