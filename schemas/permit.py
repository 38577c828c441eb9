"""Per-shipment licences (准照) for import, export and transit: application, state, commands.

Payloads of ``PermitWorkflow``; new fields get defaults so stored histories keep replaying.
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
    model_validator,
)

from schemas.case import CaseTransition, DaysToAnswer, InformationRequest, LongText
from schemas.common import Actor, Body, CheckResult, Command, DocumentId, DocumentRef, Page, Sent
from schemas.customs import CustomsStatus, MessageFunction, ResponseError
from schemas.messages import Message
from schemas.shipment import (
    Arrival,
    CertificateDraw,
    CertificateDrawBody,
    CountryCode,
    ExportDeclarations,
    ExportDeclarationsBody,
    ForeignCertificate,
    ForeignCertificateBody,
    Ident,
    Party,
    PartyBody,
    PermitKind,
    ShipmentLine,
    ShipmentLineBody,
)


class PermitStatus(StrEnum):
    under_review = "under_review"
    info_requested = "info_requested"
    on_hold = "on_hold"
    approved = "approved"  # valid and not yet used
    in_transit = "in_transit"  # transit: entered Macao, waiting to leave
    discrepancy = "discrepancy"  # an arrival or exit that did not match: an officer decides
    cleared = "cleared"  # import: arrived and cleared (used)
    completed = "completed"  # transit: left Macao as it entered (used)
    used = "used"  # export: left Macao under its KP certificate
    rejected = "rejected"
    lapsed = "lapsed"
    withdrawn = "withdrawn"
    cancelled = "cancelled"
    expired = "expired"

    @property
    def is_final(self) -> bool:
        return self in PERMIT_FINAL


PERMIT_FINAL = frozenset(
    {
        PermitStatus.cleared,
        PermitStatus.completed,
        PermitStatus.used,
        PermitStatus.rejected,
        PermitStatus.lapsed,
        PermitStatus.withdrawn,
        PermitStatus.cancelled,
        PermitStatus.expired,
    }
)
#: Statuses a hold applies to: open applications, and licences not yet used.
HOLDABLE = (
    PermitStatus.under_review,
    PermitStatus.info_requested,
    PermitStatus.approved,
    PermitStatus.on_hold,
)


class PermitApplication(BaseModel):
    """What a trader submits for one shipment."""

    kind: PermitKind
    counterparty: Party = Field(description="Exporter abroad (import), importer (export)...")
    provenance_country: CountryCode | None = Field(
        default=None, description="Where the goods are shipped from (import, transit)."
    )
    destination_country: CountryCode | None = Field(
        default=None, description="Where the goods go (export, transit)."
    )
    lines: list[ShipmentLine] = Field(min_length=1, max_length=20)
    parcels: int = Field(ge=1, le=10_000)
    containers: list[Ident] = Field(min_length=1, max_length=50)
    seals: list[Ident] = Field(min_length=1, max_length=200)
    expected_date: date = Field(description="Expected date of arrival (import) or departure.")
    document_ids: list[str] = Field(default_factory=list, max_length=50)
    foreign_certificate: ForeignCertificate | None = Field(
        default=None, description="Import: the exporting Participant's certificate."
    )
    source_certificates: list[CertificateDraw] = Field(
        default_factory=list,
        max_length=20,
        description="Export: the certificates the goods were imported under, and carats drawn.",
    )
    declarations: ExportDeclarations | None = None

    @property
    def carats(self) -> Decimal:
        return sum((line.carats for line in self.lines), Decimal(0))

    @property
    def value_usd(self) -> Decimal:
        return sum((line.value_usd for line in self.lines), Decimal(0))

    @model_validator(mode="after")
    def _distinct_draws(self) -> PermitApplication:
        keys = [(d.issuing_country, d.number) for d in self.source_certificates]
        if len(set(keys)) != len(keys):
            raise ValueError("each source certificate may be listed only once")
        return self


class PermitApplicationBody(PermitApplication, Body):
    """An application as the API takes it: strict about unknown fields, at every depth, and
    about document ids."""

    counterparty: PartyBody = Field(description="Exporter abroad (import), importer (export)...")
    lines: list[ShipmentLineBody] = Field(min_length=1, max_length=20)  # type: ignore[assignment]  # narrower items
    document_ids: list[DocumentId] = Field(default_factory=list, max_length=50)
    foreign_certificate: ForeignCertificateBody | None = Field(
        default=None, description="Import: the exporting Participant's certificate."
    )
    source_certificates: list[CertificateDrawBody] = Field(  # type: ignore[assignment]  # narrower items
        default_factory=list,
        max_length=20,
        description="Export: the certificates the goods were imported under, and carats drawn.",
    )
    declarations: ExportDeclarationsBody | None = None


#: The bounds of a shipment licence's validity; its default is a setting.
ValidityDays = Annotated[int, Field(ge=1, le=365)]
CaratTolerance = Annotated[Decimal, Field(ge=0)]


class CertificatePolicy(BaseModel):
    """The rules a certificate runs under, fixed when it is applied for (from the settings)."""

    fee_mop: Decimal = Field(gt=0)
    prefix: str = Field(pattern=r"^[A-Z]{2}$")
    validity_days: int = Field(ge=1, le=60)
    service_days: int = Field(ge=1, le=100)
    public_holidays: list[date]
    four_eyes: bool
    confirmation_reminder_days: int = Field(ge=1, le=365)
    confirmation_escalation_days: int = Field(ge=1, le=365)


class PermitPolicy(BaseModel):
    """The configurable rules a shipment case runs under, fixed at submission (from the
    settings)."""

    validity_days: ValidityDays
    info_request_days: DaysToAnswer
    carat_tolerance: CaratTolerance
    #: An export's KP certificate (applied for with it); None for imports, transits and
    #: exports applied for before certificates were issued.
    certificate: CertificatePolicy | None = None


class Hold(BaseModel):
    """Why a case cannot move on (an operating-licence suspension, an invalid certificate)."""

    code: str
    reason: Message
    since: datetime


class CustomsTrack(BaseModel):
    """What customs has been told of a licence and what it answered, as the case knows it."""

    #: The last version declared (0: none yet), what it declared (``domain.customs``'s key of
    #: the content: the licence, and an export's certificate), and whether that version took
    #: the declaration back (a cancellation).
    version: int = 0
    declared: str | None = None
    cancelled: bool = False
    message_id: str | None = None
    #: The latest status customs reported, and the errors of its latest rejection.
    status: CustomsStatus | None = None
    errors: list[ResponseError] = Field(default_factory=list)
    #: The inbox rows applied (``customs_inbox.id``): a response redelivered is applied once.
    applied: list[int] = Field(default_factory=list)


class PermitTransition(CaseTransition[PermitStatus]):
    """One step in a shipment case's history."""


