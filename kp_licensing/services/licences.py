"""Operating-licence use cases: what the API does between checking who asks and answering.

Reads come from the projection tables; every change goes through ``LicenceWorkflow`` (the API
never writes a table the workflow owns), and returns only once the workflow has projected it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy

from kp_licensing.domain import licences as rules
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import Conflict, RuleViolation
from kp_licensing.domain.numbering import case_number
from kp_licensing.domain.registration import canonical_registration_no
from kp_licensing.services.access import visible
from kp_licensing.services.temporal import execute
from kp_licensing.settings import Settings
from kp_licensing.store import licences, people, sequences
from kp_licensing.store.documents import DocumentStore
from kp_licensing.store.locks import OperatorLocks
from kp_licensing.store.models import Licence
from schemas.common import Actor, CheckResult, DocumentRef
from schemas.licence import (
    LicenceApplication,
    LicenceRecord,
    LicenceStart,
    LicenceState,
    LicenceStatus,
    Renew,
)
from workflows.licence import LicenceWorkflow, workflow_id


def find_case(session: Session, *, case_no: str, actor: Actor) -> Licence:
    """The case, if this actor may see it; another operator's case does not exist for a trader."""
    return visible(
        licences.get(session, case_no), actor=actor, missing=f"no licence case {case_no}"
    )


def _check_application(
    session: Session,
    *,
    application: LicenceApplication,
    operator_id: int,
    documents: DocumentStore,
    settings: Settings,
) -> tuple[list[DocumentRef], list[CheckResult]]:
    """Resolve the application's documents and run every completeness check; refuse if any
    fails, naming all that is missing."""
    operator = people.get_operator(session, operator_id)
    if (
        canonical_registration_no(application.business_registration_no)
        != operator.business_registration_no
    ):
        raise RuleViolation(
            "the business registration number must be that of your registered operator "
            f"({operator.business_registration_no})"
        )
    refs = documents.refs(session, ids=application.document_ids, operator_id=operator_id)
    checks = rules.completeness_checks(application, refs, settings.licence_required_documents)
    rules.require_complete(checks)
    return refs, checks


async def apply(
    *,
    session: Session,
    client: Client,
    settings: Settings,
    documents: DocumentStore,
    locks: OperatorLocks,
    actor: Actor,
    application: LicenceApplication,
) -> LicenceState:
    """Submit an application: checked at once, then a new case whose workflow has recorded it."""
    assert actor.operator_id is not None
    with locks.hold(actor.operator_id):
        refs, checks = _check_application(
            session,
            application=application,
            operator_id=actor.operator_id,
            documents=documents,
            settings=settings,
        )
        existing = licences.open_case_of(session, actor.operator_id)
        if existing is not None:
            raise Conflict(
                f"this operator already has case {existing.case_no} ({existing.status}); an "
                "operator holds one operating licence: renew it, or wait for the decision"
            )
        now = datetime.now(UTC)
        year = macao_date(now).year
        case_no = case_number(year, sequences.next_value(session, f"case-{year}"))
        session.commit()
        state = LicenceState(
            case_no=case_no,
            operator_id=actor.operator_id,
            status=LicenceStatus.under_review,
            application=application,
            documents=refs,
            checks=checks,
            submitted_at=now,
            policy=settings.licence_policy(),
        )
        handle = await client.start_workflow(
            LicenceWorkflow.run,
            LicenceStart(state=state, submitted_by=actor),
            id=workflow_id(case_no),
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        recorded: LicenceState = await execute(client, handle.id, LicenceWorkflow.recorded)
        return recorded


async def act(
    *, session: Session, client: Client, case_no: str, update: Any, command: Any
) -> LicenceRecord:
    """Run one human action on a case through its workflow; refusals come back as domain
    errors (404 for a case the actor may not see, 409 for an impossible transition, 422 for bad
    content)."""
    row = find_case(session, case_no=case_no, actor=command.actor)
    status = LicenceStatus(row.status)
    if status.is_final:
        raise Conflict(f"case {row.case_no} is {status.value}; it can no longer change")
    # Give the connection back before waiting on the workflow: the update returns only after
    # its activity has written to the database, and a request must not hold a pooled
    # connection for that long.
    session.close()
    result: LicenceRecord = await execute(client, workflow_id(row.case_no), update, command)
    return result


def renewal_command(
    session: Session,
    *,
    actor: Actor,
    application: LicenceApplication,
    documents: DocumentStore,
    settings: Settings,
) -> Renew:
    assert actor.operator_id is not None
    refs, checks = _check_application(
        session,
        application=application,
        operator_id=actor.operator_id,
        documents=documents,
        settings=settings,
    )
    return Renew(actor=actor, application=application, documents=refs, checks=checks)
