"""Verification by anyone: is this a certificate Macao issued, is it this document, and is it
still good? No sign-in; numbers and hashes that are not genuine are throttled per address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kp_licensing.api.deps import ClientAddress, SessionDep
from kp_licensing.services import certificates, licence_documents
from schemas.certificate import CertificateVerification, LicenceVerification

router = APIRouter(tags=["verification"])

#: The SHA-256 of a signed document (as a printed document's QR code carries it), to check that
#: the document in hand is the one Macao issued.
DocumentHash = Annotated[
    str | None,
    Query(pattern=r"^[0-9A-Fa-f]{64}$", description="The document's SHA-256 (hex)."),
]


@router.get("/verify/certificates/{number}", response_model=CertificateVerification)
def verify_certificate(
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
    prints about its shipment; nothing that is not on the certificate."""
    return certificates.verify(session, number=number, sha256=sha256, address=address)


@router.get("/verify/licences/{number}", response_model=LicenceVerification)
def verify_licence(
    number: Annotated[
        str,
        Path(
            min_length=2,
            max_length=32,
            pattern=r"^[0-9A-Za-z][0-9A-Za-z\-]*$",
            description="The operating licence number as printed, e.g. OL-2026-0001-42.",
        ),
    ],
    session: SessionDep,
    address: ClientAddress,
    sha256: DocumentHash = None,
) -> LicenceVerification:
    """Whether Macao issued this operating licence (and, with a document's hash, whether that
    document is one it issued), whether it is in force, and whom it covers for what."""
    return licence_documents.verify(session, number=number, sha256=sha256, address=address)
