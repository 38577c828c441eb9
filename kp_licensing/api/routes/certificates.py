"""Macao's KP certificates: the certificate an export applies for (fee, validation and issue,
voiding and replacing, the destination's confirmation), the officers' queue, the export's
departure, and the certificate itself to download (signed XML, PDF)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from kp_licensing.api import paging
from kp_licensing.api.deps import (
    MayDecide,
    MayViewCases,
    ServicesDep,
    SessionDep,
    TemporalDep,
)
from kp_licensing.api.responses import attachment, signed_xml
from kp_licensing.services import cases, certificates
from kp_licensing.services.cases import CERTIFICATE, PERMIT, CaseAction
from kp_licensing.support.settings import public_url
from schemas.certificate_case import (
    CertificateCasePage,
    CertificateCaseState,
    CertificateCaseStatus,
    CertificateRecord,
    CertificateTransition,
    IssueCertificateBody,
    RecordConfirmationBody,
    RecordPaymentBody,
    VoidCertificateBody,
)
from schemas.permit import PermitRecord, RecordDepartureBody

router = APIRouter(tags=["KP certificates"])

CertificateNumber = Annotated[
    str,
    Path(
        min_length=2,
        max_length=64,
        pattern=r"^[0-9A-Za-z][0-9A-Za-z /.\-]*$",
        description="The certificate number as printed, e.g. MO2026000017.",
    ),
]


@router.get("/certificates", response_model=CertificateCasePage)
def worklist(
    principal: MayDecide,
    session: SessionDep,
    status: Annotated[list[CertificateCaseStatus] | None, Query()] = None,
    late: Annotated[
        bool | None, Query(description="Past the service standard (10 working days), unissued.")
    ] = None,
    confirmation_overdue: Annotated[
        bool | None, Query(description="Used, and the destination's confirmation overdue.")
    ] = None,
    operator_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: paging.Limit = 50,
    offset: paging.Offset = 0,
) -> CertificateCasePage:
    """The officers' queue of certificates, the most urgent first: due and late against the
    service standard (paused while the applicant owes information), and used certificates whose
    confirmation is overdue."""
    return certificates.worklist(
        session,
        status=status,
        late=late,
        confirmation_overdue=confirmation_overdue,
        operator_id=operator_id,
        limit=limit,
        offset=offset,
    )


@router.get("/permits/{case_no}/certificate", response_model=CertificateCaseState)
def certificate_case(
    case_no: str, principal: MayViewCases, session: SessionDep
) -> CertificateCaseState:
    """The KP certificate an export applied for: its fee and payment, the service standard,
    the certificate in force and those voided, its use and confirmation."""
    return cases.case_state(session, CERTIFICATE, case_no=case_no, actor=principal.actor)  # type: ignore[no-any-return]


@router.get("/permits/{case_no}/certificate/history", response_model=list[CertificateTransition])
def certificate_history(
    case_no: str, principal: MayViewCases, session: SessionDep
) -> list[CertificateTransition]:
    """Every step of the certificate's life: who, when, why."""
    return cases.history(session, CERTIFICATE, case_no=case_no, actor=principal.actor)


@router.post("/permits/{case_no}/certificate/payment", response_model=CertificateRecord)
async def record_payment(
    case_no: str,
    body: RecordPaymentBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> CertificateRecord:
    """Record the fee's payment (the invoiced amount, with the receipt's reference)."""
    return await cases.take(  # type: ignore[no-any-return]
        session,
        client,
        CERTIFICATE,
        CaseAction.record_payment,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/permits/{case_no}/certificate/issue", response_model=CertificateRecord)
async def issue(
    case_no: str,
    body: IssueCertificateBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> CertificateRecord:
    """Validate and issue the certificate: the export licence approved, the fee paid, and
    (where four-eyes is on) by another officer than the one who approved the export. It is
    numbered, signed by DSEDT and stored as signed."""
    return await cases.take(  # type: ignore[no-any-return]
        session,
        client,
        CERTIFICATE,
        CaseAction.issue_certificate,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/permits/{case_no}/certificate/void", response_model=CertificateRecord)
async def void(
    case_no: str,
    body: VoidCertificateBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> CertificateRecord:
    """Void the certificate in force, with a reason; with `replace`, a replacement with a new
    number, linked to it, is issued at once. A certificate is never edited."""
    return await cases.take(  # type: ignore[no-any-return]
        session,
        client,
        CERTIFICATE,
        CaseAction.void_certificate,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/permits/{case_no}/certificate/confirmation", response_model=CertificateRecord)
async def record_confirmation(
    case_no: str,
    body: RecordConfirmationBody,
    principal: MayDecide,
    session: SessionDep,
    services: ServicesDep,
    client: TemporalDep,
) -> CertificateRecord:
    """Record the destination authority's confirmation of the import, with the document
    (uploaded by the exporter)."""
    return await certificates.record_confirmation(
        session,
        client,
        services.documents,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/permits/{case_no}/departure", response_model=PermitRecord)
async def departure(
    case_no: str,
    body: RecordDepartureBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> PermitRecord:
    """The export left Macao under its valid certificate: the licence and the certificate are
    used, and the carats drawn are consumed for good."""
    return await cases.take(  # type: ignore[no-any-return]
        session,
        client,
        PERMIT,
        CaseAction.record_departure,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.get(
    "/certificates/{number}/document",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "The signed certificate."}},
)
def certificate_document(
    number: CertificateNumber, principal: MayViewCases, session: SessionDep
) -> Response:
    """The certificate exactly as DSEDT signed it (XML; verify with the service's CA, or by
    number and hash at `/verify/certificates/{number}`)."""
    row = certificates.issued(session, number, actor=principal.actor)
    return signed_xml(row.document, sha256=row.sha256, stem=row.number)


@router.get(
    "/certificates/{number}/document/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The printed certificate."}
    },
)
def certificate_pdf(
    number: CertificateNumber, principal: MayViewCases, session: SessionDep, services: ServicesDep
) -> Response:
    """The certificate for printing: every item in English, Chinese and Portuguese, and a QR
    code that verifies it by number and hash."""
    row = certificates.issued(session, number, actor=principal.actor)
    pdf = certificates.printable(session, row.number, base_url=public_url(services.settings))
    return attachment(pdf, media_type="application/pdf", filename=f"{row.number}.pdf")
