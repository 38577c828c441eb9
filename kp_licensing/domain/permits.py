"""Shipment-licence rules (domain.md section 3): the checks run when a trader applies, what an
arrival must agree with, validity, and which transitions are possible.

Everything here is pure: the service gathers the facts (the holder's licence, the registry's
answers, earlier presentations of a certificate, stock balances) and these functions judge them.
Failed checks refuse the application; flagged ones (value plausibility) go to the officer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from kp_licensing.domain.errors import RuleViolation
from kp_licensing.domain.participants import matches
from schemas.common import CheckOutcome, CheckResult, DocumentRef
from schemas.licence import LicenceStatus
from schemas.participants import InvalidCertificate
from schemas.permit import PermitApplication, PermitState
from schemas.shipment import HS_CODES_IN_SCOPE, MIXED_ORIGIN, Arrival, PermitKind

#: The operating-licence activity each shipment kind needs.
ACTIVITY_FOR = {
    PermitKind.import_: "import",
    PermitKind.export: "export",
    PermitKind.transit: "transit",
}


#: The exporter's declarations (domain.md 2.1), in words.
DECLARATIONS = {
    "complies_with_kpcs": "the goods comply with the Kimberley Process Certification Scheme",
    "destination_is_participant": "the destination is a KP Participant",
    "tamper_proof_container": "the goods travel in a tamper-proof container",
}


def with_article(word: str) -> str:
    """The word with its indefinite article ("an import", "a transit")."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


@dataclass(frozen=True)
class LicenceFacts:
    licence_no: str
    status: LicenceStatus
    activities: list[str]
    expires_on: date


@dataclass(frozen=True)
class ParticipantFacts:
    """The registry's answer for one country on one date."""

    active: bool
    reason: str


@dataclass
class Facts:
    """What the service found out before the checks run."""

    today: date
    licence: LicenceFacts | None
    participants: dict[tuple[str, date], ParticipantFacts]
    value_bands: dict[str, tuple[Decimal, Decimal]]
    required_documents: list[str]
    documents: list[DocumentRef]
    presented_in: str | None = None  # where a foreign certificate was presented before
    invalid_reason: str | None = None  # the listing of a foreign certificate, if it is listed
    balances: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    #: Why a certificate an export draws on is on the invalid list, by (country, number).
    invalid_sources: dict[tuple[str, str], str] = field(default_factory=dict)
    tolerance: Decimal = Decimal(0)


def countries_to_check(app: PermitApplication) -> dict[tuple[str, date], str]:
    """Every (country, date) the registry must answer for, with the role it plays."""
    on = app.expected_date
    roles: dict[tuple[str, date], str] = {(app.counterparty.country, on): "counterparty"}
    if app.provenance_country:
        roles.setdefault((app.provenance_country, on), "provenance")
    if app.destination_country:
        roles.setdefault((app.destination_country, on), "destination")
    for line in app.lines:
        if line.origin != MIXED_ORIGIN:
            roles.setdefault((line.origin, on), "origin")
    certificate = app.foreign_certificate
    if certificate is not None:
        roles.setdefault((certificate.issuing_country, certificate.issued_on), "issuer")
        if certificate.origin != MIXED_ORIGIN:
            roles.setdefault((certificate.origin, on), "origin")
        for country in certificate.provenance:
            roles.setdefault((country, on), "provenance")
    return roles


class _Checks:
    def __init__(self) -> None:
        self.items: list[CheckResult] = []

    def add(self, code: str, ok: bool, passed: str, failed: str, *, flag: bool = False) -> None:
        outcome = (
            CheckOutcome.passed if ok else (CheckOutcome.flagged if flag else CheckOutcome.failed)
        )
        self.items.append(CheckResult(code=code, outcome=outcome, message=passed if ok else failed))


