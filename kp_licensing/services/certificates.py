"""Macao's KP certificates once issued (by ``CertificateWorkflow``'s activity,
``workflows/certificate_activities``): printing them, and telling anyone whether one is
genuine."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from anyio import to_thread
from lxml import etree
from sqlmodel import Session

from edi import certificate_pdf, kp_certificate, xmldsig
from edi.xmldsig import hardened_parser
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import NotFound
from kp_licensing.services import throttle
from kp_licensing.services.access import visible
from kp_licensing.services.cases import CERTIFICATE, act, find_case
from kp_licensing.services.documents import hand_to_case
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import certificate_cases
from kp_licensing.store import certificates as store
from kp_licensing.store.certificate_models import KpCertificateRow
from kp_licensing.store.documents import DocumentStore
from schemas.certificate import (
    CertificateStatus,
    CertificateSummary,
    CertificateVerification,
)
from schemas.certificate_case import (
    CertificateCasePage,
    CertificateCaseStatus,
    CertificateCaseSummary,
    CertificateRecord,
    RecordConfirmation,
    RecordConfirmationBody,
)
from schemas.common import Actor
from schemas.messages import say
from schemas.shipment import canonical_certificate_number


async def record_confirmation(
    session: Session,
    engine: ProcessEngine,
    documents: DocumentStore,
    *,
    actor: Actor,
    case_no: str,
    body: RecordConfirmationBody,
) -> CertificateRecord:
    """An officer records the destination authority's confirmation, with its documents (the
    exporter's uploads: the confirmation is usually sent to them, or passed on by them)."""

    def command() -> RecordConfirmation:
        case = find_case(session, CERTIFICATE, case_no=case_no, actor=actor)
        refs = documents.refs(session, ids=body.document_ids, operator_id=case.operator_id)
        hand_to_case(session, refs)
        return RecordConfirmation(
            actor=actor, received_on=body.received_on, documents=refs, note=body.note
        )

    return await act(  # type: ignore[no-any-return]
        session,
        engine,
        CERTIFICATE,
        case_no=case_no,
        update=CERTIFICATE.workflow.record_confirmation,
        command=await to_thread.run_sync(command),
    )


def worklist(
    session: Session,
    *,
    status: list[CertificateCaseStatus] | None,
    late: bool | None,
    confirmation_overdue: bool | None,
    operator_id: int | None,
    limit: int,
    offset: int,
) -> CertificateCasePage:
    """The officers' queue of certificates, the most urgent first: what is due and late
    against the service standard, and what is used but still unconfirmed past its reminder."""
    today = macao_date(datetime.now(UTC))
    rows, total = certificate_cases.worklist(
        session,
        today=today,
        status=[s.value for s in status] if status else None,
        late=late,
        confirmation_overdue=confirmation_overdue,
        operator_id=operator_id,
        limit=limit,
        offset=offset,
    )
    items = [
        CertificateCaseSummary(
            case_no=row.case_no,
            operator_id=row.operator_id,
            status=CertificateCaseStatus(row.status),
            permit_no=row.permit_no,
            licence_status=row.licence_status,
            certificate_no=row.certificate_no,
            fee_paid=row.fee_paid,
            due_on=row.due_on,
            late=row.due_on is not None and row.due_on < today,
            expires_on=row.expires_on,
            departed_on=row.departed_on,
            confirmation_due_on=row.confirmation_due_on,
            confirmation_overdue=row.status == CertificateCaseStatus.used.value
            and row.confirmation_due_on is not None
            and row.confirmation_due_on < today,
            escalated=row.escalated,
            updated_at=row.updated_at,
        )
        for row in rows
    ]
    return CertificateCasePage(items=items, total=total)


def issued(session: Session, number: str, *, actor: Actor) -> KpCertificateRow:
    """A certificate as issued, to its exporter's people and to staff (404 to anyone else)."""
    canonical = canonical_certificate_number(number)
    return visible(
        store.get(session, canonical),
        actor=actor,
        missing=NotFound("certificate.not_found", number=canonical),
    )


def printable(session: Session, number: str, *, base_url: str) -> bytes:
    """The certificate's PDF, rendered from the document as signed (so it prints exactly what
    was signed) with its hash in the QR code."""
    row = store.get(session, number)
    if row is None:
        raise NotFound("certificate.not_found", number=number)
    certificate = kp_certificate.parse(_covered(row.document))
    return certificate_pdf.render(certificate, sha256=row.sha256, base_url=base_url)


