"""Each shipment-licence check of ``domain.permits`` on its own: from an application that passes
every check, one change makes exactly that check fail (or be flagged), and nothing else. A rule
that stops working fails its row here, without HTTP or Temporal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from kp_licensing.domain import listings
from kp_licensing.domain import permit_guards as guards
from kp_licensing.domain import permits as rules
from kp_licensing.domain.errors import Conflict
from kp_licensing.support.catalogue import render, sentences
from schemas.common import CheckOutcome, CheckResult
from schemas.licence import LicenceStatus
from schemas.messages import say
from schemas.participants import InvalidCertificate
from schemas.permit import PermitApplication, PermitState, PermitStatus
from schemas.shipment import ExportDeclarations, PermitKind
from tests.domain.test_permit_rules import TODAY, application, certificate, facts
from tests.factories import permit_start


def export_application(**changes: Any) -> PermitApplication:
    fields: dict[str, Any] = {
        "declarations": {
            "complies_with_kpcs": True,
            "destination_is_participant": True,
            "tamper_proof_container": True,
        },
        "source_certificates": [
            {"issuing_country": "AE", "number": "AE123456789", "carats": "10.50"}
        ],
    }
    return application("export", **{**fields, **changes})


def baseline(kind: str, **changes: Any) -> PermitApplication:
    return export_application(**changes) if kind == "export" else application(kind, **changes)


def baseline_facts(app: PermitApplication) -> rules.Facts:
    found = facts(app)
    found.balances = {(d.issuing_country, d.number): d.carats for d in app.source_certificates}
    return found


def outcomes(app: PermitApplication, found: rules.Facts) -> dict[str, CheckOutcome]:
    return {c.code: c.outcome for c in rules.permit_checks(app, found)}


@pytest.mark.parametrize("kind", ["import", "export", "transit"])
def test_the_baselines_pass_every_check(kind: str) -> None:
    app = baseline(kind)
    said_in_english(rules.permit_checks(app, baseline_facts(app)))
    assert set(outcomes(app, baseline_facts(app)).values()) == {CheckOutcome.passed}


#: How a listing of the certificate reads (``listings.listed_as``).
LISTED = say("certificate.listing", kind="forged", listing=7, since="2026-11-30", reason="r")


def said_in_english(checks: list[CheckResult]) -> None:
    """Every check's message has an English sentence, and names every param it uses."""
    english = sentences("en")
    for check in checks:
        assert check.message.code in english, check
        assert "{" not in render(check.message), check


def licence(**changes: Any) -> Callable[[rules.Facts], None]:
    def change(found: rules.Facts) -> None:
        assert found.licence is not None
        found.licence = replace(found.licence, **changes)

    return change