class ApplicationSignature(BaseModel):
    """Who signed an application submitted as a signed document: the representative its
    certificate names, the operator's registration number it carries, that certificate's and
    the document's SHA-256 (the document itself is kept: ``GET .../signed-application``)."""

    signer: str
    registration_no: str
    certificate_sha256: str
    document_sha256: str


class PermitState(BaseModel):
    case_no: str
    operator_id: int
    kind: PermitKind
    status: PermitStatus
    application: PermitApplication
    documents: list[DocumentRef]
    checks: list[CheckResult] = Field(default_factory=list)
    submitted_at: datetime
    policy: PermitPolicy
    licence_no: str = Field(description="The holder's operating licence.")
    licence_expires_on: date
    permit_no: str | None = None
    issued_on: date | None = None
    valid_until: date | None = Field(default=None, description="Last day of validity.")
    info_request: InformationRequest | None = None
    holds: list[Hold] = Field(default_factory=list)
    held_from: PermitStatus | None = None
    arrival: Arrival | None = None
    exit: Arrival | None = None
    #: What an inspection found that the licence does not say (a stored sentence is verbatim).
    incident: Message | None = None
    #: An export's KP certificate: whether its process was started, and the certificate in
    #: force as that process last said.
    certificate_started: bool = False
    #: Who approved the export (checked its file): four-eyes keeps them from validating.
    approved_by: Actor | None = None
    certificate_no: str | None = None
    certificate_status: str | None = None
    certificate_expires_on: date | None = None
    departed_on: date | None = None
    customs: CustomsTrack = Field(default_factory=CustomsTrack)
    #: Submitted as a document signed by the operator's representative (else None).
    signature: ApplicationSignature | None = None
    seq: int = 0
    updated_at: datetime | None = None