def permit_checks(app: PermitApplication, facts: Facts) -> list[CheckResult]:
    """Every check of domain.md section 3 that applies to this kind of shipment."""
    checks = _Checks()
    _licence_checks(app, facts, checks)
    _shape_checks(app, facts, checks)
    for (country, on), role in countries_to_check(app).items():
        answer = facts.participants[(country, on)]
        checks.add(
            f"participant.{role}.{country}",
            answer.active,
            f"{country} ({role}) is an active KP Participant on {on}",
            answer.reason,
        )
    for line in app.lines:
        low, high = facts.value_bands.get(line.hs_code, (Decimal(0), Decimal("Infinity")))
        per_carat = (line.value_usd / line.carats).quantize(Decimal("0.01"))
        checks.add(
            f"value.{line.hs_code}",
            low <= per_carat <= high,
            f"US${per_carat}/ct for {line.hs_code} is within the reference band",
            f"US${per_carat}/ct for {line.hs_code} is outside the reference band "
            f"US${low}-{high}/ct: for the officer to assess (not a refusal)",
            flag=True,
        )
    if app.kind == PermitKind.import_:
        _import_checks(app, facts, checks)
    if app.kind == PermitKind.export:
        _export_checks(app, facts, checks)
    return checks.items


def _licence_checks(app: PermitApplication, facts: Facts, checks: _Checks) -> None:
    licence = facts.licence
    needed = ACTIVITY_FOR[app.kind]
    if licence is None:
        checks.add("licence", False, "", "the operator holds no operating licence")
        return
    checks.add(
        "licence.active",
        licence.status == LicenceStatus.active,
        f"operating licence {licence.licence_no} is active",
        f"operating licence {licence.licence_no} is {licence.status.value}: no new shipment "
        "licences while it is not active",
    )
    checks.add(
        "licence.covers",
        needed in licence.activities,
        f"operating licence {licence.licence_no} covers {needed}",
        f"operating licence {licence.licence_no} does not cover {needed} "
        f"(it covers {', '.join(licence.activities) or 'nothing'})",
    )
    checks.add(
        "licence.valid_on_date",
        app.expected_date < licence.expires_on and facts.today < licence.expires_on,
        f"operating licence valid on {app.expected_date} (expires {licence.expires_on})",
        f"operating licence {licence.licence_no} expires on {licence.expires_on}, before the "
        f"shipment date {app.expected_date}: renew it first",
    )


def _shape_checks(app: PermitApplication, facts: Facts, checks: _Checks) -> None:
    for line in app.lines:
        checks.add(
            f"hs_code.{line.hs_code}",
            line.hs_code in HS_CODES_IN_SCOPE,
            f"HS {line.hs_code} is within the Kimberley Process",
            f"HS {line.hs_code} is outside the Kimberley Process scheme (only "
            f"{', '.join(HS_CODES_IN_SCOPE)}: rough diamonds; polished, worked and synthetic "
            "stones are not licensed here)",
        )
    mixed = any(line.origin == MIXED_ORIGIN for line in app.lines)
    checks.add(
        "origin.mixed_provenance",
        not mixed or app.provenance_country is not None,
        "origin and provenance are stated",
        "parcels of mixed origin (***) need the country of provenance",
    )
    needs = {
        PermitKind.import_: ("provenance_country",),
        PermitKind.export: ("destination_country",),
        PermitKind.transit: ("provenance_country", "destination_country"),
    }[app.kind]
    for name in needs:
        checks.add(
            f"required.{name}",
            getattr(app, name) is not None,
            f"{name.replace('_', ' ')} given",
            f"{with_article(app.kind.value)} needs the {name.replace('_', ' ')}",
        )
    checks.add(
        "expected_date",
        app.expected_date >= facts.today,
        f"shipment date {app.expected_date}",
        f"the shipment date {app.expected_date} is in the past",
    )
    present = {d.kind for d in facts.documents}
    for kind in facts.required_documents:
        checks.add(
            f"document.{kind}",
            kind in present,
            f"document provided: {kind}",
            f"missing document: {kind}",
        )


