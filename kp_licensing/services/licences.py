"""Operating-licence use cases: what the API does between checking who asks and answering.

Reads come from the projection tables; every change goes through ``LicenceWorkflow`` (the API
never writes a table the workflow owns), and returns only once the workflow has projected it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from anyio import to_thread
from sqlmodel import Session

from kp_licensing.domain import licences as rules
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import Conflict, NotFound, RuleViolation
from kp_licensing.domain.numbering import case_number
from kp_licensing.domain.registration import canonical_registration_no
from kp_licensing.services import cases, paging
from kp_licensing.services.access import searched_operator, visible
from kp_licensing.services.cases import LICENCE
from kp_licensing.services.documents import hand_to_case
from kp_licensing.services.submissions import (
    record,
    submit_once,
)
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import licences, people, sequences, submissions
from kp_licensing.store.documents import DocumentStore
from kp_licensing.store.models import Licence, Submission
from kp_licensing.support.settings import Settings
from schemas.common import Actor, CheckResult, DocumentRef
from schemas.licence import (
    LicenceApplication,
    LicenceCheck,
    LicencePage,
    LicenceRecord,
    LicenceState,
    LicenceStatus,
    LicenceSummary,
    Renew,
)
from workflows.licence import LicenceWorkflow


def find_case(session: Session, *, case_no: str, actor: Actor) -> Licence:
    """The licence case, if this actor may see it (``services.cases.find_case``)."""
    case: Licence = cases.find_case(session, LICENCE, case_no=case_no, actor=actor)
    return case


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
    registration_no = people.registration_no(session, operator_id)
    if canonical_registration_no(application.business_registration_no) != registration_no:
        raise RuleViolation("licence.registration_not_operators", registration_no=registration_no)
    refs = documents.refs(session, ids=application.document_ids, operator_id=operator_id)
    checks = rules.completeness_checks(application, refs, settings.licence_required_documents)
    rules.require_complete(checks)
    return refs, checks


async def apply(
    *,
    session: Session,
    client: ProcessEngine,
    settings: Settings,
    documents: DocumentStore,
    actor: Actor,
    application: LicenceApplication,
) -> LicenceState:
    """Submit an application: checked at once, then a new case whose workflow has recorded it.

    An operator holds one operating licence: the claim on it is taken in the same transaction
    as the submission. The same application sent again while its case awaits a decision (or
    with the same ``Idempotency-Key``) gets that case, never a second one."""
    assert actor.operator_id is not None
    operator_id = actor.operator_id

    def create(print_: str) -> Submission:
        refs, checks = _check_application(
            session,
            application=application,
            operator_id=operator_id,
            documents=documents,
            settings=settings,
        )
        return _submit(
            session,
            actor=actor,
            application=application,
            refs=refs,
            checks=checks,
            settings=settings,
            print_=print_,
            idempotency_key=client.idempotency_key,
        )

    state: LicenceState = await submit_once(
        session,
        client,
        process=LICENCE,
        operator_id=operator_id,
        application=application,
        create=create,
    )
    return state


def _submit(
    session: Session,
    *,
    actor: Actor,
    application: LicenceApplication,
    refs: list[DocumentRef],
    checks: list[CheckResult],
    settings: Settings,
    print_: str,
    idempotency_key: str | None,
) -> Submission:
    """The new case's submission, committed with the operator's licence claim; or the earlier
    submission this request repeats. Refused (409) while another case holds the claim."""
    assert actor.operator_id is not None
    for _ in range(3):  # the claim may change hands between the read and the write
        holder = submissions.licence_claim(session, actor.operator_id)
        if holder is not None:
            case = licences.get(session, holder)
            if case is None or not LicenceStatus(case.status).is_final:
                return _repeated_or_refused(session, holder=holder, case=case, print_=print_)
        case_no = sequences.next_case_number(session, "case", case_number)
        state = LicenceState(
            case_no=case_no,
            operator_id=actor.operator_id,
            status=LicenceStatus.under_review,
            application=application,
            documents=refs,
            checks=checks,
            submitted_at=datetime.now(UTC),
            policy=settings.licence_policy(),
        )
        submission = record(
            session,
            process=LICENCE,
            state=state,
            actor=actor,
            print_=print_,
            idempotency_key=idempotency_key,
        )
        if submissions.claim_licence(
            session, operator_id=actor.operator_id, case_no=case_no, replacing=holder
        ):
            session.commit()
            return submission
        session.rollback()
    raise Conflict("licence.submission_in_progress")


def _repeated_or_refused(
    session: Session, *, holder: str, case: Licence | None, print_: str
) -> Submission:
    """The holder's submission if this request repeats it (same content, no decision yet);
    otherwise the operator already has its case."""
    earlier = submissions.get(session, holder)
    undecided = case is None or case.status == LicenceStatus.under_review
    if earlier is not None and earlier.fingerprint == print_ and undecided:
        return earlier
    if case is None:
        raise Conflict("licence.operator_case_opening", case_no=holder)
    raise Conflict("licence.operator_has_case", case_no=holder, status=case.status)


async def renew(
    *,
    session: Session,
    client: ProcessEngine,
    documents: DocumentStore,
    settings: Settings,
    actor: Actor,
    case_no: str,
    application: LicenceApplication,
) -> LicenceRecord:
    """Apply to renew a licence: checked like a first application (refused at once if
    incomplete), then handed to the case's workflow."""
    assert actor.operator_id is not None, "only an operator's people renew (MayRenew)"
    operator_id = actor.operator_id

    def command() -> Renew:
        find_case(session, case_no=case_no, actor=actor)
        refs, checks = _check_application(
            session,
            application=application,
            operator_id=operator_id,
            documents=documents,
            settings=settings,
        )
        hand_to_case(session, refs)
        return Renew(actor=actor, application=application, documents=refs, checks=checks)

    renewal = await to_thread.run_sync(command)
    record: LicenceRecord = await cases.act(
        session, client, LICENCE, case_no=case_no, update=LicenceWorkflow.renew, command=renewal
    )
    return record