class PermitStart(BaseModel):
    state: PermitState
    submitted_by: Actor | None = None


class PermitRecord(BaseModel):
    """A case after a transition, and the transition (projected, and returned by updates)."""

    state: PermitState
    transition: PermitTransition
    notice: Message | None = None


# Commands specific to shipments (information requests and reasons are in schemas.case).


class ApprovePermitBody(Body):
    note: LongText | None = None


class ApprovePermit(ApprovePermitBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class PlaceHold(Command):
    actor: Actor
    code: str
    reason: Message


class ReleaseHold(Command):
    actor: Actor
    code: str
    reason: Message


class RecordCrossing(Command, Sent):
    """A crossing of Macao's border as found by DSEDT and customs: an import's arrival, a
    transit's entry or its exit."""

    actor: Actor
    arrival: Arrival


class ResolveBody(Body):
    accept: StrictBool = Field(description="Accept the shipment as found, or cancel the licence.")
    reason: LongText


class Resolve(ResolveBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class RecordDepartureBody(Body):
    departed_on: date = Field(description="The day the export left Macao (Macao time).")
    note: LongText | None = None


class RecordDeparture(RecordDepartureBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class DeclarationRequest(BaseModel):
    """Ask for a licence's declaration to customs: built from the case as it stands, signed and
    put in the outbox (``customs.declare``); a retry of the same version finds what it wrote."""

    state: PermitState
    function: MessageFunction
    version: int
    at: datetime


class Declared(BaseModel):
    """A declaration in the outbox, and whether it is to be pushed to customs too (a setting
    of the worker that wrote it, recorded with the result so a replay decides the same)."""

    message_id: str
    push: bool


class ListingHolds(Command):
    """Hold (``hold``) or release every open shipment case that refers to a certificate an
    invalid-certificate listing covers (rule 15): the input of ``ListingHoldsWorkflow``."""

    listing_id: int
    hold: bool
    actor: Actor


class ShipmentHold(BaseModel):
    """Hold (or release) an operator's open shipment cases: its operating licence changed."""

    operator_id: int
    licence_no: str
    code: str
    reason: Message
    hold: bool
    actor: Actor


class PermitNumberRequest(BaseModel):
    """Ask the store for the next licence number of a kind; ``key`` makes a retry get the same."""

    key: str
    year: int
    kind: PermitKind


class PermitCheck(BaseModel):
    """What customs needs to check a shipment licence by its number, and nothing more."""

    licence_no: str
    kind: PermitKind
    status: PermitStatus
    holder: str
    operating_licence_no: str
    issued_on: date | None
    valid_until: date | None
    valid_today: bool = Field(description="Approved and unused (or in transit) today, in Macao.")
    carats: Decimal
    parcels: int
    certificate_issuing_country: str | None = Field(
        default=None, description="Import: the exporting Participant's certificate."
    )
    certificate_number: str | None = None
    provenance_country: str | None = None
    destination_country: str | None = None


class PermitSummary(BaseModel):
    case_no: str
    kind: PermitKind
    status: PermitStatus
    permit_no: str | None
    operator_id: int
    licence_no: str
    expected_date: date
    valid_until: date | None
    carats: Decimal
    value_usd: Decimal
    certificate_number: str | None
    #: A check flagged the application for the officer's attention.
    flagged: bool = False
    submitted_at: datetime
    updated_at: datetime


class StockBalance(BaseModel):
    """Carats an operator imported under one foreign certificate, and what exports have not
    yet drawn (rule 6): what an export may still draw on it."""

    issuing_country: str
    number: str
    import_case_no: str
    imported_on: date
    carats: Decimal
    drawn: Decimal
    left: Decimal


class PermitPage(Page[PermitSummary]):
    """A page of shipment cases."""