#: (kind, changes to the application, change to the facts, the check that must fail)
ROWS: list[tuple[str, dict[str, Any], Callable[[rules.Facts], None] | None, str]] = [
    ("import", {}, lambda f: setattr(f, "licence", None), "licence"),
    ("import", {}, licence(status=LicenceStatus.suspended), "licence.active"),
    ("import", {}, licence(activities=["export"]), "licence.covers"),
    ("export", {}, licence(activities=["import"]), "licence.covers"),
    ("transit", {}, licence(activities=["import", "export"]), "licence.covers"),
    ("import", {}, licence(expires_on=TODAY + timedelta(days=2)), "licence.valid_on_date"),
    (
        "transit",
        {"lines": [{"hs_code": "7102.39", "carats": "10.50", "value_usd": "5000", "origin": "BW"}]},
        None,
        "hs_code.7102.39",
    ),
    (
        "export",
        {
            "lines": [
                {"hs_code": "7102.31", "carats": "10.50", "value_usd": "5000", "origin": "***"}
            ],
            "provenance_country": None,
        },
        None,
        "origin.mixed_provenance",
    ),
    ("import", {"provenance_country": None}, None, "required.provenance_country"),
    ("export", {"destination_country": None}, None, "required.destination_country"),
    ("transit", {"destination_country": None}, None, "required.destination_country"),
    ("import", {}, lambda f: setattr(f, "today", TODAY + timedelta(days=10)), "expected_date"),
    (
        "import",
        {},
        lambda f: setattr(f, "required_documents", ["commercial_invoice"]),
        "document.commercial_invoice",
    ),
    (
        "import",
        {},
        lambda f: f.participants.__setitem__(
            ("AE", TODAY + timedelta(days=3)), rules.ParticipantFacts(active=False)
        ),
        "participant.counterparty.AE",
    ),
    ("import", {"foreign_certificate": None}, None, "certificate"),
    (
        "import",
        {"foreign_certificate": certificate(number="BE123456789")},
        None,
        "certificate.prefix",
    ),
    (
        "import",
        {"foreign_certificate": certificate(expires_on=TODAY.isoformat())},
        None,
        "certificate.not_expired",
    ),
    (
        "import",
        {"foreign_certificate": certificate(origin="***")},
        None,
        "certificate.mixed_provenance",
    ),
    ("import", {"foreign_certificate": certificate(origin="CA")}, None, "certificate.origin"),
    (
        "import",
        {},
        lambda f: setattr(f, "presented_in", say("certificate.presented_in_case", case_no="P-1")),
        "certificate.first_presentation",
    ),
    ("import", {}, lambda f: setattr(f, "invalid_reason", LISTED), "certificate.not_invalid"),
    ("import", {"foreign_certificate": certificate(carats="10.60")}, None, "certificate.carats"),
    (
        "import",
        {"foreign_certificate": certificate(value_usd="5001")},
        None,
        "certificate.value_usd",
    ),
    ("import", {"foreign_certificate": certificate(parcels=2)}, None, "certificate.parcels"),
    (
        "import",
        {"foreign_certificate": certificate(hs_codes=["7102.10"])},
        None,
        "certificate.hs_codes",
    ),
    ("export", {"declarations": None}, None, "declaration.complies_with_kpcs"),
    ("export", {"source_certificates": []}, None, "source_certificates+source_certificates.total"),
    (
        "export",
        {
            "source_certificates": [
                {"issuing_country": "AE", "number": "AE123456789", "carats": "10.00"}
            ]
        },
        None,
        "source_certificates.total",
    ),
    ("export", {}, lambda f: setattr(f, "balances", {}), "balance.AE123456789"),
    (
        "export",
        {},
        lambda f: setattr(f, "invalid_sources", {("AE", "AE123456789"): LISTED}),
        "source_certificates.not_invalid.AE123456789",
    ),
]


@pytest.mark.parametrize(
    ("kind", "changes", "fact_change", "code"),
    ROWS,
    ids=[f"{kind}-{code}" for kind, _, _, code in ROWS],
)
def test_one_change_fails_exactly_its_check(
    kind: str,
    changes: dict[str, Any],
    fact_change: Callable[[rules.Facts], None] | None,
    code: str,
) -> None:
    app = baseline(kind, **changes)
    found = baseline_facts(app)
    if fact_change is not None:
        fact_change(found)
    said_in_english(rules.permit_checks(app, found))
    result = outcomes(app, found)
    refused = {c for c, outcome in result.items() if outcome == CheckOutcome.failed}
    expected = set(code.split("+"))
    if code.startswith("declaration."):  # no declarations at all: each of them is missing
        expected = {f"declaration.{name}" for name in rules.DECLARATIONS}
    assert refused == expected, result


def test_a_value_outside_its_band_is_flagged_never_refused() -> None:
    app = baseline("import")
    found = baseline_facts(app)
    found.value_bands = {"7102.31": (Decimal(1000), Decimal(2000))}
    result = outcomes(app, found)
    assert result["value.7102.31"] == CheckOutcome.flagged
    flagged = next(c for c in rules.permit_checks(app, found) if c.code == "value.7102.31")
    assert render(flagged.message) == (
        "US$476.19/ct for 7102.31 is outside the reference band US$1000-2000/ct: for the officer "
        "to assess (not a refusal)"
    )
    assert CheckOutcome.failed not in result.values()


def test_the_carat_tolerance_applies_to_carats_only() -> None:
    app = baseline("import", foreign_certificate=certificate(carats="10.51"))
    found = baseline_facts(app)
    found.tolerance = Decimal("0.01")
    assert CheckOutcome.failed not in outcomes(app, found).values()


# ------------------------------------------------------------------------------- guards


def state(status: PermitStatus, kind: str = "import") -> PermitState:
    s = permit_start(1, kind, today=TODAY).state
    s.status = status
    return s


