"""Activities of ``CertificateWorkflow``: projecting its transitions, and issuing and voiding
certificates (each idempotent).

Issuing allocates the number, builds the certificate, validates and signs it, and stores the
signed bytes with their hash and the certificate's columns, all in one transaction: the
counter's row stays locked meanwhile, so concurrent issues get consecutive numbers and a failed
one gives its number back (no gaps, no number twice; a voided certificate keeps its own). Each
issue carries a key (the workflow and its transition): a retry after the commit finds the
certificate it made instead of numbering a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session
from temporalio import activity

from edi import kp_certificate
from edi.signer import Signer
from kp_licensing.domain.certificate_guards import expiry
from kp_licensing.domain.clock import MACAO
from kp_licensing.store import certificate_cases, certificates, licences, people
from kp_licensing.store.db import SessionFactory
from schemas.certificate import CertificateContent, KpCertificate, Validation
from schemas.certificate_case import (
    CertificateRecord,
    IssuedCertificate,
    IssueRequest,
    VoidRequest,
)
from schemas.common import Actor
from schemas.shipment import MIXED_ORIGIN


@dataclass(frozen=True)
class Issued:
    number: str
    sha256: str
    document: bytes
    issued_at: datetime
    expires_on: date


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
    key: str | None = None,
    last_day: date | None = None,
) -> Issued:
    """Number, sign and store a certificate, committed. It expires ``validity_days`` after
    issue, or on ``last_day`` (its export licence's) if that comes first."""
    issued_at = (now or datetime.now(UTC)).astimezone(MACAO)
    day = issued_at.date()
    longest = day + timedelta(days=validity_days)
    expires_on = longest if last_day is None else expiry(day, validity_days, last_day)
    try:
        number = certificates.allocate_number(session, prefix=prefix, year=issued_at.year)
        certificate = KpCertificate.model_validate(
            {
                **content.model_dump(),
                "number": number,
                "issued_at": issued_at,
                "expires_on": expires_on,
            }
        )
        signed = kp_certificate.seal(certificate, signer)
        certificates.add(
            session,
            certificate,
            document=signed.data,
            sha256=signed.sha256,
            case_no=case_no,
            operator_id=operator_id,
            issue_key=key,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return Issued(number, signed.sha256, signed.data, issued_at, expires_on)


def content_of(session: Session, request: IssueRequest) -> CertificateContent:
    """What the certificate says, from the export application and its holder: the exporter as
    its operating licence names and places it, origin from its lines (``***`` when they differ),
    provenance the countries its goods were imported from."""
    app = request.application
    origins = {line.origin for line in app.lines}
    provenance = sorted({draw.issuing_country for draw in app.source_certificates})
    if app.provenance_country and app.provenance_country not in provenance:
        provenance.append(app.provenance_country)
    return CertificateContent(
        exporter=licences.holder(session, request.operator_id, request.licence_no),
        importer=app.counterparty,
        origin=origins.pop() if len(origins) == 1 else MIXED_ORIGIN,
        provenance=provenance,
        destination_country=app.destination_country or app.counterparty.country,
        parcels=app.parcels,
        lines=app.lines,
        export_licence_no=request.permit_no,
        validation=Validation(
            officer=_officer_name(session, request.validated_by),
            validated_at=request.validated_at.astimezone(MACAO),
        ),
        replaces=request.replaces,
    )


def _officer_name(session: Session, officer: Actor) -> str:
    """Item 12 names the officer as a person (their account's full name), never by the login
    name a guesser of passwords would want."""
    return people.display_names(session, {officer.user_id}).get(officer.user_id) or (
        officer.role.value
    )


class CertificateActivities:
    """Database and signing side effects of a certificate case."""

    def __init__(self, sessions: SessionFactory, signer: Signer | None) -> None:
        self._sessions = sessions
        self._signer = signer

    @activity.defn(name="certificate.record")
    def record(self, record: CertificateRecord) -> bool:
        with self._sessions() as session:
            return certificate_cases.apply_record(session, record)

    @activity.defn(name="certificate.issue")
    def issue(self, request: IssueRequest) -> IssuedCertificate:
        """Issue the certificate (and void the one it replaces, in the same transaction); a
        retry returns the certificate the first attempt committed."""
        if self._signer is None:  # retried: a worker with the key will issue it
            raise RuntimeError("this worker has no signing key (KP_SIGNING_KEY, KP_SIGNING_CHAIN)")
        with self._sessions() as session:
            row = certificate_cases.issued_for(session, request.key)
            if row is None:
                content = content_of(session, request)
                made = issue(
                    session,
                    self._signer,
                    content,
                    prefix=request.prefix,
                    validity_days=request.validity_days,
                    case_no=request.case_no,
                    operator_id=request.operator_id,
                    now=request.validated_at,
                    key=request.key,
                    last_day=request.licence_valid_until,
                )
                row = certificate_cases.issued_for(session, request.key)
                assert row is not None and row.number == made.number
            return IssuedCertificate(
                number=row.number,
                sha256=row.sha256,
                issued_at=row.issued_at,
                expires_on=row.expires_on,
                validated_by=request.validated_by,
                replaces=row.replaces,
            )

    @activity.defn(name="certificate.void")
    def void(self, request: VoidRequest) -> None:
        with self._sessions() as session:
            certificates.void(session, request.number, reason=request.reason, at=request.at)
            session.commit()
