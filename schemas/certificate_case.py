"""The life of the KP certificate an export applies for (``CertificateWorkflow``, a child of the
export's ``PermitWorkflow``): its fee, its service standard, its validation and issue, its use
at departure, the destination's confirmation, and voiding and replacing it.

Payloads of ``CertificateWorkflow``; new fields get defaults so stored histories keep replaying.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    computed_field,
)

from schemas.case import CaseTransition, LongText
from schemas.common import Actor, Body, Command, DocumentId, DocumentRef, Page, Sent
from schemas.messages import Message
from schemas.permit import CertificatePolicy, PermitApplication

#: MOP with two decimals, as a fee is invoiced and paid.
Mop = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Receipt = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\s].*$"),
]


class CertificateCaseStatus(StrEnum):
    pending = "pending"  # applied for with the export licence: fee, approval and validation due
    valid = "valid"  # issued, not yet used
    used = "used"  # the export left under it: the destination's confirmation is awaited
    confirmed = "confirmed"  # the destination authority confirmed the import
    expired = "expired"  # not used by its expiry date (or its licence ended unused)
    voided = "voided"  # voided without a replacement
    not_issued = "not_issued"  # the export case ended before a certificate was issued

    @property
    def is_final(self) -> bool:
        return self in CERTIFICATE_FINAL


CERTIFICATE_FINAL = frozenset(
    {
        CertificateCaseStatus.confirmed,
        CertificateCaseStatus.expired,
        CertificateCaseStatus.voided,
        CertificateCaseStatus.not_issued,
    }
)


class Fee(BaseModel):
    """The invoice the trader is notified of: MOP 70 per certificate by default."""

    amount: Decimal
    currency: str = "MOP"
    reference: str


class Payment(BaseModel):
    """A payment of the fee, as an officer recorded it or a payment notice said."""

    amount: Decimal
    receipt: str
    paid_at: datetime
    recorded_by: Actor


class Pause(BaseModel):
    """Days the service standard's clock stood still: the applicant owed information."""

    start: date
    end: date | None = None


class IssuedCertificate(BaseModel):
    """The certificate in force (or last in force) for this export."""

    number: str
    sha256: str
    issued_at: datetime
    expires_on: date
    validated_by: Actor
    replaces: str | None = None


class VoidedCertificate(BaseModel):
    number: str
    reason: str
    voided_at: datetime
    voided_by: Actor
    replaced_by: str | None = None


class ConfirmationReceived(BaseModel):
    """The destination authority's confirmation that the shipment arrived."""

    received_on: date
    documents: list[DocumentRef]
    note: str | None = None
    recorded_by: Actor


class CertificateCaseState(BaseModel):
    case_no: str = Field(description="The export case the certificate belongs to.")
    operator_id: int
    status: CertificateCaseStatus
    policy: CertificatePolicy
    application: PermitApplication
    licence_no: str = Field(description="The exporter's operating licence.")
    submitted_at: datetime
    #: The export licence as last heard from its case.
    licence_status: str = "under_review"
    permit_no: str | None = None
    licence_valid_until: date | None = None
    approved_by: Actor | None = Field(default=None, description="Who checked the file.")
    fee: Fee
    payment: Payment | None = None
    service_started_on: date
    pauses: list[Pause] = Field(default_factory=list)
    service_ended_on: date | None = None
    certificate: IssuedCertificate | None = None
    voided: list[VoidedCertificate] = Field(default_factory=list)
    departed_on: date | None = None
    confirmation: ConfirmationReceived | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    seq: int = 0
    updated_at: datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def confirmation_overdue(self) -> bool:
        """Used, and the destination's confirmation still missing past the reminder."""
        return self.status is CertificateCaseStatus.used and self.reminded_at is not None


class CertificateStart(BaseModel):
    state: CertificateCaseState
    submitted_by: Actor | None = None


class CertificateTransition(CaseTransition[CertificateCaseStatus]):
    """One step in a certificate's history."""


class CertificateRecord(BaseModel):
    state: CertificateCaseState
    transition: CertificateTransition
    notice: Message | None = None


# What officers send.


class RecordPaymentBody(Body):
    amount: Mop = Field(description="MOP paid; must be the invoiced fee.")
    receipt: Receipt = Field(description="The receipt's or the bank transfer's reference.")


class RecordPayment(RecordPaymentBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class PaymentNotice(Command):
    """A payment system's notice that the fee was paid (a signal: a repeat is harmless)."""

    actor: Actor
    invoice: str
    amount: Decimal
    receipt: str
    paid_at: datetime


class IssueCertificateBody(Body):
    note: LongText | None = None


class IssueCertificate(IssueCertificateBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class VoidCertificateBody(Body):
    reason: LongText
    replace: StrictBool = Field(description="Issue a replacement (a new number) at once.")


class VoidCertificate(VoidCertificateBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class RecordConfirmationBody(Body):
    received_on: date = Field(description="When the destination authority's confirmation came.")
    document_ids: list[DocumentId] = Field(min_length=1, max_length=10)
    note: LongText | None = None


class RecordConfirmation(Command, Sent):
    actor: Actor
    received_on: date
    documents: list[DocumentRef]
    note: str | None = None


# What the two workflows tell each other.


class LicenceNews(Command):
    """The export case moved on: its status and what the certificate needs of it."""

    actor: Actor
    status: str
    permit_no: str | None = None
    valid_until: date | None = None
    approved_by: Actor | None = None
    departed_on: date | None = None


class CertificateNews(Command):
    """The certificate moved on: issued (or replaced), expired or voided."""

    actor: Actor
    status: CertificateCaseStatus
    number: str | None = None
    expires_on: date | None = None


class IssueRequest(BaseModel):
    """What the issuing activity needs; ``key`` makes a retry find the certificate it made."""

    key: str
    case_no: str
    operator_id: int
    licence_no: str
    permit_no: str
    licence_valid_until: date
    application: PermitApplication
    validated_by: Actor
    validated_at: datetime
    prefix: str
    validity_days: int
    replaces: str | None = None


class VoidRequest(BaseModel):
    number: str
    reason: str
    at: datetime


# What lists answer.


class CertificateCaseSummary(BaseModel):
    case_no: str
    operator_id: int
    status: CertificateCaseStatus
    permit_no: str | None
    licence_status: str
    certificate_no: str | None
    fee_paid: bool
    due_on: date | None = Field(description="Last day of the service standard; null if paused.")
    late: bool = Field(description="Not issued by its due day (Macao).")
    expires_on: date | None
    departed_on: date | None
    confirmation_due_on: date | None
    confirmation_overdue: bool
    escalated: bool
    updated_at: datetime


class CertificateCasePage(Page[CertificateCaseSummary]):
    """The certificates officers work on."""
