"""Opening a case so that nothing is lost and nothing is opened twice, whatever fails between
the request and the workflow.

A submission is written, with its case number, the workflow's whole input and the projection
of the case's first transition ("submitted"), in the same transaction as the checks' claims
(the operator's licence claim, a presented certificate, an export's stock draws). From that
commit the case exists for lists and searches. Only then is the workflow started, under an id
derived from the case number, at transition 1. So:

* a request whose start fails or times out (503) names the case it created, and the case goes
  on; a worker being down does not stop a submission, only the decisions that follow;
* a retried request is recognised (by its ``Idempotency-Key``, or by an identical application
  whose case is still awaiting its first decision) and gets the case it created;
* a submission whose API process died before the start (or met Temporal down) is started by the
  next request that meets it, or by the sweep (:func:`start_unstarted`), which every API process
  runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from anyio import to_thread
from pydantic import BaseModel
from sqlmodel import Session

from kp_licensing.domain.errors import Conflict, RuleViolation
from kp_licensing.services.cases import PROCESSES, CaseProcess
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import submissions
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.documents import mark_used
from kp_licensing.store.models import Submission
from schemas.common import Actor
from schemas.messages import say

log = logging.getLogger(__name__)


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
        problem = say("submission.key_used")
        raise RuleViolation(
            "submission.key_reused",
            key=key,
            case_no=earlier.case_no,
            details=[{"field": "header.Idempotency-Key", "message": problem}],
        )
    return earlier


def case_opened_with(session: Session, *, operator_id: int, key: str) -> str | None:
    """The case an earlier request with this key opened, if any: a form posted twice (a double
    click, a reload) is sent to that case before its files are uploaded a second time."""
    earlier = submissions.by_key(session, operator_id=operator_id, key=key)
    return earlier.case_no if earlier is not None else None


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

    def find_or_create() -> Submission:
        found = by_idempotency_key(session, operator_id=operator_id, key=key, print_=print_)
        if found is None and key is None and twin is not None:
            found = twin(print_)
        return found if found is not None else create(print_)

    submission = await to_thread.run_sync(find_or_create)
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
    """Add the submission of a new case (``state``, submitted by ``actor``) and the projection
    of its first transition to the caller's transaction; they commit with the case's claims, so
    the case is in lists and searches from that commit on, and its workflow starts at
    transition 1 (``CaseWorkflow.submission_record``). Its documents are marked used in the same
    transaction, so the housekeeping never deletes one the case holds."""
    now = datetime.now(UTC)
    mark_used(session, [document.id for document in state.documents], now)
    first = process.workflow.submission_record(state, actor, now)
    process.project(session, first, commit=False)
    start = process.start_model.model_validate({"state": state, "submitted_by": actor})
    row = Submission(
        case_no=state.case_no,
        kind=process.kind,
        operator_id=state.operator_id,
        fingerprint=print_,
        idempotency_key=idempotency_key,
        start=start.model_dump(mode="json"),
    )
    submissions.add(session, row)
    return row


async def open_case(session: Session, engine: ProcessEngine, submission: Submission) -> Any:
    """Start the submission's workflow unless it is known to run; the case's state.

    A case is recorded with its submission (:func:`record`): the state is then the submitted
    one while the workflow was not started yet, and the projection's for a repeat after (which
    so needs no worker to answer). A submission from before that (its input at transition 0)
    is started and asked, in the same call, for the case once its workflow has recorded it."""
    process = PROCESSES[submission.kind]
    case_no = submission.case_no
    workflow_id = process.workflow_id(case_no)
    start = process.start_model.model_validate(submission.start)
    submitted = start.state  # type: ignore[attr-defined]
    new = submission.started_at is None
    if submitted.seq > 0:
        if new:
            session.close()  # no pooled connection held while waiting on the process engine
            await engine.start(process.run, start, workflow_id=workflow_id, case_no=case_no)
            await to_thread.run_sync(submissions.mark_started, session, case_no)
            # Unstarted, the case cannot have moved past its submission.
            return submitted
        return await to_thread.run_sync(process.recorded_state, session, case_no)
    session.close()
    try:
        opened, state = await engine.open(
            process.run, start, process.recorded, workflow_id=workflow_id, case_no=case_no
        )
    except Conflict:
        opened = False
    if new:
        await to_thread.run_sync(submissions.mark_started, session, case_no)
    if not opened:
        # A repeat of a request whose case has ended since: it gets the case as it ended.
        state = await engine.query(workflow_id, process.state, case_no=case_no)
    return state


async def start_unstarted(sessions: SessionFactory, engine: ProcessEngine, older: timedelta) -> int:
    """Start the workflow of every submission not known to have started after ``older`` (its
    API process died between the commit and the start, or Temporal was down); the number
    started. One already running is only marked started."""
    started = 0
    with sessions() as session:
        before = datetime.now(UTC) - older
        waiting = await to_thread.run_sync(lambda: submissions.unstarted(session, before=before))
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
            await to_thread.run_sync(submissions.mark_started, session, row.case_no)
    return started
