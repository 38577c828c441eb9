"""The kinds of case, and what every kind does the same way: how it is started and recorded
(``CaseProcess``), how a person finds one (``find_case``) and acts on one through its workflow
(``act``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from anyio import to_thread
from pydantic import BaseModel
from sqlmodel import Session

from kp_licensing.domain.errors import Conflict, NotFound, Unavailable
from kp_licensing.services.access import shown_to, visible
from kp_licensing.services.documents import hand_to_case
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import certificate_cases, licences, permits, projection, submissions
from kp_licensing.store.case_json import stored_case
from kp_licensing.store.certificate_models import CertificateCase
from kp_licensing.store.documents import DocumentStore
from kp_licensing.store.models import Licence
from kp_licensing.store.permit_models import Permit
from kp_licensing.store.projection import to_transition
from schemas.case import AnswerBody, AnswerInformation, Reason, RequestInformation
from schemas.certificate_case import (
    CertificateCaseState,
    CertificateCaseStatus,
    CertificateStart,
    CertificateTransition,
    IssueCertificate,
    RecordPayment,
    VoidCertificate,
)
from schemas.common import Actor
from schemas.licence import (
    Approve,
    Cancel,
    LicenceStart,
    LicenceState,
    LicenceStatus,
    Suspend,
    Transition,
)
from schemas.permit import (
    ApprovePermit,
    PermitStart,
    PermitState,
    PermitStatus,
    PermitTransition,
    RecordCrossing,
    RecordDeparture,
    Resolve,
)
from schemas.shipment import Arrival
from workflows import certificate, licence, permit
from workflows.ids import certificate_workflow_id


class CaseAction(StrEnum):
    """What a person does to an open case, beside answering an information request (which
    also resolves documents: :func:`answer`)."""

    request_information = "request_information"
    approve = "approve"
    reject = "reject"
    withdraw = "withdraw"
    surrender = "surrender"
    suspend = "suspend"
    reinstate = "reinstate"
    cancel = "cancel"
    record_arrival = "record_arrival"
    record_entry = "record_entry"
    record_exit = "record_exit"
    resolve = "resolve"
    record_departure = "record_departure"
    record_payment = "record_payment"
    issue_certificate = "issue_certificate"
    void_certificate = "void_certificate"


#: How often, and how long between, an action waits for the workflow of a case that another
#: workflow starts (its projection is written with the submission, a moment before).
STARTING_ATTEMPTS = 8
STARTING_PAUSE = 0.1


@dataclass(frozen=True)
class Step:
    """One action on a kind of case: the workflow update that carries it, and the command it
    sends, made from the request's body and the actor."""

    update: Any
    command: Callable[[Actor, BaseModel], BaseModel]


def with_actor(model: type[BaseModel]) -> Callable[[Actor, BaseModel], BaseModel]:
    """The command ``model`` made of a request's body and the actor who sent it."""
    return lambda actor, body: model(actor=actor, **body.model_dump())


def crossing(actor: Actor, body: BaseModel) -> BaseModel:
    """What customs or an officer found at a border crossing, as the workflow takes it."""
    return RecordCrossing(actor=actor, arrival=Arrival.model_validate(body.model_dump()))


@dataclass(frozen=True)
class CaseProcess:
    """How a kind of case is started: its workflow, its input, its id, and its projection
    (which writes its first transition, and holds its state as last recorded)."""

    kind: str
    #: The error for a case number of this kind that does not exist (or is another's).
    missing: Callable[[str], NotFound]
    workflow: Any
    start_model: type[BaseModel]
    state_model: type[BaseModel]
    status: type[StrEnum]
    workflow_id: Callable[[str], str]
    project: Callable[..., bool]
    table: Any
    transition_model: type[BaseModel]
    events: Callable[[Session, str], list[Any]]
    #: The actions a person may take on this kind of case, and how each is sent.
    steps: dict[CaseAction, Step]
    #: Whether its cases are submitted (a certificate's is started by its export's workflow).
    submitted: bool = True

    @property
    def run(self) -> Any:
        return self.workflow.run

    @property
    def recorded(self) -> Any:
        return self.workflow.recorded

    @property
    def state(self) -> Any:
        return self.workflow.state

    def recorded_state(self, session: Session, case_no: str) -> Any | None:
        """The case's state as last projected, if it is in the projection."""
        stored = stored_case(session, self.table, case_no)
        return None if stored is None else self.state_model.model_validate_json(stored.state_json)