ALL = list(PermitStatus)
GUARDS: list[tuple[str, Callable[[PermitState], None], set[PermitStatus], str]] = [
    ("review", guards.guard_review, {PermitStatus.under_review}, "permit.not_under_review"),
    (
        "answer",
        guards.guard_answer,
        {PermitStatus.info_requested},
        "permit.no_information_request",
    ),
    (
        "withdraw",
        guards.guard_withdraw,
        {
            PermitStatus.under_review,
            PermitStatus.info_requested,
            PermitStatus.on_hold,
            PermitStatus.approved,
        },
        "permit.not_withdrawable",
    ),
    ("cancel", guards.guard_cancel, {s for s in ALL if not s.is_final}, "case.final"),
    ("exit", guards.guard_exit, {PermitStatus.in_transit}, "permit.not_in_transit"),
    ("resolve", guards.guard_resolve, {PermitStatus.discrepancy}, "permit.no_discrepancy"),
]


@pytest.mark.parametrize(("name", "guard", "allowed", "code"), GUARDS, ids=[g[0] for g in GUARDS])
def test_each_guard_allows_exactly_its_statuses(
    name: str, guard: Callable[[PermitState], None], allowed: set[PermitStatus], code: str
) -> None:
    for status in ALL:
        if status in allowed:
            guard(state(status))
            continue
        refused_case = state(status)
        with pytest.raises(Conflict) as refused:
            guard(refused_case)
        expected = "case.final" if status.is_final else code
        assert refused.value.message == say(
            expected, case_no=refused_case.case_no, status=status
        ), status


def test_an_arrival_needs_an_approved_licence_of_its_kind() -> None:
    on = TODAY + timedelta(days=3)
    approved = state(PermitStatus.approved)
    guards.guard_arrival(approved, PermitKind.import_, on)
    with pytest.raises(Conflict, match=r"^permit\.kind\.import_not_transit "):
        guards.guard_arrival(approved, PermitKind.transit, on)
    with pytest.raises(Conflict, match=r"^permit\.not_usable "):
        guards.guard_arrival(state(PermitStatus.under_review), PermitKind.import_, on)
    approved.valid_until = on - timedelta(days=1)
    with pytest.raises(Conflict) as expired:
        guards.guard_arrival(approved, PermitKind.import_, on)
    assert expired.value.message == say(
        "permit.expired", permit_no=approved.permit_no, valid_until=approved.valid_until
    )
    transit = state(PermitStatus.approved, "transit")
    with pytest.raises(Conflict, match=r"^permit\.kind\.transit_not_import "):
        guards.guard_arrival(transit, PermitKind.import_, on)


def test_valid_until_never_passes_the_operating_licence() -> None:
    assert rules.valid_until(TODAY, 30, TODAY + timedelta(days=700)) == TODAY + timedelta(29)
    assert rules.valid_until(TODAY, 30, TODAY + timedelta(days=10)) == TODAY + timedelta(9)


def test_declarations_are_each_required() -> None:
    for name in rules.DECLARATIONS:
        declared = {n: n != name for n in rules.DECLARATIONS}
        app = export_application(declarations=ExportDeclarations(**declared).model_dump())
        refused = {
            c.code
            for c in rules.permit_checks(app, baseline_facts(app))
            if c.outcome == CheckOutcome.failed
        }
        assert refused == {f"declaration.{name}"}


def test_a_listing_holds_only_cases_that_refer_to_what_it_covers() -> None:
    listing = InvalidCertificate.model_validate(
        {
            "id": 7,
            "issuing_country": "AE",
            "number": "AE123456789",
            "series": None,
            "kind": "forged",
            "reason": "stolen paper",
            "source": "notice",
            "listed_at": "2026-11-30T00:00:00Z",
            "listed_by": "officer",
            "withdrawn_at": None,
            "withdrawn_by": None,
            "withdrawal_reason": None,
        }
    )
    hit = state(PermitStatus.under_review)
    hit.application = application("import", foreign_certificate=certificate())
    said = listings.listing_hold(listing, hit, hold=True)
    assert said is not None and "listed as forged" in render(said)
    other = state(PermitStatus.under_review)
    other.application = application("import", foreign_certificate=certificate(number="AE999999999"))
    assert listings.listing_hold(listing, other, hold=True) is None
    assert (
        listings.listing_hold_code(7)
        == listings.listing_hold_code(7)
        != listings.listing_hold_code(8)
    )
