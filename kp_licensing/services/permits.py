"""Shipment-licence use cases: gather the facts, judge them, claim what must not be claimed
twice, and hand the case to ``PermitWorkflow``.

Two registers are written here, in the same transaction that allocates the case number: the
foreign certificate an import presents (a second presentation anywhere is refused) and the
carats an export draws from imported certificates (never more than remain). A refused
application leaves nothing held; an accepted one is committed with its submission, so its case
opens even if the workflow cannot be started at once (``services.submissions``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kp_licensing.domain import listings
from kp_licensing.domain import permits as rules
from kp_licensing.domain.checks import refuse_failed
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import NotFound, RuleViolation
from kp_licensing.domain.numbering import permit_case_number
from kp_licensing.services import cases, paging, registry
from kp_licensing.services.access import searched_operator, visible
from kp_licensing.services.cases import CERTIFICATE, PERMIT
from kp_licensing.services.submissions import (
    by_idempotency_key,
    record,
    submit_once,
)
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import certificate_cases, licences, permits, sequences, submissions
from kp_licensing.store import stock as stock_register
from kp_licensing.store.documents import DocumentStore
from kp_licensing.store.models import Submission
from kp_licensing.store.permit_models import Permit, SignedApplication
from kp_licensing.support.settings import Settings
from schemas.common import SYSTEM_ACTOR, Actor, DocumentRef
from schemas.licence import LicenceStatus
from schemas.messages import say
from schemas.permit import (
    ApplicationSignature,
    PermitApplication,
    PermitCheck,
    PermitPage,
    PermitState,
    PermitStatus,
    PermitSummary,
    StockBalance,
)
from schemas.shipment import PermitKind
from workflows.permit_export import certificate_start


def find_case(session: Session, *, case_no: str, actor: Actor) -> Permit:
    """The shipment case, if this actor may see it (``services.cases.find_case``)."""
    case: Permit = cases.find_case(session, PERMIT, case_no=case_no, actor=actor)
    return case


def gather_facts(
    session: Session,
    *,
    application: PermitApplication,
    operator_id: int,
    documents: list[DocumentRef],
    settings: Settings,
) -> rules.Facts:
    """Everything the checks need to know, read from the database."""
    held = licences.open_case_of(session, operator_id)
    licence = None
    if held is not None and held.licence_no and held.expires_on:
        licence = rules.LicenceFacts(
            licence_no=held.licence_no,
            status=LicenceStatus(held.status),
            activities=held.activities,
            expires_on=held.expires_on,
        )
    answers = {}
    for country, on in rules.countries_to_check(application):
        answer = registry.check_participant(session, country=country, on=on)
        answers[(country, on)] = rules.ParticipantFacts(active=answer.active, reason=answer.reason)
    facts = rules.Facts(
        today=macao_date(datetime.now(UTC)),
        licence=licence,
        participants=answers,
        value_bands=settings.permit_value_bands,
        required_documents=settings.permit_required_documents,
        documents=documents,
        tolerance=settings.carat_tolerance,
    )
    certificate = application.foreign_certificate
    if certificate is not None:
        presented = stock_register.presented_in(
            session, issuing_country=certificate.issuing_country, number=certificate.number
        )
        if presented is not None:
            # Name the earlier case only to its own operator: another's does not exist for them.
            earlier = permits.get(session, presented)
            mine = earlier is not None and earlier.operator_id == operator_id
            facts.presented_in = (
                say("certificate.presented_in_case", case_no=presented)
                if mine
                else say("certificate.presented_elsewhere")
            )
        listing = registry.find_invalid(
            session, issuing_country=certificate.issuing_country, number=certificate.number
        )
        facts.invalid_reason = listings.listed_as(listing) if listing else None
    if application.source_certificates:
        facts.balances = stock_register.balances(
            session, operator_id=operator_id, draws=application.source_certificates
        )
    for draw in application.source_certificates:
        listing = registry.find_invalid(
            session, issuing_country=draw.issuing_country, number=draw.number
        )
        if listing is not None:
            facts.invalid_sources[(draw.issuing_country, draw.number)] = listings.listed_as(listing)
    return facts


async def apply(
    *,
    session: Session,
    client: ProcessEngine,
    settings: Settings,
    documents: DocumentStore,
    actor: Actor,
    application: PermitApplication,
    signed: SignedApplication | None = None,
) -> PermitState:
    """Check an application at once; refuse it with every failed check, or open the case.
    ``signed``: the application came as a document signed by the operator's representative
    (``services.signed_applications``), kept with the case.

    A repeated request (the same ``Idempotency-Key``, or without one the same application while
    its case awaits its first decision) gets the case it opened, never a second one."""
    assert actor.operator_id is not None
    operator_id = actor.operator_id
    state: PermitState = await submit_once(
        session,
        client,
        process=PERMIT,
        operator_id=operator_id,
        application=application,
        create=lambda print_: _submit(
            session,
            actor=actor,
            application=application,
            documents=documents,
            settings=settings,
            print_=print_,
            idempotency_key=client.idempotency_key,
            signed=signed,
        ),
        twin=lambda print_: _undecided_twin(session, operator_id=operator_id, print_=print_),
    )
    return state


def _undecided_twin(session: Session, *, operator_id: int, print_: str) -> Submission | None:
    """An earlier submission of the same application whose case awaits its first decision."""
    for earlier in submissions.with_fingerprint(
        session, operator_id=operator_id, kind=PERMIT.kind, fingerprint=print_
    ):
        case = permits.get(session, earlier.case_no)
        if case is None or case.status == PermitStatus.under_review:
            return earlier
    return None


def _submit(
    session: Session,
    *,
    actor: Actor,
    application: PermitApplication,
    documents: DocumentStore,
    settings: Settings,
    print_: str,
    idempotency_key: str | None,
    signed: SignedApplication | None = None,
) -> Submission:
    """Judge the application and commit its case number, its submission and the projection of
    its first transition together (which takes its claims on the certificate registers:
    ``store.permits.apply_record``), and the signed document it came as, if it did."""
    assert actor.operator_id is not None
    operator_id = actor.operator_id
    ids = list(application.document_ids)
    if application.foreign_certificate is not None:
        ids.append(application.foreign_certificate.scan_document_id)
    refs = documents.refs(session, ids=ids, operator_id=operator_id)
    facts = gather_facts(
        session,
        application=application,
        operator_id=operator_id,
        documents=refs,
        settings=settings,
    )
    checks = rules.permit_checks(application, facts)
    refuse_failed(checks, code="application.refused")
    assert facts.licence is not None
    case_no = sequences.next_case_number(session, "permit-case", permit_case_number)
    state = PermitState(
        case_no=case_no,
        operator_id=operator_id,
        kind=application.kind,
        status=PermitStatus.under_review,
        application=application,
        documents=refs,
        checks=checks,
        submitted_at=datetime.now(UTC),
        policy=settings.permit_policy(certificate=application.kind == PermitKind.export),
        licence_no=facts.licence.licence_no,
        licence_expires_on=facts.licence.expires_on,
    )
    if signed is not None:
        signed.case_no, signed.operator_id = case_no, operator_id
        state.signature = ApplicationSignature(
            signer=signed.signer,
            registration_no=signed.registration_no,
            certificate_sha256=signed.certificate_sha256,
            document_sha256=signed.sha256,
        )
        session.add(signed)
    submission = record(
        session,
        process=PERMIT,
        state=state,
        actor=actor,
        print_=print_,
        idempotency_key=idempotency_key,
    )
    if state.policy.certificate is not None:  # an export applies for its KP certificate
        certificate = certificate_start(state, recorded=True).state
        first = CERTIFICATE.workflow.submission_record(
            certificate, SYSTEM_ACTOR, state.submitted_at
        )
        certificate_cases.apply_record(session, first, commit=False)
    try:
        session.commit()
    except IntegrityError:
        # Only the Idempotency-Key is unique here: the same request, sent twice at once.
        session.rollback()
        earlier = by_idempotency_key(
            session, operator_id=operator_id, key=idempotency_key, print_=print_
        )
        if earlier is None:
            raise
        return earlier
    return submission


def check_by_number(session: Session, *, licence_no: str, actor: Actor) -> PermitCheck:
    """A shipment licence as customs checks it: in force today, for what (a trader: only its
    own operator's licences exist)."""
    missing = NotFound("permit.number_not_found", licence_no=licence_no)
    found = permits.get_by_permit_no(session, licence_no)
    row = visible(found[0] if found else None, actor=actor, missing=missing)
    assert found is not None
    state = PermitState.model_validate(row.state)
    app, today = state.application, macao_date(datetime.now(UTC))
    certificate = app.foreign_certificate if state.kind == PermitKind.import_ else None
    in_use = state.status in (PermitStatus.approved, PermitStatus.in_transit)
    return PermitCheck(
        licence_no=row.permit_no or licence_no,
        kind=state.kind,
        status=state.status,
        holder=found[1],
        operating_licence_no=state.licence_no,
        issued_on=state.issued_on,
        valid_until=state.valid_until,
        valid_today=in_use
        and state.issued_on is not None
        and state.valid_until is not None
        and state.issued_on <= today <= state.valid_until,
        carats=app.carats,
        parcels=app.parcels,
        certificate_issuing_country=certificate.issuing_country if certificate else None,
        certificate_number=certificate.number if certificate else None,
        provenance_country=app.provenance_country,
        destination_country=app.destination_country,
    )


def stock(session: Session, *, actor: Actor, operator_id: int | None) -> list[StockBalance]:
    """The carats an operator may still export, per certificate imported under (a trader's
    own operator, whatever ``operator_id`` says; staff name the operator)."""
    operator = searched_operator(actor, operator_id)
    if operator is None:
        raise RuleViolation("stock.operator_required")
    return [
        StockBalance(
            issuing_country=row.issuing_country,
            number=row.number,
            import_case_no=row.import_case_no,
            imported_on=row.imported_on,
            carats=row.carats,
            drawn=row.drawn,
            left=row.carats - row.drawn,
        )
        for row in stock_register.stock_of(session, operator)
    ]


def search(
    session: Session,
    *,
    actor: Actor,
    operator_id: int | None,
    kind: PermitKind | None,
    status: list[PermitStatus] | None,
    text: str | None,
    limit: int,
    offset: int,
    cursor: str | None,
    count: bool,
    secret: str,
    flagged: bool | None = None,
) -> PermitPage:
    """Cases by kind, status, operator and text, newest first, from ``offset`` or after
    ``cursor`` (signed with ``secret``). A trader sees only its own operator's cases, whatever
    ``operator_id`` says."""
    page = permits.search(
        session,
        operator_id=searched_operator(actor, operator_id),
        kind=kind.value if kind else None,
        status=[s.value for s in status] if status else None,
        text=text,
        flagged=flagged,
        limit=limit,
        offset=offset,
        after=paging.start(cursor, offset, scope="permits", secret=secret),
        count=count,
    )
    return PermitPage(
        total=page.total,
        items=[PermitSummary.model_validate(r, from_attributes=True) for r in page.rows],
        next_cursor=paging.following(page, scope="permits", secret=secret),
    )
