"""Shipment applications submitted as documents signed by the operator's representative
(``schemas/xsd/shipment-application-1.xsd``, an enveloped XML signature by a qualified
certificate: eSignTrust's in production, the development PKI's ``kp-licensing pki operator``
otherwise).

What makes a signature the operator's: it verifies against the trust store only (never the
system's CAs), it covers the whole document, and its certificate names the operator, by the
business registration number it carries as the subject's serialNumber (as eSignTrust's
certificates for a company's representatives do), the same number the document gives as its
applicant's and the one the operator is registered under. The application inside is then
exactly what a JSON application would be: the same checks, the same case; the signed bytes are
kept with the case as evidence of who applied.
"""

from __future__ import annotations

import hashlib

from anyio import to_thread
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlmodel import Session

from edi import shipment_application, xmldsig
from kp_licensing.domain.errors import Forbidden, NotFound, RuleViolation
from kp_licensing.domain.registration import canonical_registration_no
from kp_licensing.services import permits
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import people
from kp_licensing.store import permits as permit_store
from kp_licensing.store.documents import DocumentStore
from kp_licensing.store.permit_models import SignedApplication
from kp_licensing.support.settings import Settings
from schemas.common import Actor
from schemas.permit import PermitApplicationBody, PermitState


def verify(
    session: Session, data: bytes, *, actor: Actor, settings: Settings
) -> tuple[PermitApplicationBody, SignedApplication]:
    """The application a signed document holds, and the record of its signature; refused (422,
    403) with the reason if the signature does not verify or is not the operator's."""
    if not data:
        raise RuleViolation("application.document_empty")
    try:
        verified = xmldsig.verify(data, trust_store=settings.trust_store_file())
        registration_no, application = shipment_application.parse_application_element(verified.root)
    except xmldsig.NotVerified as refused:
        raise RuleViolation("application.signature_refused", reason=str(refused)) from None
    except ValueError as refused:
        reason = str(refused).splitlines()[0][:300] if str(refused) else "unreadable"
        raise RuleViolation("application.document_unreadable", reason=reason) from None
    assert actor.operator_id is not None
    operator = people.get_operator(session, actor.operator_id)
    ours = canonical_registration_no(operator.business_registration_no)
    if canonical_registration_no(registration_no) != ours:
        raise RuleViolation(
            "application.other_applicant", registration_no=registration_no, ours=ours
        )
    certified = xmldsig.named(verified.signer, NameOID.SERIAL_NUMBER)
    if canonical_registration_no(certified) != ours:
        raise Forbidden(
            "forbidden.not_a_representative",
            role=actor.role.value,
            signer=xmldsig.named(verified.signer, NameOID.COMMON_NAME) or "unnamed",
            registration_no=certified or "none",
            ours=ours,
        )
    certificate = verified.signer.public_bytes(serialization.Encoding.DER)
    return (
        application,
        SignedApplication(
            case_no="",  # given with its case number, in the submission's transaction
            operator_id=actor.operator_id,
            document=data,
            sha256=hashlib.sha256(data).hexdigest(),
            signer=xmldsig.named(verified.signer, NameOID.COMMON_NAME)[:200],
            registration_no=certified,
            certificate_sha256=hashlib.sha256(certificate).hexdigest(),
        ),
    )


async def apply(
    data: bytes,
    *,
    session: Session,
    client: ProcessEngine,
    settings: Settings,
    documents: DocumentStore,
    actor: Actor,
) -> PermitState:
    """Verify the signed document (in a worker thread: parsing and verifying are work), then
    apply with the application it holds, keeping the document with the case."""
    application, signed = await to_thread.run_sync(
        lambda: verify(session, data, actor=actor, settings=settings)
    )
    return await permits.apply(
        session=session,
        client=client,
        settings=settings,
        documents=documents,
        actor=actor,
        application=application,
        signed=signed,
    )


def document(session: Session, *, case_no: str, actor: Actor) -> SignedApplication:
    """The signed document a case was applied for with, for whoever may see the case."""
    permits.find_case(session, case_no=case_no, actor=actor)
    row = permit_store.signed_application(session, case_no)
    if row is None:
        raise NotFound("application.not_signed", case_no=case_no)
    return row