def verify_document(
    session: Session, data: bytes, *, trust_store: Path, address: str
) -> CertificateVerification:
    """Whether an uploaded certificate document is one Macao issued: its signature verifies
    against the trust store, and what it signs is, exactly, the certificate stored under its
    number (so a copy re-serialised on the way still counts; one changed anywhere does not).
    Then the answer is the one its hash gets. A document that fails counts as a failed attempt
    of the caller's address."""
    subjects = throttle.verification(address)
    throttle.check(session, subjects)
    try:
        verified = xmldsig.verify(data, trust_store=trust_store)
        number = kp_certificate.parse(verified.root).number
    except (xmldsig.NotVerified, ValueError, etree.LxmlError) as refused:
        throttle.failed(session, subjects)
        reason = str(refused).splitlines()[0][:300] if str(refused) else "not a KP certificate"
        return CertificateVerification(
            number="", genuine=False, verdict=say("verification.document_refused", reason=reason)
        )
    row = store.get(session, number)
    if row is None or _canonical(_covered(row.document)) != _canonical(verified.root):
        throttle.failed(session, subjects)
        return CertificateVerification(
            number=number,
            genuine=False,
            hash_matches=False,
            verdict=say("verification.document_differs", number=number),
        )
    return verify(session, number=number, sha256=row.sha256, address=address)


def _canonical(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


def _covered(document: bytes) -> etree._Element:
    """What a stored document's signature covers: the document, less the signature."""
    root = etree.fromstring(document, parser=hardened_parser())
    root.remove(root[-1])
    return root


def status_on(row: KpCertificateRow, today: date) -> CertificateStatus:
    """Its status as of ``today``: one still marked valid past its expiry has expired."""
    status = CertificateStatus(row.status)
    if status is CertificateStatus.valid and row.expires_on < today:
        return CertificateStatus.expired
    return status


def verify(
    session: Session, *, number: str, sha256: str | None, address: str
) -> CertificateVerification:
    """Whether Macao issued certificate ``number`` (and, with ``sha256``, whether that is its
    document) and its status; what it prints only to who shows its hash (the QR code, the
    document): numbers are consecutive, so anyone could otherwise read every certificate's
    parties and values. A number that does not exist, or a hash that is
    not the document's, counts as a failed attempt of the caller's address: guessing numbers or
    hashes is slowed down (429) like guessing passwords."""
    subjects = throttle.verification(address)
    throttle.check(session, subjects)
    canonical = canonical_certificate_number(number)
    row = store.get(session, canonical)
    if row is None:
        throttle.failed(session, subjects)
        return CertificateVerification(
            number=canonical, genuine=False, verdict=say("verification.unknown", number=canonical)
        )
    matches = None if sha256 is None else sha256.lower() == row.sha256
    if matches is False:
        throttle.failed(session, subjects)
    status = status_on(row, macao_date(datetime.now(UTC)))
    replaced_by = store.replacement_of(session, row.number)
    summary = (
        None
        if not matches  # read only for who shows the hash
        else CertificateSummary(
            exporter=row.exporter,
            importer=row.importer,
            importer_country=row.importer_country,
            origin=row.origin,
            provenance=store.provenance(session, row.number),
            destination_country=row.destination_country,
            parcels=row.parcels,
            carats=row.carats,
            value_usd=row.value_usd,
            hs_codes=sorted({line.hs_code for line in store.lines(session, row.number)}),
        )
    )
    if matches is False:
        verdict = say("verification.hash_mismatch", number=row.number)
    elif status is CertificateStatus.voided and replaced_by:
        verdict = say("verification.replaced", number=row.number, replaced_by=replaced_by)
    elif status is CertificateStatus.valid:
        verdict = say("verification.valid", number=row.number, expires_on=row.expires_on)
    elif status is CertificateStatus.used:
        verdict = say("verification.used", number=row.number)
    elif status is CertificateStatus.expired:
        verdict = say("verification.expired", number=row.number, expires_on=row.expires_on)
    else:
        verdict = say("verification.voided", number=row.number)
    return CertificateVerification(
        number=row.number,
        genuine=matches is not False,
        hash_matches=matches,
        status=status,
        issued_on=macao_date(row.issued_at),
        expires_on=row.expires_on,
        replaces=row.replaces,
        replaced_by=replaced_by,
        summary=summary,
        verdict=verdict,
    )