LICENCE = CaseProcess(
    kind="licence",
    missing=lambda case_no: NotFound("licence.not_found", case_no=case_no),
    workflow=licence.LicenceWorkflow,
    start_model=LicenceStart,
    state_model=LicenceState,
    status=LicenceStatus,
    workflow_id=licence.workflow_id,
    project=licences.apply_record,
    table=Licence,
    transition_model=Transition,
    events=licences.events,
    steps={
        CaseAction.request_information: Step(
            licence.LicenceWorkflow.request_information, with_actor(RequestInformation)
        ),
        CaseAction.approve: Step(licence.LicenceWorkflow.approve, with_actor(Approve)),
        CaseAction.reject: Step(licence.LicenceWorkflow.reject, with_actor(Reason)),
        CaseAction.withdraw: Step(licence.LicenceWorkflow.withdraw, with_actor(Reason)),
        CaseAction.surrender: Step(licence.LicenceWorkflow.surrender, with_actor(Reason)),
        CaseAction.suspend: Step(licence.LicenceWorkflow.suspend, with_actor(Suspend)),
        CaseAction.reinstate: Step(licence.LicenceWorkflow.reinstate, with_actor(Reason)),
        CaseAction.cancel: Step(licence.LicenceWorkflow.cancel, with_actor(Cancel)),
    },
)
PERMIT = CaseProcess(
    kind="permit",
    missing=lambda case_no: NotFound("permit.not_found", case_no=case_no),
    workflow=permit.PermitWorkflow,
    start_model=PermitStart,
    state_model=PermitState,
    status=PermitStatus,
    workflow_id=permit.workflow_id,
    project=permits.apply_record,
    table=Permit,
    transition_model=PermitTransition,
    events=permits.events,
    steps={
        CaseAction.request_information: Step(
            permit.PermitWorkflow.request_information, with_actor(RequestInformation)
        ),
        CaseAction.approve: Step(permit.PermitWorkflow.approve, with_actor(ApprovePermit)),
        CaseAction.reject: Step(permit.PermitWorkflow.reject, with_actor(Reason)),
        CaseAction.withdraw: Step(permit.PermitWorkflow.withdraw, with_actor(Reason)),
        CaseAction.cancel: Step(permit.PermitWorkflow.cancel, with_actor(Reason)),
        CaseAction.record_arrival: Step(permit.PermitWorkflow.record_arrival, crossing),
        CaseAction.record_entry: Step(permit.PermitWorkflow.record_entry, crossing),
        CaseAction.record_exit: Step(permit.PermitWorkflow.record_exit, crossing),
        CaseAction.resolve: Step(permit.PermitWorkflow.resolve, with_actor(Resolve)),
        CaseAction.record_departure: Step(
            permit.PermitWorkflow.record_departure, with_actor(RecordDeparture)
        ),
    },
)
#: An export's KP certificate: a case of its own, under the export's case number.
CERTIFICATE = CaseProcess(
    kind="certificate",
    missing=lambda case_no: NotFound("certificate.case_not_found", case_no=case_no),
    workflow=certificate.CertificateWorkflow,
    start_model=CertificateStart,
    state_model=CertificateCaseState,
    status=CertificateCaseStatus,
    workflow_id=certificate_workflow_id,
    project=certificate_cases.apply_record,
    table=CertificateCase,
    transition_model=CertificateTransition,
    events=certificate_cases.events,
    steps={
        CaseAction.record_payment: Step(
            certificate.CertificateWorkflow.record_payment, with_actor(RecordPayment)
        ),
        CaseAction.issue_certificate: Step(
            certificate.CertificateWorkflow.issue, with_actor(IssueCertificate)
        ),
        CaseAction.void_certificate: Step(
            certificate.CertificateWorkflow.void, with_actor(VoidCertificate)
        ),
    },
    submitted=False,
)
PROCESSES = {p.kind: p for p in (LICENCE, PERMIT, CERTIFICATE)}


def find_case(session: Session, process: CaseProcess, *, case_no: str, actor: Actor) -> Any:
    """The case's row, if this actor may see it; another operator's case does not exist for a
    trader (404)."""
    return visible(
        session.get(process.table, case_no), actor=actor, missing=process.missing(case_no)
    )


def case_state(session: Session, process: CaseProcess, *, case_no: str, actor: Actor) -> Any:
    """The whole case as of its latest transition, read from the projection's stored JSON in
    one validating pass (no ORM object, no JSON decoding into dicts)."""
    stored = visible(
        stored_case(session, process.table, case_no),
        actor=actor,
        missing=process.missing(case_no),
    )
    state = process.state_model.model_validate_json(stored.state_json)
    shown_to(actor, session, state)
    return state


