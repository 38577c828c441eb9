"""What the service and Macao's customs tell each other about a shipment, as one canonical model
whatever the wire format (``edi.md`` sections 1 to 3): a declaration that a shipment licence
produces, and customs' responses. The XML formats (``edi/customs_xml.py``) and UN/EDIFACT
(``edi/cusdec.py``, ``edi/cusres.py``) are renderings of these models, so a format can be added
or changed without touching the processes.

A message has its own id (``MessageId``: at most 14 letters and digits, so that it is also a
valid EDIFACT message and interchange reference), the business reference (the licence number),
a function (original, replacement, cancellation) and a version. A resend of the same business
version keeps its id, so that the receiver drops duplicates.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
)

from schemas.common import Actor
from schemas.shipment import Carats, Ident, Party, PermitKind, ShipmentLine

#: A message's id: a resend of the same business version keeps it (EDIFACT ``an..14``).
MessageId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{1,14}$")]
#: A party's code on the EDI network (a customs office, DSEDT): ``an..35`` in EDIFACT.
PartyCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{1,35}$")]
#: A licence or certificate number as a document number (EDIFACT ``an..35``).
DocumentNumber = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z/.\-]{0,34}$")]
#: Free text that crosses to customs (EDIFACT ``an..512`` in FTX, split into pieces of 70):
#: no control character but tab and line breaks, which every rendering carries back.
Note = Annotated[
    str,
    StringConstraints(max_length=350, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"),
]


def _to_the_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


#: A message's time, as every rendering carries it (EDIFACT's to the second).
Stamp = Annotated[AwareDatetime, AfterValidator(_to_the_second)]


class MessageFunction(StrEnum):
    """What a message does to the earlier versions of its business document (UN/EDIFACT code
    list 1225)."""

    original = "9"
    replacement = "5"
    cancellation = "1"


class CertificateRole(StrEnum):
    """How a declaration names a KP certificate."""

    #: The certificate the shipment travels under: the exporting Participant's for an import or
    #: a transit, Macao's for an export.
    travels_under = "travels_under"
    #: An export: a certificate its goods were imported under, and the carats drawn from it.
    drawn_on = "drawn_on"


class DeclaredCertificate(BaseModel):
    role: CertificateRole
    issuing_country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    number: DocumentNumber
    carats: Carats | None = Field(default=None, description="Carats drawn (``drawn_on``).")


class CustomsDeclaration(BaseModel):
    """A shipment licence as customs clears it (WCO Data Model: the licence is an
    ``AdditionalDocument`` of the LPCO kind; the goods are ``GovernmentAgencyGoodsItem``\\ s)."""

    message_id: MessageId
    function: MessageFunction
    version: int = Field(ge=1, le=99)
    issued_at: Stamp
    sender: PartyCode = Field(description="DSEDT on the EDI network.")
    recipient: PartyCode = Field(description="The customs office that clears the shipment.")
    kind: PermitKind
    case_no: DocumentNumber
    permit_no: DocumentNumber = Field(description="The licence's number: the document number.")
    valid_from: date
    valid_until: date
    #: The Macao trader who holds the licence (the declarant), and its operating licence.
    holder: Party
    operating_licence_no: DocumentNumber
    consignor: Party
    consignee: Party
    dispatch_country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    destination_country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    lines: list[ShipmentLine] = Field(min_length=1, max_length=20)
    parcels: int = Field(ge=1, le=10_000)
    containers: list[Ident] = Field(min_length=1, max_length=50)
    seals: list[Ident] = Field(min_length=1, max_length=200)
    certificates: list[DeclaredCertificate] = Field(default_factory=list, max_length=21)

    @property
    def carats(self) -> Decimal:
        return sum((line.carats for line in self.lines), Decimal(0))

    @property
    def value_usd(self) -> Decimal:
        return sum((line.value_usd for line in self.lines), Decimal(0))


class CustomsStatus(StrEnum):
    """What customs says of a declaration."""

    received = "received"
    accepted = "accepted"
    rejected = "rejected"  # with coded errors, shown to the trader
    released = "released"
    held = "held"  # held for examination
    discrepancy = "discrepancy"  # what was found differs: carats, parcels, seals


class Stage(StrEnum):
    """Where along the border a response was made: a transit is released on entry and again
    on exit; an import and an export each cross once (``crossing``)."""

    crossing = "crossing"
    entry = "entry"
    exit = "exit"


class ResponseError(BaseModel):
    """One coded error of a rejection (EDIFACT ``ERP``/``ERC``; CONTRL's syntax errors)."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z.\-]{1,17}$")]
    text: Note | None = None


class Found(BaseModel):
    """What customs counted at the border: a release may carry it, a discrepancy must."""

    carats: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=3)]
    parcels: int = Field(ge=1, le=10_000)
    containers: list[Ident] = Field(min_length=1, max_length=50)
    seals: list[Ident] = Field(min_length=1, max_length=200)
    seals_intact: StrictBool


class CustomsResponse(BaseModel):
    """One response from customs about one declaration (signed XML, CUSRES or CONTRL)."""

    message_id: MessageId
    sender: PartyCode
    issued_at: Stamp
    declaration_message_id: MessageId = Field(
        description="The declaration answered (EDIFACT RFF+ACW; CONTRL's UCM): what routes the "
        "response to its shipment."
    )
    permit_no: DocumentNumber | None = Field(
        default=None, description="The licence, when the format carries it (CONTRL does not)."
    )
    status: CustomsStatus
    stage: Stage = Stage.crossing
    crossed_on: date | None = Field(
        default=None, description="The day the goods crossed (released, discrepancy)."
    )
    errors: list[ResponseError] = Field(default_factory=list, max_length=50)
    found: Found | None = None
    note: Note | None = None


class ReceivedResponse(BaseModel):
    """A response as it reaches a shipment's workflow (signal ``customs_response``): verified,
    kept in the inbox (``inbox_id``: the workflow applies each once), and the customs account
    that delivered it."""

    inbox_id: int
    actor: Actor
    response: CustomsResponse
    received_at: datetime


class CustomsMessage(BaseModel):
    """A declaration in the outbox, as customs systems list it (the bytes are fetched apart)."""

    cursor: int = Field(description="List after this to see only what came later.")
    message_id: str
    case_no: str
    permit_no: str
    kind: PermitKind
    function: MessageFunction
    version: int
    recipient: str
    created_at: datetime
    xml_sha256: str = Field(description="SHA-256 (hex) of the signed XML.")
    edifact_sha256: str = Field(description="SHA-256 (hex) of the CUSDEC interchange.")
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    push_attempts: int
    push_error: str | None


class CustomsMessagePage(BaseModel):
    items: list[CustomsMessage]
    next_after: int | None = Field(
        description="The cursor to list after for the next page; null when this page is the end."
    )


class CustomsReceipt(BaseModel):
    """What the inbound endpoint says of a response it took."""

    inbox_id: int
    sender: str
    message_id: str
    case_no: str
    status: CustomsStatus
    received_at: datetime
    duplicate: bool = Field(description="Received before: nothing was done again.")
    delivered: bool = Field(
        description="Handed to the shipment's case; if not yet (the process engine is "
        "unavailable), it will be, and the response is kept meanwhile."
    )


class CustomsResponseRecord(BaseModel):
    """A response as kept in the inbox."""

    inbox_id: int
    format: str
    sha256: str
    received_at: datetime
    delivered_at: datetime | None
    response: CustomsResponse


class CustomsExchange(BaseModel):
    """Everything that passed between the service and customs about one shipment case."""

    case_no: str
    declarations: list[CustomsMessage]
    responses: list[CustomsResponseRecord]
