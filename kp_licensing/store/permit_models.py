"""Tables of the shipment licences: the projection of ``PermitWorkflow`` and the registers that
protect stock and certificates (presented certificates, imported stock, export draws, import
confirmations)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, LargeBinary, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from kp_licensing.store.models import CaseEventColumns, UTCDateTime, utcnow

CARATS = Numeric(14, 3)
MONEY = Numeric(16, 2)


class Permit(SQLModel, table=True):
    """One shipment-licence case as of its latest transition (``seq``)."""

    __tablename__ = "permits"
    # The filters of lists, each followed by their newest-first order (store.paging).
    __table_args__ = (
        Index("ix_permits_submitted", "submitted_at", "case_no"),
        Index("ix_permits_status_submitted", "status", "submitted_at", "case_no"),
        Index("ix_permits_operator_submitted", "operator_id", "submitted_at", "case_no"),
        Index("ix_permits_kind_submitted", "kind", "submitted_at", "case_no"),
    )

    case_no: str = Field(primary_key=True, max_length=32)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    kind: str = Field(max_length=10, index=True)
    status: str = Field(max_length=20, index=True)
    permit_no: str | None = Field(default=None, max_length=32, unique=True)
    licence_no: str = Field(max_length=32, index=True)
    expected_date: date
    valid_until: date | None = Field(default=None, index=True)
    carats: Decimal = Field(sa_column=Column(CARATS, nullable=False))
    value_usd: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    certificate_number: str | None = Field(default=None, max_length=40, index=True)
    #: Whether a check flagged the application for the officer's attention (the worklist's
    #: filter: a value per carat outside its band...).
    flagged: bool = Field(default=False, index=True)
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    seq: int
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class PermitEvent(CaseEventColumns, table=True):
    """One transition of a shipment-licence case: its history."""

    __tablename__ = "permit_events"
    __table_args__ = (UniqueConstraint("case_no", "seq", name="uq_permit_events_case_seq"),)

    case_no: str = Field(foreign_key="permits.case_no", max_length=32, index=True)


class PresentedCertificate(SQLModel, table=True):
    """Every foreign certificate ever presented, in which case: replay detection (rule 7)."""

    __tablename__ = "presented_certificates"
    __table_args__ = (
        UniqueConstraint("issuing_country", "number", name="uq_presented_certificate"),
    )

    id: int | None = Field(default=None, primary_key=True)
    issuing_country: str = Field(max_length=2)
    number: str = Field(max_length=40)
    case_no: str = Field(max_length=32, index=True)
    presented_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StockCertificate(SQLModel, table=True):
    """Carats imported under one foreign certificate, and how many exports have drawn
    (rule 6). ``drawn`` only moves by conditional updates, and the constraint keeps it within
    what was imported on every backend."""

    __tablename__ = "stock_certificates"
    __table_args__ = (
        UniqueConstraint("issuing_country", "number", name="uq_stock_certificate"),
        CheckConstraint("drawn >= 0 AND drawn <= carats", name="ck_stock_within_import"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    issuing_country: str = Field(max_length=2)
    number: str = Field(max_length=40)
    import_case_no: str = Field(max_length=32)
    carats: Decimal = Field(sa_column=Column(CARATS, nullable=False))
    drawn: Decimal = Field(default=Decimal(0), sa_column=Column(CARATS, nullable=False))
    imported_on: date


class StockDraw(SQLModel, table=True):
    """Carats an export case holds on (or has taken from) a stock certificate."""

    __tablename__ = "stock_draws"
    __table_args__ = (UniqueConstraint("case_no", "stock_id", name="uq_stock_draw"),)

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(max_length=32, index=True)
    stock_id: int = Field(foreign_key="stock_certificates.id", index=True)
    carats: Decimal = Field(sa_column=Column(CARATS, nullable=False))
    released: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ImportConfirmationRow(SQLModel, table=True):
    """The confirmation of receipt owed to the exporting authority. Written by the activity of
    ``PermitWorkflow`` when an import is cleared, and never changed: its sending is recorded in
    :class:`ConfirmationDispatch`."""

    __tablename__ = "import_confirmations"

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(max_length=32, unique=True)
    issuing_country: str = Field(max_length=2, index=True)
    certificate_number: str = Field(max_length=40)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConfirmationDispatch(SQLModel, table=True):
    """When and how an officer sent an import confirmation (one per confirmation).

    The API's own register: the case is final (cleared) by the time a confirmation exists, so
    its workflow has ended and owns nothing here; the confirmation row itself, which the
    workflow's activity wrote, is never updated."""

    __tablename__ = "confirmation_dispatches"

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(foreign_key="import_confirmations.case_no", max_length=32, unique=True)
    sent_at: datetime = Field(sa_type=UTCDateTime)
    method: str = Field(max_length=20)
    reference: str | None = Field(default=None, max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by_user_id: int
    recorded_by: str = Field(max_length=64)


class SignedApplication(SQLModel, table=True):
    """A shipment application submitted as a document signed by the operator's representative:
    the exact bytes received (the evidence of who applied), with whom the signature names."""

    __tablename__ = "signed_applications"

    case_no: str = Field(primary_key=True, max_length=32)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    signer: str = Field(max_length=200)
    registration_no: str = Field(max_length=64)
    certificate_sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
