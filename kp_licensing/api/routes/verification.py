"""Verification by anyone: is this a certificate Macao issued, is it this document, and is it
still good? No sign-in; numbers and hashes that are not genuine are throttled per address."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from kp_licensing.api.deps import ClientAddress, Services, ServicesDep, SessionDep
from kp_licensing.services import certificates, licence_documents
from schemas.certificate import CertificateVerification, LicenceVerification

router = APIRouter(tags=["verification"])

#: A certificate's signed document is a few kilobytes; more is not one.
MAX_UPLOADED_DOCUMENT = 512 * 1024
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The answer, as a page (browsers)."}
}


def wants_page(request: Request) -> bool:
    """A browser (the QR code's link opened on a phone) gets the page; a program, JSON."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


DocumentHash = Annotated[
    str | None,
    Query(pattern=r"^[0-9A-Fa-f]{64}$", description="The document's SHA-256 (hex)."),
]


@router.get("/verify/certificates/{number}", response_model=CertificateVerification, responses=HTML)
def verify_certificate(
    request: Request,
    number: Annotated[
        str,
        Path(
            min_length=2,
            max_length=64,
            pattern=r"^[0-9A-Za-z][0-9A-Za-z /.\-]*$",
            description="The certificate number as printed (item 3), e.g. MO2026000017; "
            "spaces, hyphens, dots and case are ignored.",
        ),
    ],
    session: SessionDep,
    address: ClientAddress,
    sha256: DocumentHash = None,
) -> CertificateVerification:
    """Whether Macao issued this certificate (and, with its hash, whether this is the document
    it issued), its status (valid, used, expired, voided and replaced by another) and what it
    prints about its shipment; nothing that is not on the certificate. A browser gets it as
    a page."""
    if wants_page(request):  # the portal's page says it in the visitor's language
        query = urlencode({"number": number, **({"sha256": sha256} if sha256 else {})})
        return RedirectResponse(f"/verify?{query}", status_code=303)  # type: ignore[return-value]
    return certificates.verify(session, number=number, sha256=sha256, address=address)


@router.post("/verify/certificates", response_model=CertificateVerification)
async def verify_certificate_document(
    document: Annotated[UploadFile, File(description="The certificate's signed XML document.")],
    session: SessionDep,
    services: ServicesDep,
    address: ClientAddress,
) -> CertificateVerification:
    """Whether a certificate's signed XML document is one Macao issued: its signature verifies
    against the service's trust store and what it signs is the certificate stored under its
    number; then its status and what it prints."""
    return await _checked_upload(document, session, services, address)


async def _checked_upload(
    document: UploadFile, session: Session, services: Services, address: str
) -> CertificateVerification:
    data = await document.read(MAX_UPLOADED_DOCUMENT + 1)
    return await run_in_threadpool(
        certificates.verify_document,
        session,
        data,
        trust_store=services.settings.trust_store_file(),
        address=address,
    )


@router.get("/verify/licences/{number}", response_model=LicenceVerification)
def verify_licence(
    number: Annotated[
        str,
        Path(
            min_length=2,
            max_length=32,
            pattern=r"^[0-9A-Za-z][0-9A-Za-z\-]*$",
            description="The licence number as printed: operating (OL-2026-0001-42) or "
            "import, export, transit (IL-, EL-, TL-2026-00001-17).",
        ),
    ],
    session: SessionDep,
    address: ClientAddress,
    sha256: DocumentHash = None,
) -> LicenceVerification:
    """Whether Macao issued this licence (and, with a document's hash, whether that document is
    one it issued: the licence, or an import's confirmation), its status, and whom it covers for
    what."""
    return licence_documents.verify(session, number=number, sha256=sha256, address=address)
