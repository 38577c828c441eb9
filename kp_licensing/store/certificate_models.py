"""Macao's KP certificates as issued: one row each, with the exact signed document and its
hash, and their lines and provenance countries in tables of their own (statistics count carats
and US$ by HS code, origin and partner country from these columns, never from the XML)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from kp_licensing.store.models import CaseEventColumns, UTCDateTime, utcnow
from kp_licensing.store.permit_models import CARATS, MONEY


class KpCertificateRow(SQLModel, table=True):
    __tablename__ = "kp_certificates"

    number: str = Field(primary_key=True, max_length=40)
    #: The export case it was issued for, and its operator.
    case_no: str = Field(max_length=32, index=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    #: valid, used, expired or voided.
    status: str = Field(max_length=16, index=True)
    issued_at: datetime = Field(sa_type=UTCDateTime, index=True)
    expires_on: date
    exporter: str = Field(max_length=200)
    importer: str = Field(max_length=200)
    importer_country: str = Field(max_length=2)
    origin: str = Field(max_length=3)
    destination_country: str = Field(max_length=2, index=True)
    parcels: int
    carats: Decimal = Field(sa_column=Column(CARATS, nullable=False))
    value_usd: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    validated_by: str = Field(max_length=200)
    replaces: str | None = Field(
        default=None,
        sa_column=Column(String(40), ForeignKey("kp_certificates.number"), nullable=True),
    )
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = Field(default=None, max_length=2000)
    #: The document exactly as signed, and the SHA-256 (hex) of those bytes.
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64, unique=True)
    #: The issue that made it (``certificate-<case no>/<transition>``): a retried issue finds
    #: the certificate it made instead of numbering another.
    issue_key: str | None = Field(default=None, max_length=80, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KpCertificateLine(SQLModel, table=True):
    __tablename__ = "kp_certificate_lines"

    number: str = Field(foreign_key="kp_certificates.number", primary_key=True, max_length=40)
    line_no: int = Field(primary_key=True)
    hs_code: str = Field(max_length=7, index=True)
    carats: Decimal = Field(sa_column=Column(CARATS, nullable=False))
    value_usd: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    origin: str = Field(max_length=3, index=True)


class KpCertificateProvenance(SQLModel, table=True):
    __tablename__ = "kp_certificate_provenance"

    number: str = Field(foreign_key="kp_certificates.number", primary_key=True, max_length=40)
    country: str = Field(primary_key=True, max_length=2)


class IssuedDocument(SQLModel, table=True):
    """A signed document the service issued about something other than a certificate (an
    operating licence, a shipment licence, an import confirmation): made once per version of
    what it says, kept as the exact bytes signed."""

    __tablename__ = "issued_documents"
    __table_args__ = (UniqueConstraint("kind", "reference", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    #: What it is (``operating_licence``...), of what (the licence number), which version of
    #: what it says (a renewal makes a new one).
    kind: str = Field(max_length=32)
    reference: str = Field(max_length=40, index=True)
    version: str = Field(max_length=40)
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CertificateCase(SQLModel, table=True):
    """The certificate an export applied for, as of its latest transition (``seq``): the
    officers' queue reads these columns (what is due, late, unconfirmed), the case its JSON."""

    __tablename__ = "certificate_cases"
    __table_args__ = (
        Index("ix_certificate_cases_status_due", "status", "due_on", "case_no"),
        Index("ix_certificate_cases_updated", "updated_at", "case_no"),
    )

    #: The export case's number (one certificate case per export).
    case_no: str = Field(primary_key=True, max_length=32)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    status: str = Field(max_length=20, index=True)
    permit_no: str | None = Field(default=None, max_length=32)
    licence_status: str = Field(max_length=20)
    certificate_no: str | None = Field(default=None, max_length=40, index=True)
    fee_paid: bool = False
    #: The service standard's last day; null once issued or while the clock is paused.
    due_on: date | None = Field(default=None)
    expires_on: date | None = None
    departed_on: date | None = None
    #: When the destination's confirmation is chased (reminder), and whether an officer was
    #: asked to chase it (escalated).
    confirmation_due_on: date | None = Field(default=None, index=True)
    escalated: bool = False
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    seq: int
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class CertificateEvent(CaseEventColumns, table=True):
    """One transition of a certificate case: its history."""

    __tablename__ = "certificate_events"
    __table_args__ = (UniqueConstraint("case_no", "seq", name="uq_certificate_events_case_seq"),)

    case_no: str = Field(foreign_key="certificate_cases.case_no", max_length=32, index=True)