def history(session: Session, process: CaseProcess, *, case_no: str, actor: Actor) -> list[Any]:
    """Every transition of the case: who, when, why, from which status to which (staff named
    to a trader by display name: ``access.shown_to``)."""
    find_case(session, process, case_no=case_no, actor=actor)
    steps = [to_transition(e, process.transition_model) for e in process.events(session, case_no)]
    shown_to(actor, session, steps)
    return steps


async def act(
    session: Session,
    engine: ProcessEngine,
    process: CaseProcess,
    *,
    case_no: str,
    update: Any,
    command: Any,
) -> Any:
    """Run one action of a person on a case through its workflow; refusals come back as domain
    errors (404 for a case the actor may not see, 409 for an impossible transition, 422 for bad
    content). Only the case's standing is read first, not its state document."""
    standing = await to_thread.run_sync(projection.standing, session, process.table, case_no)
    row = visible(standing, actor=command.actor, missing=process.missing(case_no))
    status = process.status(row.status)
    if status.is_final:  # type: ignore[attr-defined]
        # A request sent again after the case closed (its first answer lost, say) gets what
        # it got the first time, as it would while the case was open.
        workflow_id = process.workflow_id(row.case_no)
        earlier = await engine.earlier_result(
            workflow_id, update, command.actor, case_no=row.case_no
        )
        if earlier is not None:
            return earlier
        raise Conflict("case.final", case_no=row.case_no, status=status)
    # Give the connection back before waiting on the workflow: the update returns only after
    # its write is in the database, and a request must not hold a pooled connection that long.
    session.close()
    workflow_id = process.workflow_id(row.case_no)
    for attempt in range(STARTING_ATTEMPTS):
        try:
            return await engine.execute(workflow_id, update, command, case_no=row.case_no)
        except Conflict as refused:
            if refused.message.code != "case.closed":
                raise
            if process.submitted:
                if not await _start_if_never_started(session, engine, process, row.case_no):
                    raise
                return await engine.execute(workflow_id, update, command, case_no=row.case_no)
            # A case another workflow starts (an export's certificate) may not be running yet
            # just after the submission that recorded it: wait a little for it.
            await asyncio.sleep(STARTING_PAUSE * (attempt + 1))
    raise Unavailable("case.starting", case_no=row.case_no, retry_after=5, case=row.case_no)


async def take(
    session: Session,
    engine: ProcessEngine,
    process: CaseProcess,
    action: CaseAction,
    *,
    actor: Actor,
    case_no: str,
    body: BaseModel,
) -> Any:
    """``actor`` takes ``action`` on a case, with the request's ``body``: the command the
    action sends, through the workflow update that carries it (:func:`act`)."""
    step = process.steps[action]
    return await act(
        session,
        engine,
        process,
        case_no=case_no,
        update=step.update,
        command=step.command(actor, body),
    )


async def answer(
    session: Session,
    engine: ProcessEngine,
    process: CaseProcess,
    documents: DocumentStore,
    *,
    actor: Actor,
    case_no: str,
    body: AnswerBody,
) -> Any:
    """Answer an information request on a case, with any further documents (the operator's
    own); an unseen case is a 404 before any document is looked at."""
    assert actor.operator_id is not None, "only an operator's people answer (MayAnswer)"
    operator_id = actor.operator_id

    def command() -> AnswerInformation:
        find_case(session, process, case_no=case_no, actor=actor)
        refs = documents.refs(session, ids=body.document_ids, operator_id=operator_id)
        hand_to_case(session, refs)
        return AnswerInformation(actor=actor, message=body.message, documents=refs)

    return await act(
        session,
        engine,
        process,
        case_no=case_no,
        update=process.workflow.answer_information,
        command=await to_thread.run_sync(command),
    )


async def _start_if_never_started(
    session: Session, engine: ProcessEngine, process: CaseProcess, case_no: str
) -> bool:
    """Start the workflow of a case whose submission was committed but never started (its
    request died, or met Temporal down, and the sweep has not come yet): an action on it then
    goes through instead of being told the case is closed. False if it was started before (the
    refusal stands)."""
    if not process.submitted:
        return False
    submission = await to_thread.run_sync(submissions.get, session, case_no)
    if submission is None or submission.started_at is not None:
        return False
    await engine.start(
        process.run,
        process.start_model.model_validate(submission.start),
        workflow_id=process.workflow_id(case_no),
        case_no=case_no,
    )
    await to_thread.run_sync(submissions.mark_started, session, case_no)
    return True
