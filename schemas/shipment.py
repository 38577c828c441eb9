"""Shipments of rough diamonds: parties, HS lines, and the foreign KP certificate (Annex I).

Carats and US$ are ``Decimal`` (never float): a balance of carats must add up exactly.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from schemas.common import Body, DocumentId
from schemas.messages import invalid

#: The HS codes inside the Kimberley Process (domain.md 1): unsorted, industrial, non-industrial.
HS_CODES_IN_SCOPE = ("7102.10", "7102.21", "7102.31")
#: Shown as country of origin when parcels are of mixed origin (provenance is then required).
MIXED_ORIGIN = "***"

CountryCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
]
OriginCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^([A-Za-z]{2}|\*\*\*)$")
]
#: ASCII digits only (``\d`` would take any script's digits, which the XSDs refuse).
HSCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4}\.[0-9]{2}$")]
Carats = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=3)]
USD = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Ident = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z][0-9A-Za-z/.\-]{0,39}$")
]
#: The longest certificate number kept (in canonical form) by the registers: what a customs
#: declaration's document number carries (UN/EDIFACT ``an..35``).
CERTIFICATE_NUMBER_MAX = 35


def canonical_certificate_number(text: str) -> str:
    """The one form in which certificate numbers are stored and compared: upper case, letters
    and digits only. The same certificate is typed "AE 123-456", "ae123456" or read by OCR with
    stray separators; comparing printed forms let a replay or a listed forgery through with a
    hyphen added, while two genuine numbers differing only in punctuation are not a real risk."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def _certificate_number(value: str) -> str:
    number = canonical_certificate_number(value)
    if not 2 <= len(number) <= CERTIFICATE_NUMBER_MAX:
        raise invalid("field.certificate_number", max=CERTIFICATE_NUMBER_MAX)
    return number


#: A KP certificate number as printed (letters, digits and the separators people type), kept in
#: its canonical form: every model that carries a certificate number uses this type.
CertificateNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z][0-9A-Za-z /.\-]{1,63}$"),
    AfterValidator(_certificate_number),
]


class PermitKind(StrEnum):
    import_ = "import"
    export = "export"
    transit = "transit"


class Party(BaseModel):
    name: Name
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
    country: CountryCode


class ShipmentLine(BaseModel):
    """One HS line: its carats, its US$ value and the country of origin (``***`` if mixed)."""

    hs_code: HSCode
    carats: Carats
    value_usd: USD
    origin: OriginCode


class ForeignCertificate(BaseModel):
    """The exporting Participant's KP certificate travelling with an import (Annex I items)."""

    number: CertificateNumber = Field(
        description="Item 3: unique number, ISO alpha-2 prefix of the issuer (kept as letters "
        "and digits, upper case: 'ae-123 456' is AE123456)."
    )
    issuing_country: CountryCode
    issuing_authority: Name = Field(description="Item 6.")
    issued_on: date = Field(description="Item 4.")
    expires_on: date = Field(description="Item 5.")
    exporter: Party = Field(description="Item 7.")
    importer: Party = Field(description="Item 7.")
    origin: OriginCode = Field(description="Item 2; *** for mixed origin.")
    provenance: list[CountryCode] = Field(
        default_factory=list,
        max_length=20,
        description="Countries of provenance, required for mixed origin.",
    )
    carats: Carats = Field(description="Item 8.")
    value_usd: USD = Field(description="Item 9.")
    parcels: int = Field(ge=1, le=10_000, description="Item 10.")
    hs_codes: list[HSCode] = Field(min_length=1, max_length=3, description="Item 11.")
    scan_document_id: str = Field(description="The uploaded scan of the original certificate.")

    @model_validator(mode="after")
    def _dates_in_order(self) -> ForeignCertificate:
        if self.expires_on < self.issued_on:
            raise invalid("field.certificate_expires_before_issue")
        return self

    @property
    def mixed_origin(self) -> bool:
        return self.origin == MIXED_ORIGIN


class CertificateDraw(BaseModel):
    """Carats an export takes from a certificate its goods were imported under."""

    issuing_country: CountryCode
    number: CertificateNumber
    carats: Carats


class ExportDeclarations(BaseModel):
    """The exporter's three declarations (domain.md 2.1); each must be true, and strictly so
    (``true``; "yes" or 1 are refused). Travels in workflow payloads and state, so it ignores
    unknown fields; a request body refuses them (:class:`ExportDeclarationsBody`)."""

    complies_with_kpcs: StrictBool
    destination_is_participant: StrictBool
    tamper_proof_container: StrictBool


class ExportDeclarationsBody(ExportDeclarations, Body):
    """The declarations as the API takes them: strict about unknown fields."""


# The parts of an application as the API takes them: strict about unknown fields at every
# depth (a misspelt field inside a party or a line is refused, not dropped), document ids of
# the shape the service hands out. Workflow payloads keep the lenient models above.


class PartyBody(Party, Body):
    pass


class ShipmentLineBody(ShipmentLine, Body):
    pass


class ForeignCertificateBody(ForeignCertificate, Body):
    exporter: PartyBody = Field(description="Item 7.")
    importer: PartyBody = Field(description="Item 7.")
    scan_document_id: DocumentId = Field(
        description="The uploaded scan of the original certificate."
    )


class CertificateDrawBody(CertificateDraw, Body):
    pass


class Arrival(BaseModel):
    """What DSEDT and customs found when an import arrived (or a transit entered or left).
    Travels in workflow payloads and state, so it ignores unknown fields; a request body
    refuses them (:class:`ArrivalBody`)."""

    date: date
    carats: Carats
    parcels: int = Field(ge=1, le=10_000)
    containers: list[Ident] = Field(min_length=1, max_length=50)
    seals: list[Ident] = Field(min_length=1, max_length=200)
    seals_intact: StrictBool
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ArrivalBody(Arrival, Body):
    """A crossing as the API takes it: strict about unknown fields."""
