"""Opening a case so that nothing is lost and nothing is opened twice, whatever fails between
the request and the workflow.

A submission is written, with its case number and the workflow's whole input, in the same
transaction as the checks' claims (the operator's licence claim, a presented certificate, an
export's stock draws). Only then is the workflow started, under an id derived from the case
number, and the request waits (with a deadline) until the case is recorded. So:

* a request that times out (503) names the case it created, and the case goes on;
* a retried request is recognised (by its ``Idempotency-Key``, or by an identical application
  whose case is still awaiting its first decision) and gets the case it created;
* a submission whose API process died before the start is started by the next request that
  meets it, or by the sweep (:func:`start_unstarted`), which every API process runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from kp_licensing.domain.errors import Conflict, DomainError, RuleViolation
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import submissions
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import Submission
from schemas.common import Actor
from schemas.licence import LicenceStart
from schemas.permit import PermitStart
from workflows import licence, permit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseProcess:
    """How a kind of case is started: its workflow, its input, its id."""

    kind: str
    run: Any
    recorded: Any
    state: Any
    start_model: type[BaseModel]
    workflow_id: Callable[[str], str]


LICENCE = CaseProcess(
    "licence",
    licence.LicenceWorkflow.run,
    licence.LicenceWorkflow.recorded,
    licence.LicenceWorkflow.state,
    LicenceStart,
    licence.workflow_id,
)
PERMIT = CaseProcess(
    "permit",
    permit.PermitWorkflow.run,
    permit.PermitWorkflow.recorded,
    permit.PermitWorkflow.state,
    PermitStart,
    permit.workflow_id,
)
PROCESSES = {p.kind: p for p in (LICENCE, PERMIT)}


def fingerprint(process: CaseProcess, application: BaseModel) -> str:
    """The hash of an application's content: an identical retry has the same one."""
    body = json.dumps(application.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{process.kind}\n{body}".encode()).hexdigest()


def by_idempotency_key(
    session: Session, *, operator_id: int, key: str | None, print_: str
) -> Submission | None:
    """The submission an earlier request with this key made; the key cannot be reused for
    different content (that is a client's mistake, and it is told so)."""
    if key is None:
        return None
    earlier = submissions.by_key(session, operator_id=operator_id, key=key)
    if earlier is not None and earlier.fingerprint != print_:
        raise RuleViolation(
            f"the Idempotency-Key {key!r} was already used for case {earlier.case_no}, with a "
            "different application; send a new key for a new application",
            details=[{"field": "header.Idempotency-Key", "message": "already used"}],
        )
    return earlier


async def submit_once(
    session: Session,
    engine: ProcessEngine,
    *,
    process: CaseProcess,
    operator_id: int,
    application: BaseModel,
    create: Callable[[str], Submission],
    twin: Callable[[str], Submission | None] | None = None,
) -> Any:
    """Open a case for ``application`` once: the submission an earlier request with the same
    ``Idempotency-Key`` made, or (with no key) the ``twin`` an identical earlier request made,
    or a new one from ``create(fingerprint)``; then its case, recorded."""
    print_ = fingerprint(process, application)
    key = engine.idempotency_key
    submission = by_idempotency_key(session, operator_id=operator_id, key=key, print_=print_)
    if submission is None and key is None and twin is not None:
        submission = twin(print_)
    if submission is None:
        submission = create(print_)
    return await open_case(session, engine, submission)


def record(
    session: Session,
    *,
    process: CaseProcess,
    state: Any,
    actor: Actor,
    print_: str,
    idempotency_key: str | None,
) -> Submission:
    """Add the submission of a new case (``state``, submitted by ``actor``) to the caller's
    transaction; it commits with the case's claims."""
    start = process.start_model.model_validate({"state": state, "submitted_by": actor})
    row = Submission(
        case_no=state.case_no,
        kind=process.kind,
        operator_id=state.operator_id,
        fingerprint=print_,
        idempotency_key=idempotency_key,
        start=start.model_dump(mode="json"),
    )
    session.add(row)
    return row


async def open_case(session: Session, engine: ProcessEngine, submission: Submission) -> Any:
    """Start the submission's workflow if it does not run yet and wait until the case is
    recorded (so lists and searches see it), in one call to the process engine; the case's
    state as the workflow has it."""
    process = PROCESSES[submission.kind]
    case_no = submission.case_no
    workflow_id = process.workflow_id(case_no)
    start = process.start_model.model_validate(submission.start)
    # No pooled connection is held while the workflow records the case.
    session.close()
    try:
        opened, state = await engine.open(
            process.run, start, process.recorded, workflow_id=workflow_id, case_no=case_no
        )
    except Conflict:
        opened = False
    if not opened:
        # A repeat of a request whose case has ended since: it gets the case as it ended.
        state = await engine.query(workflow_id, process.state, case_no=case_no)
    return state


async def start_unstarted(sessions: SessionFactory, engine: ProcessEngine, older: timedelta) -> int:
    """Start the workflow of every submission whose case is still unrecorded after ``older``
    (its API process died between the commit and the start); the number started.

    A submission counts as recorded once its case's first transition is in the projection
    (``store.submissions.mark_recorded``, in the same transaction), so a workflow that started
    but has not recorded yet (no worker running) is offered again: the start is then refused
    as a duplicate, which is harmless."""
    started = 0
    with sessions() as session:
        waiting = submissions.unrecorded(session, before=datetime.now(UTC) - older)
        session.close()
        for row in waiting:
            process = PROCESSES[row.kind]
            if await engine.start(
                process.run,
                process.start_model.model_validate(row.start),
                workflow_id=process.workflow_id(row.case_no),
                case_no=row.case_no,
            ):
                started += 1
                log.info("started case %s, left unstarted by an earlier request", row.case_no)
    return started


async def sweep_forever(sessions: SessionFactory, engine: ProcessEngine, every: timedelta) -> None:
    """Run :func:`start_unstarted` every ``every`` until cancelled; a failure (the engine or
    the database down) is logged in one line and tried again next time."""
    while True:
        await asyncio.sleep(every.total_seconds())
        try:
            await start_unstarted(sessions, engine, every)
        except DomainError as error:
            log.warning("submission sweep: %s", error.message)
        except Exception as error:  # the sweep must outlive any one failure
            log.warning("submission sweep failed: %s: %s", type(error).__name__, error)
