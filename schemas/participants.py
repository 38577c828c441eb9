"""The KP Participant registry and the list of invalid foreign KP certificates: what officers
send, what the API and the permit process get back, and the format of the seed file.

Periods are half-open: an entry applies from ``effective_from`` (inclusive) up to, but not
including, ``effective_to`` (``None``: open-ended). Ending one entry on day D and adding its
successor from D therefore leaves neither a gap nor an overlapping day.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

from schemas.common import Body
from schemas.licence import LongText, Text
from schemas.messages import Message, invalid
from schemas.shipment import CertificateNumber, canonical_certificate_number


def _country_code(value: str) -> str:
    code = value.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise invalid("field.country_code", code=code)
    return code


#: An ISO 3166-1 alpha-2 code that exists (validated with pycountry), upper-cased.
CountryCode = Annotated[
    str, StringConstraints(pattern=r"^\s*[A-Za-z]{2}\s*$"), AfterValidator(_country_code)
]
#: The legal or documentary basis of an entry ("Despacho do Chefe do Executivo n.º 23/2025").
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
#: The fixed part of a series' numbers, before the digits that count ("AE", "BE-2026-"), kept
#: in the canonical form of certificate numbers ("BE2026").
Prefix = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z][0-9A-Za-z /.\-]{0,31}$"),
    AfterValidator(canonical_certificate_number),
]
Digits = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,18}$")]


class ParticipantStatus(StrEnum):
    """How a country stands in the KP, as Macao's list records it."""

    active = "active"
    self_suspended = "self_suspended"  # it has stopped its own trade (Venezuela)
    restricted = "restricted"  # trade only as a KP administrative decision allows (CAR)
    not_participant = "not_participant"


class RegistryEntryBody(Body):
    """An officer adds an entry: a country's status under a Participant for a period."""

    country: CountryCode
    participant: Text | None = None  # None only for a not_participant entry
    status: ParticipantStatus
    effective_from: date
    effective_to: date | None = None
    source: Source
    note: LongText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RegistryEntryBody:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise invalid("field.effective_period")
        if self.participant is None and self.status != ParticipantStatus.not_participant:
            raise invalid("field.participant_required", status=self.status)
        return self


class EndEntryBody(Body):
    """An officer ends an entry: from ``effective_to`` on it no longer applies."""

    effective_to: date
    reason: LongText
    source: Source


class RegistryEntry(BaseModel):
    """One entry with its whole history: who added it, and who ended it, when and why.

    ``effective_to_before_end`` keeps the end date the entry was added with (None: open), so
    ending an entry never loses what it said before."""

    id: int
    country: str
    country_name: str
    participant: str | None
    status: ParticipantStatus
    effective_from: date
    effective_to: date | None
    source: str
    note: str | None
    created_at: datetime
    created_by: str
    ended_at: datetime | None = None
    ended_by: str | None = None
    end_reason: str | None = None
    end_source: str | None = None
    effective_to_before_end: date | None = None


class ParticipantCheck(BaseModel):
    """The answer to "was country X an active Participant on day D?"."""

    country: str
    country_name: str
    on: date
    active: bool
    status: ParticipantStatus
    participant: str | None = None
    source: str | None = None
    note: str | None = None
    entry_id: int | None = None
    reason: Message | None = None  # why not active, in words an applicant can act on


class InvalidityKind(StrEnum):
    forged = "forged"
    invalid = "invalid"  # genuine form, but void: cancelled, stolen blank, replaced...


class NumberSeries(Body):
    """Numbers ``prefix`` + ``first`` .. ``prefix`` + ``last`` (AE + 123000 .. 123999)."""

    prefix: Prefix
    first: Digits
    last: Digits

    @model_validator(mode="after")
    def _order(self) -> NumberSeries:
        if int(self.last) < int(self.first):
            raise invalid("field.series_order")
        return self


class InvalidCertificateBody(Body):
    """An officer marks one certificate number, or a series, of an issuing country."""

    issuing_country: CountryCode
    number: CertificateNumber | None = None
    series: NumberSeries | None = None
    kind: InvalidityKind
    reason: LongText
    source: Source

    @model_validator(mode="after")
    def _one_of(self) -> InvalidCertificateBody:
        if (self.number is None) == (self.series is None):
            raise invalid("field.number_or_series")
        return self


class WithdrawBody(Body):
    reason: LongText


class InvalidCertificate(BaseModel):
    """A listing with its history; ``number`` and ``series`` are stored in canonical form."""

    id: int
    issuing_country: str
    number: str | None
    series: NumberSeries | None
    kind: InvalidityKind
    reason: str
    source: str
    listed_at: datetime
    listed_by: str
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawal_reason: str | None = None


class InvalidCertificateCheck(BaseModel):
    issuing_country: str
    number: str
    invalid: bool
    listing: InvalidCertificate | None = None


class SeedGroup(BaseModel):
    """Countries that share a Participant, status and period in the seed file."""

    model_config = ConfigDict(extra="forbid")

    participant: str | None = None
    countries: list[CountryCode]
    status: ParticipantStatus = ParticipantStatus.active
    effective_from: date | None = None  # None: the file's default
    effective_to: date | None = None
    note: str | None = None


class ParticipantSeed(BaseModel):
    """The seed file (``kp_licensing/store/data/participants.json``): where it comes from, and
    its groups."""

    model_config = ConfigDict(extra="forbid")

    title: str
    compiled_from: str
    compiled_on: date
    warning: str
    conventions: str
    default_effective_from: date
    default_source: str
    participants: list[SeedGroup]
