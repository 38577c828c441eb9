"""The Kimberley Process certificate Macao issues: every Annex I item (domain.md 1.1), as the
service keeps it and renders it (signed XML: ``edi/kp_certificate.py``; PDF). What is the same on
every certificate (title, statement, issuing authority) is said here once, in English with
Chinese and Portuguese alongside."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.messages import Message, invalid
from schemas.shipment import MIXED_ORIGIN, CountryCode, Name, Party, ShipmentLine


class Multilingual(BaseModel):
    """One text in the service's three languages (English is the version the KP requires)."""

    model_config = ConfigDict(frozen=True)

    en: str
    zh: str
    pt: str


#: Item 1: the title and the statement every KP certificate carries.
TITLE = Multilingual(
    en="Kimberley Process Certificate",
    zh="金伯利進程證書",
    pt="Certificado do Processo de Kimberley",
)
STATEMENT = Multilingual(
    en="The rough diamonds in this shipment have been handled in accordance with the provisions "
    "of the Kimberley Process Certification Scheme for rough diamonds",
    zh="本批貨物中的毛坯鑽石已按照金伯利進程毛坯鑽石國際證書制度的規定處理",
    pt="Os diamantes em bruto desta remessa foram tratados em conformidade com as disposições "
    "do Sistema de Certificação do Processo de Kimberley para diamantes em bruto",
)
#: Item 6.
ISSUING_AUTHORITY = Multilingual(
    en="Economic and Technological Development Bureau (DSEDT), Macao SAR",
    zh="澳門特別行政區經濟及科技發展局",
    pt="Direcção dos Serviços de Economia e Desenvolvimento Tecnológico (DSEDT), RAEM",
)


class Validation(BaseModel):
    """Item 12: the officer who validated the certificate for the exporting authority (the
    authority's seal is the document's signature)."""

    officer: Name
    validated_at: datetime


class CertificateContent(BaseModel):
    """What a certificate says about its shipment: everything but its number and dates, which
    issuing gives it."""

    model_config = ConfigDict(extra="ignore")

    exporter: Party = Field(description="Item 7.")
    importer: Party = Field(description="Item 7.")
    origin: str = Field(description="Item 2: a country, or *** for mixed origin.")
    provenance: list[CountryCode] = Field(default_factory=list, max_length=20)
    destination_country: CountryCode
    parcels: int = Field(ge=1, le=10_000, description="Item 10.")
    lines: list[ShipmentLine] = Field(min_length=1, max_length=20, description="Items 8, 9, 11.")
    export_licence_no: str
    validation: Validation
    replaces: str | None = Field(default=None, description="The voided certificate's number.")

    @model_validator(mode="after")
    def _mixed_origin_has_provenance(self) -> CertificateContent:
        if self.origin == MIXED_ORIGIN and not self.provenance:
            raise invalid("field.provenance_required")
        return self

    @property
    def carats(self) -> Decimal:
        """Item 8."""
        return sum((line.carats for line in self.lines), Decimal(0))

    @property
    def value_usd(self) -> Decimal:
        """Item 9."""
        return sum((line.value_usd for line in self.lines), Decimal(0))

    @property
    def hs_codes(self) -> list[str]:
        """Item 11."""
        return sorted({line.hs_code for line in self.lines})


class KpCertificate(CertificateContent):
    """A certificate as issued. Never edited: a correction is a new certificate that replaces
    this one."""

    number: str = Field(description="Item 3: the ISO alpha-2 prefix and a sequence.")
    issued_at: datetime = Field(description="Item 4, with its offset (Macao time).")
    expires_on: date = Field(description="Item 5: at most 60 days after issue.")


class CertificateStatus(StrEnum):
    valid = "valid"
    used = "used"
    expired = "expired"
    voided = "voided"


class CertificateSummary(BaseModel):
    """What the certificate itself prints about its shipment (Annex I), nothing more."""

    exporter: str
    importer: str
    importer_country: str
    origin: str
    provenance: list[str]
    destination_country: str
    parcels: int
    carats: Decimal
    value_usd: Decimal
    hs_codes: list[str]


class CertificateVerification(BaseModel):
    """The public answer about a certificate number (and the hash its QR code carries)."""

    number: str
    genuine: bool = Field(
        description="Macao issued a certificate of this number, and, if a hash was given, this "
        "is its document."
    )
    hash_matches: bool | None = Field(
        default=None, description="Whether the given SHA-256 is the document's; null if none."
    )
    status: CertificateStatus | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    replaces: str | None = None
    replaced_by: str | None = None
    summary: CertificateSummary | None = Field(
        default=None, description="What it prints: only when the given hash is its document's."
    )
    verdict: Message = Field(description="What this means, in a sentence.")


class LicenceVerification(BaseModel):
    """The public answer about an operating licence number (customs, a bank, a foreign
    authority): whether Macao issued it, whether it is in force, and whom it covers for what."""

    number: str
    genuine: bool
    hash_matches: bool | None = None
    status: str | None = Field(default=None, description="active, suspended, expired, ...")
    holder: str | None = Field(default=None, description="Only with a document's hash.")
    activities: list[str] = Field(default_factory=list, description="Only with a document's hash.")
    valid_until: date | None = None
    verdict: Message
