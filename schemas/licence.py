"""The operating licence (經營准照): application, commands, state and transitions.

These models are the payloads of ``LicenceWorkflow`` (input, updates, query) and of the API.
New fields must get defaults so that stored workflow histories keep replaying.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from schemas.case import CaseTransition, DaysToAnswer, InformationRequest, LongText
from schemas.common import (
    Actor,
    Body,
    CheckResult,
    Command,
    DocumentId,
    DocumentRef,
    Email,
    Page,
    Sent,
)
from schemas.messages import Message

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z][0-9A-Za-z/.()\- ]{2,31}$"),
]


class Activity(StrEnum):
    """What an operating licence may cover (Lei 15/2019)."""

    import_ = "import"
    export = "export"
    transit = "transit"
    purchase = "purchase"
    sale = "sale"
    transport = "transport"


class ApplicantKind(StrEnum):
    company = "company"
    individual_entrepreneur = "individual_entrepreneur"


class LicenceStatus(StrEnum):
    under_review = "under_review"
    info_requested = "info_requested"
    active = "active"
    suspended = "suspended"
    rejected = "rejected"
    lapsed = "lapsed"
    withdrawn = "withdrawn"
    expired = "expired"
    cancelled = "cancelled"
    surrendered = "surrendered"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def is_licensed(self) -> bool:
        """Whether a licence number exists and is not finished (active or suspended)."""
        return self in (LicenceStatus.active, LicenceStatus.suspended)


FINAL_STATUSES = frozenset(
    {
        LicenceStatus.rejected,
        LicenceStatus.lapsed,
        LicenceStatus.withdrawn,
        LicenceStatus.expired,
        LicenceStatus.cancelled,
        LicenceStatus.surrendered,
    }
)


class RenewalStatus(StrEnum):
    under_review = "under_review"
    info_requested = "info_requested"


class Administrator(BaseModel):
    """A member of the applicant's administrative body (checked for fitness and propriety)."""

    name: Text
    id_document_number: Identifier
    position: Text | None = None


class Declarations(BaseModel):
    """The eligibility declarations of domain.md 2.1; every one must be true to apply. Each is
    a strict boolean: a declaration is made with ``true``, never inferred from "yes" or 1."""

    start_of_activity_declared: StrictBool = Field(
        description="Start of activity has been declared to the Financial Services Bureau (DSF)."
    )
    not_bankrupt: StrictBool = Field(description="Not bankrupt or insolvent.")
    no_tax_debt: StrictBool = Field(description="Not a tax debtor in Macao.")
    fit_and_proper: StrictBool = Field(
        description="Neither the applicant nor an administrator has acted against the order of "
        "the rough-diamond trade or holds a disqualifying conviction."
    )


class LicenceApplication(BaseModel):
    """What a trader submits to apply for, or renew, an operating licence."""

    applicant_kind: ApplicantKind
    name: Text
    business_registration_no: Identifier
    taxpayer_no: Identifier
    establishment_address: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)
    ]
    administrators: list[Administrator] = Field(max_length=50)
    activities: list[Activity] = Field(max_length=6)
    declarations: Declarations
    document_ids: list[str] = Field(default_factory=list, max_length=50)
    contact_email: Email | None = None

    @model_validator(mode="after")
    def _distinct_activities(self) -> LicenceApplication:
        if len(set(self.activities)) != len(self.activities):
            raise ValueError("each activity may be listed only once")
        return self


#: The bounds of the configurable rules; their defaults are settings, declared there only
#: (``kp_licensing.support.settings``).
ValidityYears = Annotated[int, Field(ge=1, le=10)]


class LicencePolicy(BaseModel):
    """The configurable rules a case runs under; fixed at submission (from the settings) and
    carried with the case, so a later change of setting does not change a case under way."""

    validity_years: ValidityYears
    info_request_days: DaysToAnswer
    reminder_days: list[int]
    suspension_reason_codes: list[str]


class PendingRenewal(BaseModel):
    """A renewal application waiting for review while the licence stays in force."""

    status: RenewalStatus
    application: LicenceApplication
    documents: list[DocumentRef]
    submitted_at: datetime
    checks: list[CheckResult] = Field(default_factory=list)


class Transition(CaseTransition[LicenceStatus]):
    """One step in a licence case's history."""


class LicenceState(BaseModel):
    """Everything a licence case is; the workflow's state and the answer to its query."""

    case_no: str
    operator_id: int
    status: LicenceStatus
    application: LicenceApplication
    documents: list[DocumentRef]
    checks: list[CheckResult] = Field(default_factory=list)
    submitted_at: datetime
    policy: LicencePolicy
    licence_no: str | None = None
    activities: list[Activity] = Field(default_factory=list)
    issued_on: date | None = None
    expires_on: date | None = None
    info_request: InformationRequest | None = None
    renewal: PendingRenewal | None = None
    suspended_until: date | None = None
    reminders_sent: list[str] = Field(default_factory=list)
    seq: int = 0
    updated_at: datetime | None = None


class AdministratorBody(Administrator, Body):
    pass


class DeclarationsBody(Declarations, Body):
    pass


class LicenceApplicationBody(LicenceApplication, Body):
    """An application as the API takes it: strict about unknown fields, at every depth, and
    about document ids."""

    administrators: list[AdministratorBody] = Field(max_length=50)  # type: ignore[assignment]  # narrower items
    declarations: DeclarationsBody
    document_ids: list[DocumentId] = Field(default_factory=list, max_length=50)


class LicenceStart(BaseModel):
    """Input of ``LicenceWorkflow``: a new case, or the state carried over by continue-as-new."""

    state: LicenceState
    submitted_by: Actor | None = None


class LicenceRecord(BaseModel):
    """A case after a transition, and the transition: what the projection activity writes and
    what every update returns. ``notice`` is the message the operator is notified with, if any."""

    state: LicenceState
    transition: Transition
    notice: Message | None = None


class NumberRequest(BaseModel):
    """Ask the store for the next licence number; ``key`` makes a retried request get the same."""

    key: str
    year: int


# Commands. Each HTTP body (``...Body``) becomes the workflow command by adding the actor.


class ApproveBody(Body):
    activities: list[Activity] | None = Field(
        default=None, description="The activities approved; all those applied for if omitted."
    )
    note: LongText | None = None


class Approve(ApproveBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class Renew(Command, Sent):
    actor: Actor
    application: LicenceApplication
    documents: list[DocumentRef]
    checks: list[CheckResult] = Field(default_factory=list)


class CancelBody(Body):
    reason_code: str = Field(description="One of the configured reason codes.")
    reason: LongText


class Cancel(CancelBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class SuspendBody(CancelBody):
    until: date | None = Field(
        default=None, description="Macao date on which the suspension ends by itself."
    )


class Suspend(SuspendBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class LicenceSummary(BaseModel):
    """A row of a list: what a worklist or a search shows."""

    case_no: str
    status: LicenceStatus
    licence_no: str | None
    operator_id: int
    applicant_name: str
    business_registration_no: str
    activities: list[str]
    issued_on: date | None
    expires_on: date | None
    renewal_status: str | None
    info_deadline: datetime | None
    submitted_at: datetime
    updated_at: datetime


class LicencePage(Page[LicenceSummary]):
    """A page of licence cases."""


class LicenceCheck(BaseModel):
    """What customs and others see when they check a licence number."""

    licence_no: str
    status: LicenceStatus
    holder: str
    business_registration_no: str
    activities: list[str]
    issued_on: date | None
    expires_on: date | None
    valid_today: bool
