"""A shipment case's documents to download: the licence, signed (XML) and printed (PDF), a
cleared import's confirmation for the exporting authority, and the signed application a case
was applied for with. Under ``/permits/{case_no}``, as the case's own routes
(``routes/permits.py``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from kp_licensing.api.deps import MayViewCases, ServicesDep, SessionDep
from kp_licensing.api.responses import attachment, signed_xml
from kp_licensing.services import shipment_documents, signed_applications
from kp_licensing.support.settings import public_url

router = APIRouter(prefix="/permits", tags=["shipment licences"])


@router.get(
    "/{case_no}/document",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "The signed licence."}},
)
def licence_document(
    case_no: str, principal: MayViewCases, session: SessionDep, services: ServicesDep
) -> Response:
    """The import, export or transit licence as a signed XML document (DSEDT's XML signature;
    verify it with the service's CA, or by number and hash at `/verify/licences/{number}`),
    once approved. An export's names its KP certificate once issued."""
    number, signed = shipment_documents.shipment_licence(
        session, services.signer, case_no=case_no, actor=principal.actor
    )
    return signed_xml(signed.data, sha256=signed.sha256, stem=number)


@router.get(
    "/{case_no}/document/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The printed licence."}},
)
def licence_pdf(
    case_no: str, principal: MayViewCases, session: SessionDep, services: ServicesDep
) -> Response:
    """The licence for printing, in English, Chinese and Portuguese, with a QR code that
    verifies it."""
    number, pdf = shipment_documents.shipment_licence_pdf(
        session,
        services.signer,
        case_no=case_no,
        actor=principal.actor,
        base_url=public_url(services.settings),
    )
    return attachment(pdf, media_type="application/pdf", filename=f"{number}.pdf")


@router.get(
    "/{case_no}/import-confirmation/document",
    response_class=Response,
    responses={
        200: {"content": {"application/xml": {}}, "description": "The signed confirmation."}
    },
)
def confirmation_document(
    case_no: str, principal: MayViewCases, session: SessionDep, services: ServicesDep
) -> Response:
    """A cleared import's confirmation of receipt for the exporting authority, signed by DSEDT
    (XML); its QR code and hash check it at `/verify/licences/{import licence number}`."""
    number, signed = shipment_documents.import_confirmation(
        session, services.signer, case_no=case_no, actor=principal.actor
    )
    return signed_xml(signed.data, sha256=signed.sha256, stem=f"confirmation-{number}")


@router.get(
    "/{case_no}/import-confirmation/document/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The printed confirmation."}
    },
)
def confirmation_pdf(
    case_no: str, principal: MayViewCases, session: SessionDep, services: ServicesDep
) -> Response:
    """The import confirmation for printing (or sending), with a QR code that verifies it."""
    number, pdf = shipment_documents.import_confirmation_pdf(
        session,
        services.signer,
        case_no=case_no,
        actor=principal.actor,
        base_url=public_url(services.settings),
    )
    return attachment(pdf, media_type="application/pdf", filename=f"confirmation-{number}.pdf")


@router.get(
    "/{case_no}/signed-application",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "The signed application."}},
)
def signed_application(case_no: str, principal: MayViewCases, session: SessionDep) -> Response:
    """The document the case was applied for with, exactly as received, signed by the
    operator's representative."""
    row = signed_applications.document(session, case_no=case_no, actor=principal.actor)
    return signed_xml(row.document, sha256=row.sha256, stem=f"application-{case_no}")