def check_by_number(session: Session, *, licence_no: str, actor: Actor) -> LicenceCheck:
    """An operating licence as customs, officers and its holder check it: in force today, and
    for what (a trader: only its own operator's licence exists)."""
    row = visible(
        licences.get_by_licence_no(session, licence_no),
        actor=actor,
        missing=NotFound("licence.number_not_found", licence_no=licence_no),
    )
    today = macao_date(datetime.now(UTC))
    return LicenceCheck(
        licence_no=licence_no,
        status=LicenceStatus(row.status),
        holder=row.applicant_name,
        business_registration_no=row.business_registration_no,
        activities=row.activities,
        issued_on=row.issued_on,
        expires_on=row.expires_on,
        valid_today=row.status == LicenceStatus.active
        and row.expires_on is not None
        and today < row.expires_on,
    )


def search(
    session: Session,
    *,
    actor: Actor,
    operator_id: int | None,
    status: list[LicenceStatus] | None,
    expiring_within_days: int | None,
    text: str | None,
    limit: int,
    offset: int,
    cursor: str | None,
    count: bool,
    secret: str,
) -> LicencePage:
    """Cases by status, operator, text, or licences in force expiring within N days, newest
    first, from ``offset`` or after ``cursor`` (signed with ``secret``). A trader sees only its
    own operator's cases, whatever ``operator_id`` says."""
    before = None
    if expiring_within_days is not None:
        before = licences.expiring_before(macao_date(datetime.now(UTC)), expiring_within_days)
    page = licences.search(
        session,
        operator_id=searched_operator(actor, operator_id),
        status=[s.value for s in status] if status else None,
        expiring_before=before,
        text=text,
        limit=limit,
        offset=offset,
        after=paging.start(cursor, offset, scope="licences", secret=secret),
        count=count,
    )
    return LicencePage(
        total=page.total,
        items=[LicenceSummary.model_validate(r, from_attributes=True) for r in page.rows],
        next_cursor=paging.following(page, scope="licences", secret=secret),
    )
