"""Issuing Macao's KP certificates, and telling anyone whether one is genuine.

Issuing allocates the number, builds the certificate, validates and signs it, and stores the
signed bytes with their hash and the certificate's columns, all in one transaction: the
counter's row stays locked meanwhile, so concurrent issues get consecutive numbers and a failed
one gives its number back (no gaps, no number twice; a voided certificate keeps its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lxml import etree
from sqlmodel import Session

from edi import certificate_pdf, kp_certificate
from edi.signer import Signer
from edi.xmldsig import hardened_parser
from kp_licensing.domain.clock import MACAO, macao_date
from kp_licensing.domain.errors import NotFound
from kp_licensing.services import throttle
from kp_licensing.store import certificates as store
from kp_licensing.store.certificate_models import KpCertificateRow
from schemas.certificate import (
    CertificateContent,
    CertificateStatus,
    CertificateSummary,
    CertificateVerification,
    KpCertificate,
)
from schemas.messages import say
from schemas.shipment import canonical_certificate_number


@dataclass(frozen=True)
class Issued:
    number: str
    sha256: str
    document: bytes


def issue(
    session: Session,
    signer: Signer,
    content: CertificateContent,
    *,
    prefix: str,
    validity_days: int,
    case_no: str,
    operator_id: int,
    now: datetime | None = None,
) -> Issued:
    """Number, sign and store a certificate, committed; its number, hash and signed bytes."""
    issued_at = (now or datetime.now(UTC)).astimezone(MACAO)
    try:
        number = store.allocate_number(session, prefix=prefix, year=issued_at.year)
        certificate = KpCertificate.model_validate(
            {
                **content.model_dump(),
                "number": number,
                "issued_at": issued_at,
                "expires_on": issued_at.date() + timedelta(days=validity_days),
            }
        )
        signed = kp_certificate.FORMAT.seal(kp_certificate.build(certificate), signer)
        store.add(
            session,
            certificate,
            document=signed.data,
            sha256=signed.sha256,
            case_no=case_no,
            operator_id=operator_id,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return Issued(number=number, sha256=signed.sha256, document=signed.data)


def printable(session: Session, number: str, *, base_url: str) -> bytes:
    """The certificate's PDF, rendered from the document as signed (so it prints exactly what
    was signed) with its hash in the QR code."""
    row = store.get(session, number)
    if row is None:
        raise NotFound("certificate.not_found", number=number)
    root = etree.fromstring(row.document, parser=hardened_parser())
    root.remove(root[-1])  # the signature: what it covers is the certificate
    return certificate_pdf.render(kp_certificate.parse(root), sha256=row.sha256, base_url=base_url)


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
