"""Storing Macao's KP certificates and finding them again (``certificate_models``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kp_licensing.domain.numbering import kp_certificate_number
from kp_licensing.store import sequences
from kp_licensing.store.certificate_models import (
    IssuedDocument,
    KpCertificateLine,
    KpCertificateProvenance,
    KpCertificateRow,
)
from schemas.certificate import KpCertificate


def allocate_number(session: Session, *, prefix: str, year: int) -> str:
    """The next number, in the caller's transaction: its counter's row stays locked until that
    transaction ends, and goes back with it if it rolls back, so numbers have no gaps and are
    never given twice (a voided certificate keeps its number)."""
    return kp_certificate_number(prefix, year, sequences.next_value(session, f"kp-{prefix}-{year}"))


def add(
    session: Session,
    certificate: KpCertificate,
    *,
    document: bytes,
    sha256: str,
    case_no: str,
    operator_id: int,
    issue_key: str | None = None,
) -> KpCertificateRow:
    """The certificate's rows, in the caller's transaction."""
    row = KpCertificateRow(
        number=certificate.number,
        case_no=case_no,
        operator_id=operator_id,
        status="valid",
        issued_at=certificate.issued_at,
        expires_on=certificate.expires_on,
        exporter=certificate.exporter.name,
        importer=certificate.importer.name,
        importer_country=certificate.importer.country,
        origin=certificate.origin,
        destination_country=certificate.destination_country,
        parcels=certificate.parcels,
        carats=certificate.carats,
        value_usd=certificate.value_usd,
        validated_by=certificate.validation.officer,
        replaces=certificate.replaces,
        document=document,
        sha256=sha256,
        issue_key=issue_key,
    )
    session.add(row)
    session.flush()  # the parent first: the lines' foreign keys point at it
    for n, line in enumerate(certificate.lines, start=1):
        session.add(
            KpCertificateLine(
                number=certificate.number,
                line_no=n,
                hs_code=line.hs_code,
                carats=line.carats,
                value_usd=line.value_usd,
                origin=line.origin,
            )
        )
    for country in certificate.provenance:
        session.add(KpCertificateProvenance(number=certificate.number, country=country))
    return row


def void(session: Session, number: str, *, reason: str, at: datetime) -> None:
    """Void a valid certificate, in the caller's transaction (a repeat changes nothing)."""
    session.execute(
        update(KpCertificateRow)
        .where(col(KpCertificateRow.number) == number, col(KpCertificateRow.status) == "valid")
        .values(status="voided", void_reason=reason, voided_at=at)
    )


def get(session: Session, number: str) -> KpCertificateRow | None:
    return session.get(KpCertificateRow, number)


def lines(session: Session, number: str) -> list[KpCertificateLine]:
    query = select(KpCertificateLine).where(col(KpCertificateLine.number) == number)
    return list(session.exec(query.order_by(col(KpCertificateLine.line_no))).all())


def provenance(session: Session, number: str) -> list[str]:
    query = select(KpCertificateProvenance.country).where(
        col(KpCertificateProvenance.number) == number
    )
    return sorted(session.exec(query).all())


def replacement_of(session: Session, number: str) -> str | None:
    """The number of the certificate that replaced this one, if one did."""
    query = select(KpCertificateRow.number).where(col(KpCertificateRow.replaces) == number)
    return session.exec(query).first()


def issued_document(
    session: Session, *, kind: str, reference: str, version: str
) -> IssuedDocument | None:
    query = select(IssuedDocument).where(
        col(IssuedDocument.kind) == kind,
        col(IssuedDocument.reference) == reference,
        col(IssuedDocument.version) == version,
    )
    return session.exec(query).first()


def add_issued_document(
    session: Session, *, kind: str, reference: str, version: str, document: bytes, sha256: str
) -> IssuedDocument:
    """Commit a newly signed document; the one another request committed first, if any (the
    unique key decides between them, and both then hand out the same bytes)."""
    row = IssuedDocument(
        kind=kind, reference=reference, version=version, document=document, sha256=sha256
    )
    try:
        with session.begin_nested():
            session.add(row)
        session.commit()
    except IntegrityError:
        session.rollback()
        earlier = issued_document(session, kind=kind, reference=reference, version=version)
        assert earlier is not None, "the unique key refused it for this one"
        return earlier
    return row


def issued_by_hash(session: Session, sha256: str) -> IssuedDocument | None:
    query = select(IssuedDocument).where(col(IssuedDocument.sha256) == sha256)
    return session.exec(query).first()