def _import_checks(app: PermitApplication, facts: Facts, checks: _Checks) -> None:
    certificate = app.foreign_certificate
    if certificate is None:
        checks.add(
            "certificate",
            False,
            "",
            "an import needs the exporting Participant's KP "
            "certificate (number, issuer, dates, parties, carats, value, parcels, HS)",
        )
        return
    number, issuer = certificate.number, certificate.issuing_country
    checks.add(
        "certificate.prefix",
        number.upper().startswith(issuer),
        f"certificate {number} carries the prefix of its issuer {issuer}",
        f"certificate {number} does not start with {issuer}, the ISO code of its issuer",
    )
    checks.add(
        "certificate.not_expired",
        app.expected_date <= certificate.expires_on,
        f"certificate valid on arrival (expires {certificate.expires_on})",
        f"certificate {number} expires on {certificate.expires_on}, before the arrival on "
        f"{app.expected_date}",
    )
    mixed = certificate.origin == MIXED_ORIGIN
    checks.add(
        "certificate.mixed_provenance",
        not mixed or bool(certificate.provenance),
        "the certificate states its origin (and provenance, if mixed)",
        f"certificate {number} shows mixed origin (***) without the countries of provenance: "
        "a certificate of mixed origin must state them",
    )
    unlike = sorted({line.origin for line in app.lines} - {certificate.origin})
    checks.add(
        "certificate.origin",
        mixed or not unlike,
        "the origin of every line agrees with the certificate",
        f"certificate {number} shows origin {certificate.origin}, but lines of the application "
        f"give {', '.join(unlike)}",
    )
    checks.add(
        "certificate.first_presentation",
        facts.presented_in is None,
        f"certificate {number} has not been presented before",
        f"certificate {number} was already presented in {facts.presented_in}: a KP "
        "certificate covers one shipment only",
    )
    checks.add(
        "certificate.not_invalid",
        facts.invalid_reason is None,
        f"certificate {number} is not on the list of invalid certificates",
        f"certificate {number} is listed as {facts.invalid_reason}",
    )
    for what, label, declared, on_certificate in (
        ("carats", "the carat weight", app.carats, certificate.carats),
        ("value_usd", "the US$ value", app.value_usd, certificate.value_usd),
        ("parcels", "the number of parcels", Decimal(app.parcels), Decimal(certificate.parcels)),
    ):
        allowed = facts.tolerance if what == "carats" else Decimal(0)
        checks.add(
            f"certificate.{what}",
            abs(declared - on_certificate) <= allowed,
            f"{label} agrees with the certificate ({on_certificate})",
            f"{label} on the application ({declared}) differs from the certificate "
            f"({on_certificate})",
        )
    missing_hs = sorted({line.hs_code for line in app.lines} - set(certificate.hs_codes))
    checks.add(
        "certificate.hs_codes",
        not missing_hs,
        "HS codes agree with the certificate",
        f"HS codes not on the certificate: {', '.join(missing_hs)}",
    )


def _export_checks(app: PermitApplication, facts: Facts, checks: _Checks) -> None:
    declarations = app.declarations
    for name, meaning in DECLARATIONS.items():
        checks.add(
            f"declaration.{name}",
            declarations is not None and getattr(declarations, name),
            f"declared: {meaning}",
            f"the exporter must declare that {meaning} (declarations.{name}: true)",
        )
    checks.add(
        "source_certificates",
        bool(app.source_certificates),
        "the certificates the goods were imported under are named",
        "name the KP certificate(s) the goods were imported under, with the carats drawn",
    )
    drawn = sum((d.carats for d in app.source_certificates), Decimal(0))
    checks.add(
        "source_certificates.total",
        drawn == app.carats,
        f"the carats drawn ({drawn}) equal the carats exported",
        f"the carats drawn from certificates ({drawn}) differ from the carats exported "
        f"({app.carats})",
    )
    for draw in app.source_certificates:
        available = facts.balances.get((draw.issuing_country, draw.number), Decimal(0))
        checks.add(
            f"balance.{draw.number}",
            draw.carats <= available,
            f"certificate {draw.number}: {draw.carats} ct of {available} ct available",
            f"certificate {draw.number}: {draw.carats} ct requested but only {available} ct "
            "remain (imported under it, less what other exports took or hold)",
        )
        listed = facts.invalid_sources.get((draw.issuing_country, draw.number))
        checks.add(
            f"source_certificates.not_invalid.{draw.number}",
            listed is None,
            f"certificate {draw.number} is not on the list of invalid certificates",
            f"certificate {draw.number}, which these goods were imported under, is listed as "
            f"{listed}: goods imported under it cannot be exported",
        )


