"""Shipment-licence rules (domain.md section 3): the checks run when a trader applies, and the
licence's validity. What customs finds is judged in ``clearance``, the invalid-certificate
listings in ``listings``, the transitions in ``permit_guards``.

Everything here is pure: the service gathers the facts (the holder's licence, the registry's
answers, earlier presentations of a certificate, stock balances) and these functions judge them.
Failed checks refuse the application; flagged ones (value plausibility) go to the officer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from schemas.common import CheckOutcome, CheckResult, DocumentRef
from schemas.licence import LicenceStatus
from schemas.messages import Message, say
from schemas.permit import PermitApplication
from schemas.shipment import HS_CODES_IN_SCOPE, MIXED_ORIGIN, PermitKind

#: The operating-licence activity each shipment kind needs.
ACTIVITY_FOR = {
    PermitKind.import_: "import",
    PermitKind.export: "export",
    PermitKind.transit: "transit",
}


#: The exporter's declarations (domain.md 2.1): what the check says when each is made, and when
#: it is not.
DECLARATIONS: dict[str, tuple[Message, Message]] = {
    "complies_with_kpcs": (
        say("check.export_declaration.complies_with_kpcs.given"),
        say("check.export_declaration.complies_with_kpcs.missing"),
    ),
    "destination_is_participant": (
        say("check.export_declaration.destination_is_participant.given"),
        say("check.export_declaration.destination_is_participant.missing"),
    ),
    "tamper_proof_container": (
        say("check.export_declaration.tamper_proof_container.given"),
        say("check.export_declaration.tamper_proof_container.missing"),
    ),
}


@dataclass(frozen=True)
class LicenceFacts:
    licence_no: str
    status: LicenceStatus
    activities: list[str]
    expires_on: date


@dataclass(frozen=True)
class ParticipantFacts:
    """The registry's answer for one country on one date; ``reason`` says why a country is not
    active."""

    active: bool
    reason: Message | None = None


@dataclass
class Facts:
    """What the service found out before the checks run."""

    today: date
    licence: LicenceFacts | None
    participants: dict[tuple[str, date], ParticipantFacts]
    value_bands: dict[str, tuple[Decimal, Decimal]]
    required_documents: list[str]
    documents: list[DocumentRef]
    #: Where a foreign certificate was presented before (a case, or "another operator's").
    presented_in: Message | None = None
    #: The listing of a foreign certificate, if it is listed (see :func:`listed_as`).
    invalid_reason: Message | None = None
    balances: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    #: Why a certificate an export draws on is on the invalid list, by (country, number).
    invalid_sources: dict[tuple[str, str], Message] = field(default_factory=dict)
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

    def add(
        self, code: str, ok: bool, passed: Message, failed: Message, *, flag: bool = False
    ) -> None:
        outcome = (
            CheckOutcome.passed if ok else (CheckOutcome.flagged if flag else CheckOutcome.failed)
        )
        self.items.append(CheckResult(code=code, outcome=outcome, message=passed if ok else failed))

    def fail(self, code: str, message: Message) -> None:
        self.items.append(CheckResult(code=code, outcome=CheckOutcome.failed, message=message))


def _active_participant(country: str, role: str, on: date) -> Message:
    """What the registry check says of an active Participant, by the role the country plays."""
    if role == "counterparty":
        return say("check.participant.counterparty.active", country=country, on=on)
    if role == "provenance":
        return say("check.participant.provenance.active", country=country, on=on)
    if role == "destination":
        return say("check.participant.destination.active", country=country, on=on)
    if role == "origin":
        return say("check.participant.origin.active", country=country, on=on)
    return say("check.participant.issuer.active", country=country, on=on)


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
            _active_participant(country, role, on),
            answer.reason or say("participant.not_active", country=country),
        )
    for line in app.lines:
        low, high = facts.value_bands.get(line.hs_code, (Decimal(0), Decimal("Infinity")))
        per_carat = (line.value_usd / line.carats).quantize(Decimal("0.01"))
        checks.add(
            f"value.{line.hs_code}",
            low <= per_carat <= high,
            say("check.value.within_band", per_carat=per_carat, hs_code=line.hs_code),
            say(
                "check.value.outside_band",
                per_carat=per_carat,
                hs_code=line.hs_code,
                low=low,
                high=high,
            ),
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
        checks.fail("licence", say("check.licence.none"))
        return
    number = licence.licence_no
    checks.add(
        "licence.active",
        licence.status == LicenceStatus.active,
        say("check.licence.active", licence_no=number),
        say("check.licence.not_active", licence_no=number, status=licence.status),
    )
    checks.add(
        "licence.covers",
        needed in licence.activities,
        say("check.licence.covers", licence_no=number, activity=needed),
        say(
            "check.licence.does_not_cover",
            licence_no=number,
            activity=needed,
            activities=licence.activities,
        )
        if licence.activities
        else say("check.licence.covers_nothing", licence_no=number, activity=needed),
    )
    checks.add(
        "licence.valid_on_date",
        app.expected_date < licence.expires_on and facts.today < licence.expires_on,
        say("check.licence.valid_on_date", date=app.expected_date, expires_on=licence.expires_on),
        say(
            "check.licence.expires_first",
            licence_no=number,
            expires_on=licence.expires_on,
            date=app.expected_date,
        ),
    )


def _required(app: PermitApplication) -> list[tuple[str, Message, Message]]:
    """The countries this kind of shipment must name, with what the check says of each."""
    provenance_given = say("check.required.provenance_country.given")
    destination_given = say("check.required.destination_country.given")
    if app.kind == PermitKind.import_:
        return [
            (
                "provenance_country",
                provenance_given,
                say("check.required.provenance_country.missing_for_import"),
            )
        ]
    if app.kind == PermitKind.export:
        return [
            (
                "destination_country",
                destination_given,
                say("check.required.destination_country.missing_for_export"),
            )
        ]
    return [
        (
            "provenance_country",
            provenance_given,
            say("check.required.provenance_country.missing_for_transit"),
        ),
        (
            "destination_country",
            destination_given,
            say("check.required.destination_country.missing_for_transit"),
        ),
    ]


def _shape_checks(app: PermitApplication, facts: Facts, checks: _Checks) -> None:
    for line in app.lines:
        checks.add(
            f"hs_code.{line.hs_code}",
            line.hs_code in HS_CODES_IN_SCOPE,
            say("check.hs_code.in_scope", hs_code=line.hs_code),
            say("check.hs_code.out_of_scope", hs_code=line.hs_code, in_scope=HS_CODES_IN_SCOPE),
        )
    mixed = any(line.origin == MIXED_ORIGIN for line in app.lines)
    checks.add(
        "origin.mixed_provenance",
        not mixed or app.provenance_country is not None,
        say("check.origin.stated"),
        say("check.origin.provenance_missing"),
    )
    for name, given, missing in _required(app):
        checks.add(f"required.{name}", getattr(app, name) is not None, given, missing)
    checks.add(
        "expected_date",
        app.expected_date >= facts.today,
        say("check.expected_date.ahead", date=app.expected_date),
        say("check.expected_date.past", date=app.expected_date),
    )
    present = {d.kind for d in facts.documents}
    for kind in facts.required_documents:
        checks.add(
            f"document.{kind}",
            kind in present,
            say("check.document.provided", kind=kind),
            say("check.document.missing", kind=kind),
        )


def _import_checks(app: PermitApplication, facts: Facts, checks: _Checks) -> None:
    certificate = app.foreign_certificate
    if certificate is None:
        checks.fail("certificate", say("check.certificate.missing"))
        return
    number, issuer = certificate.number, certificate.issuing_country
    checks.add(
        "certificate.prefix",
        number.upper().startswith(issuer),
        say("check.certificate.prefix", number=number, issuer=issuer),
        say("check.certificate.prefix_wrong", number=number, issuer=issuer),
    )
    checks.add(
        "certificate.not_expired",
        app.expected_date <= certificate.expires_on,
        say("check.certificate.valid_on_arrival", expires_on=certificate.expires_on),
        say(
            "check.certificate.expires_first",
            number=number,
            expires_on=certificate.expires_on,
            date=app.expected_date,
        ),
    )
    mixed = certificate.origin == MIXED_ORIGIN
    checks.add(
        "certificate.mixed_provenance",
        not mixed or bool(certificate.provenance),
        say("check.certificate.origin_stated"),
        say("check.certificate.provenance_missing", number=number),
    )
    unlike = sorted({line.origin for line in app.lines} - {certificate.origin})
    checks.add(
        "certificate.origin",
        mixed or not unlike,
        say("check.certificate.origin_agrees"),
        say(
            "check.certificate.origin_differs",
            number=number,
            origin=certificate.origin,
            origins=unlike,
        ),
    )
    checks.add(
        "certificate.first_presentation",
        facts.presented_in is None,
        say("check.certificate.first_presentation", number=number),
        say(
            "check.certificate.presented_before",
            number=number,
            parts=[facts.presented_in] if facts.presented_in else [],
        ),
    )
    listed = facts.invalid_reason
    checks.add(
        "certificate.not_invalid",
        listed is None,
        say("check.certificate.not_listed", number=number),
        say("check.certificate.listed", number=number, **(listed.params if listed else {})),
    )
    carats_agree = abs(app.carats - certificate.carats) <= facts.tolerance
    checks.add(
        "certificate.carats",
        carats_agree,
        say("check.certificate.carats_agree", certified=certificate.carats),
        say(
            "check.certificate.carats_differ",
            declared=app.carats,
            certified=certificate.carats,
        ),
    )
    checks.add(
        "certificate.value_usd",
        app.value_usd == certificate.value_usd,
        say("check.certificate.value_agrees", certified=certificate.value_usd),
        say(
            "check.certificate.value_differs",
            declared=app.value_usd,
            certified=certificate.value_usd,
        ),
    )
    checks.add(
        "certificate.parcels",
        app.parcels == certificate.parcels,
        say("check.certificate.parcels_agree", certified=certificate.parcels),
        say(
            "check.certificate.parcels_differ",
            declared=app.parcels,
            certified=certificate.parcels,
        ),
    )
    missing_hs = sorted({line.hs_code for line in app.lines} - set(certificate.hs_codes))
    checks.add(
        "certificate.hs_codes",
        not missing_hs,
        say("check.certificate.hs_codes_agree"),
        say("check.certificate.hs_codes_missing", hs_codes=missing_hs),
    )


def _export_checks(app: PermitApplication, facts: Facts, checks: _Checks) -> None:
    declarations = app.declarations
    for name, (declared, undeclared) in DECLARATIONS.items():
        checks.add(
            f"declaration.{name}",
            declarations is not None and getattr(declarations, name),
            declared,
            undeclared,
        )
    checks.add(
        "source_certificates",
        bool(app.source_certificates),
        say("check.source_certificates.named"),
        say("check.source_certificates.missing"),
    )
    drawn = sum((d.carats for d in app.source_certificates), Decimal(0))
    checks.add(
        "source_certificates.total",
        drawn == app.carats,
        say("check.source_certificates.total_agrees", drawn=drawn),
        say("check.source_certificates.total_differs", drawn=drawn, carats=app.carats),
    )
    for draw in app.source_certificates:
        available = facts.balances.get((draw.issuing_country, draw.number), Decimal(0))
        checks.add(
            f"balance.{draw.number}",
            draw.carats <= available,
            say(
                "check.balance.available",
                number=draw.number,
                carats=draw.carats,
                available=available,
            ),
            say("check.balance.short", number=draw.number, carats=draw.carats, available=available),
        )
        listed = facts.invalid_sources.get((draw.issuing_country, draw.number))
        checks.add(
            f"source_certificates.not_invalid.{draw.number}",
            listed is None,
            say("check.certificate.not_listed", number=draw.number),
            say(
                "check.source_certificate.listed",
                number=draw.number,
                **(listed.params if listed else {}),
            ),
        )


def valid_until(today: date, validity_days: int, licence_expires_on: date) -> date:
    """The last valid day: ``validity_days`` from today, never past the operating licence."""
    return min(today + timedelta(days=validity_days - 1), licence_expires_on - timedelta(days=1))