def valid_until(today: date, validity_days: int, licence_expires_on: date) -> date:
    """The last valid day: ``validity_days`` from today, never past the operating licence."""
    return min(today + timedelta(days=validity_days - 1), licence_expires_on - timedelta(days=1))


def expired_on_arrival(app: PermitApplication, found: Arrival) -> str | None:
    """Rule 7 at the real arrival: an import whose certificate had expired when it arrived is
    not cleared by the system but left to an officer (the goods are here; the exporting
    authority may confirm or replace the certificate), with the dates that differ."""
    certificate = app.foreign_certificate
    if app.kind != PermitKind.import_ or certificate is None:
        return None
    if found.date <= certificate.expires_on:
        return None
    return (
        f"certificate {certificate.number} expired on {certificate.expires_on}, before the "
        f"arrival on {found.date}"
    )


def arrival_discrepancies(app: PermitApplication, found: Arrival, tolerance: Decimal) -> list[str]:
    """What an arrival (or transit exit) found that does not match the licence."""
    problems = []
    if abs(found.carats - app.carats) > tolerance:
        problems.append(f"carats found {found.carats}, licensed {app.carats}")
    if found.parcels != app.parcels:
        problems.append(f"parcels found {found.parcels}, licensed {app.parcels}")
    if not found.seals_intact:
        problems.append("seals not intact")
    if sorted(found.seals) != sorted(app.seals):
        problems.append(f"seals {sorted(found.seals)} differ from {sorted(app.seals)}")
    if sorted(found.containers) != sorted(app.containers):
        problems.append(
            f"containers {sorted(found.containers)} differ from {sorted(app.containers)}"
        )
    return problems


def working_days_after(start: date, days: int, holidays: frozenset[date]) -> date:
    """The ``days``-th working day (Monday to Friday, not a holiday) after ``start``."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            days -= 1
    return day


#: How far ahead of the server's clock a reported sending time may be (clients' clocks drift).
CLOCK_SKEW = timedelta(minutes=5)


def check_sent_at(sent_at: datetime, *, produced_at: datetime, now: datetime) -> None:
    """A confirmation is sent after it was produced, and not in the future."""
    if produced_at <= sent_at <= now + CLOCK_SKEW:
        return
    allowed = f"from {produced_at:%Y-%m-%d %H:%M} to {now:%Y-%m-%d %H:%M} UTC"
    raise RuleViolation(
        f"sent_at {sent_at:%Y-%m-%d %H:%M} UTC is outside the allowed range: {allowed} (the "
        "confirmation was produced when the import was cleared, and cannot be sent later than "
        "now)",
        details=[{"field": "sent_at", "message": f"must be {allowed}"}],
    )


# Invalid-certificate listings and the cases they hold (rule 15).


def certificates_of(state: PermitState) -> list[tuple[str, str]]:
    """The foreign certificates a case refers to: the one an import presents, those an export
    draws on."""
    app = state.application
    refs = [(d.issuing_country, d.number) for d in app.source_certificates]
    if app.foreign_certificate is not None:
        refs.append((app.foreign_certificate.issuing_country, app.foreign_certificate.number))
    return refs


def listed_as(listing: InvalidCertificate) -> str:
    """How a listing reads in a refusal: "forged (listing 7, since 2026-11-30): reason"."""
    return (
        f"{listing.kind.value} (listing {listing.id}, since {listing.listed_at:%Y-%m-%d}): "
        f"{listing.reason}"
    )


def listing_hold(listing: InvalidCertificate, state: PermitState, *, hold: bool) -> str | None:
    """Why ``listing`` holds the case (or releases it, once withdrawn); None if the case refers
    to no certificate the listing covers."""
    hits = [
        number
        for country, number in certificates_of(state)
        if matches(listing, issuing_country=country, number=number)
    ]
    if not hits:
        return None
    if hold:
        return f"certificate {hits[0]} is listed as {listed_as(listing)}"
    return f"listing {listing.id} was withdrawn: {listing.withdrawal_reason}"


def listing_hold_code(listing_id: int) -> str:
    """The hold a listing places: one per listing, so a repeated order changes nothing."""
    return f"invalid_certificate:{listing_id}"
