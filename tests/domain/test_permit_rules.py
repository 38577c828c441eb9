"""Shipment-licence rules without I/O: one form of a certificate number, the certificate's
origin and expiry, what an export may draw on, and when an arrival may be dated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from kp_licensing.domain import clearance, listings
from kp_licensing.domain import permit_guards as guards
from kp_licensing.domain import permits as rules
from kp_licensing.domain.errors import Conflict, RuleViolation
from kp_licensing.domain.working_days import working_days_after
from kp_licensing.support.catalogue import render
from schemas.common import CheckOutcome
from schemas.licence import LicenceStatus
from schemas.messages import Message, say
from schemas.participants import InvalidCertificate, InvalidCertificateBody, NumberSeries
from schemas.permit import PermitApplication, PermitState, PermitStatus
from schemas.shipment import (
    Arrival,
    CertificateDraw,
    ForeignCertificate,
    PermitKind,
    canonical_certificate_number,
)
from tests.factories import permit_start

TODAY = date(2026, 12, 2)  # a Wednesday


def certificate(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": "AE123456789",
        "issuing_country": "AE",
        "issuing_authority": "UAE KP Office",
        "issued_on": "2026-11-28",
        "expires_on": "2026-12-20",
        "exporter": {"name": "Emirates Rough", "address": "Dubai", "country": "AE"},
        "importer": {"name": "Lotus", "address": "Macao", "country": "MO"},
        "origin": "BW",
        "carats": "10.50",
        "value_usd": "5000",
        "parcels": 1,
        "hs_codes": ["7102.31"],
        "scan_document_id": "scan",
    }
    data.update(changes)
    return data


def application(kind: str = "import", **changes: Any) -> PermitApplication:
    data = permit_start(1, kind, today=TODAY).state.application.model_dump(mode="json")
    if kind == "import":
        data["foreign_certificate"] = certificate()
    data.update(changes)
    return PermitApplication.model_validate(data)


def facts(app: PermitApplication, **changes: Any) -> rules.Facts:
    found = rules.Facts(
        today=TODAY,
        licence=rules.LicenceFacts(
            licence_no="OL-2026-0001-04",
            status=LicenceStatus.active,
            activities=["import", "export", "transit"],
            expires_on=TODAY + timedelta(days=700),
        ),
        participants={
            key: rules.ParticipantFacts(active=True) for key in rules.countries_to_check(app)
        },
        value_bands={},
        required_documents=[],
        documents=[],
    )
    for name, value in changes.items():
        setattr(found, name, value)
    return found


def failed(app: PermitApplication, found: rules.Facts) -> dict[str, Message]:
    return {
        c.code: c.message
        for c in rules.permit_checks(app, found)
        if c.outcome == CheckOutcome.failed
    }


# ------------------------------------------------------------------ one form of a number


@pytest.mark.parametrize(
    "typed", ["AE123456789", "AE-123456789", "ae 123456789", "AE/123.456-789", " ae-123 456 789 "]
)
def test_every_model_keeps_a_certificate_number_in_one_form(typed: str) -> None:
    assert canonical_certificate_number(typed) == "AE123456789"
    assert ForeignCertificate.model_validate(certificate(number=typed)).number == "AE123456789"
    draw = CertificateDraw.model_validate({"issuing_country": "AE", "number": typed, "carats": 1})
    assert draw.number == "AE123456789"
    listed = InvalidCertificateBody.model_validate(
        {"issuing_country": "AE", "number": typed, "kind": "forged", "reason": "r", "source": "s"}
    )
    assert listed.number == "AE123456789"
    assert NumberSeries(prefix=" ae-1.2/3 ", first="1", last="2").prefix == "AE123"


@pytest.mark.parametrize("typed", ["A", "--", "AE" + "1" * 39, "AE\x00123", "AE_123"])
def test_a_number_that_is_no_certificate_number_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        CertificateDraw.model_validate({"issuing_country": "AE", "number": typed, "carats": 1})


def test_one_certificate_drawn_twice_under_two_spellings_is_refused() -> None:
    draws = [
        {"issuing_country": "AE", "number": "AE-1", "carats": "1"},
        {"issuing_country": "AE", "number": "ae1", "carats": "1"},
    ]
    with pytest.raises(ValidationError, match="listed only once"):
        application("export", source_certificates=draws)


# ------------------------------------------------------------------ origin (rule 10)


def test_a_certificate_of_mixed_origin_needs_its_provenance() -> None:
    app = application(foreign_certificate=certificate(origin="***"))
    assert failed(app, facts(app))["certificate.mixed_provenance"] == say(
        "check.certificate.provenance_missing", number="AE123456789"
    )
    stated = application(foreign_certificate=certificate(origin="***", provenance=["BW", "ZA"]))
    assert "certificate.mixed_provenance" not in failed(stated, facts(stated))


def test_the_lines_origin_agrees_with_the_certificate_and_every_country_is_checked() -> None:
    app = application(foreign_certificate=certificate(origin="ZA"))
    differs = failed(app, facts(app))["certificate.origin"]
    assert differs.code == "check.certificate.origin_differs"
    assert differs.params == {"number": "AE123456789", "origin": "ZA", "origins": "BW"}
    mixed = application(foreign_certificate=certificate(origin="***", provenance=["ZA"]))
    assert ("ZA", mixed.expected_date) in rules.countries_to_check(mixed)
    assert ("ZA", app.expected_date) in rules.countries_to_check(app)


# ------------------------------------------------------------------ exports (rules 6, 15)


def test_an_export_drawing_on_a_listed_certificate_is_refused_naming_it_and_the_listing() -> None:
    draws = [{"issuing_country": "AE", "number": "AE-77", "carats": "10.50"}]
    app = application("export", source_certificates=draws)
    listing = InvalidCertificate.model_validate(
        {
            "id": 7,
            "issuing_country": "AE",
            "number": "AE77",
            "series": None,
            "kind": "forged",
            "reason": "security paper not issued by the UAE",
            "source": "notice",
            "listed_at": "2026-11-30T00:00:00Z",
            "listed_by": "officer",
        }
    )
    found = facts(
        app,
        balances={("AE", "AE77"): Decimal("20")},
        invalid_sources={("AE", "AE77"): listings.listed_as(listing)},
    )
    message = failed(app, found)["source_certificates.not_invalid.AE77"]
    assert message.code == "check.source_certificate.listed"
    assert message.params == {
        "number": "AE77",
        "kind": "forged",
        "listing": "7",
        "since": "2026-11-30",
        "reason": "security paper not issued by the UAE",
    }
    assert "forged (listing 7, since 2026-11-30): security paper not issued by the UAE" in (
        render(message)
    )
    found.invalid_sources = {}
    assert not [c for c in failed(app, found) if c.startswith("source_certificates")]


# ------------------------------------------------------------------ arrival (rules 7, 9)


def test_an_import_arriving_after_its_certificate_expired_is_named() -> None:
    app = application()
    found = Arrival.model_validate(
        {
            "date": "2026-12-21",
            "carats": "10.50",
            "parcels": 1,
            "containers": ["C1"],
            "seals": ["S1"],
            "seals_intact": True,
        }
    )
    said = clearance.expired_on_arrival(app, found)
    assert said is not None and render(said) == (
        "certificate AE123456789 expired on 2026-12-20, before the arrival on 2026-12-21"
    )
    on_the_last_day = found.model_copy(update={"date": date(2026, 12, 20)})
    assert clearance.expired_on_arrival(app, on_the_last_day) is None
    assert clearance.expired_on_arrival(application("transit"), found) is None


def licensed(status: PermitStatus = PermitStatus.approved, **changes: Any) -> PermitState:
    state = permit_start(1, "import", today=TODAY).state
    return state.model_copy(
        update={
            "status": status,
            "permit_no": "IL-2026-00001-00",
            "issued_on": TODAY - timedelta(days=10),
            "valid_until": TODAY + timedelta(days=19),
            **changes,
        }
    )


def test_an_arrival_is_dated_within_the_licence_and_not_after_today() -> None:
    state = licensed()
    for ok in (TODAY - timedelta(days=10), TODAY):
        guards.guard_found_on(state, ok, TODAY)
    for bad in (date(2020, 1, 1), TODAY - timedelta(days=11), TODAY + timedelta(days=1)):
        with pytest.raises(RuleViolation) as refused:
            guards.guard_found_on(state, bad, TODAY)
        said = refused.value.message
        assert said.code == "permit.arrival_date_outside"
        assert render(said) == (
            f"the arrival date {bad} is outside the allowed range: from "
            f"{TODAY - timedelta(days=10)} to {TODAY} (licence IL-2026-00001-00 issued on "
            f"{TODAY - timedelta(days=10)}, valid until {TODAY + timedelta(days=19)}; today in "
            f"Macao is {TODAY})"
        )
        assert (said.params["on"], said.params["first"], said.params["last"]) == (
            bad.isoformat(),
            (TODAY - timedelta(days=10)).isoformat(),
            TODAY.isoformat(),
        )
        assert refused.value.details == [
            {
                "field": "date",
                "message": say(
                    "range.dates", first=TODAY - timedelta(days=10), last=TODAY
                ).model_dump(mode="json"),
            }
        ]
    later = TODAY + timedelta(days=40)  # after the licence's last day: that day bounds it
    with pytest.raises(RuleViolation) as refused:
        guards.guard_found_on(state, later, later)
    assert refused.value.message.params["last"] == (TODAY + timedelta(days=19)).isoformat()


def test_a_transit_leaves_no_earlier_than_it_entered() -> None:
    entered = Arrival.model_validate(
        {
            "date": TODAY - timedelta(days=2),
            "carats": "10.50",
            "parcels": 1,
            "containers": ["C1"],
            "seals": ["S1"],
            "seals_intact": True,
        }
    )
    state = licensed(PermitStatus.in_transit, kind="transit", arrival=entered)
    guards.guard_found_on(state, TODAY - timedelta(days=2), TODAY)
    with pytest.raises(RuleViolation, match=r"^permit\.exit_date_outside ") as refused:
        guards.guard_found_on(state, TODAY - timedelta(days=3), TODAY)
    assert render(refused.value.message).startswith(
        f"the exit date {TODAY - timedelta(days=3)} is outside the allowed range: from "
        f"{TODAY - timedelta(days=2)} to {TODAY} (licence"
    )
    unissued = licensed(issued_on=None, kind="transit")
    with pytest.raises(RuleViolation) as refused:
        guards.guard_found_on(unissued, TODAY, TODAY)
    assert refused.value.message.code == "permit.entry_date_outside_unissued"
    said = render(refused.value.message)
    assert "{" not in said and "None" not in said and "not yet issued" in said
    assert refused.value.details == [
        {"field": "date", "message": say("range.until", last=TODAY).model_dump(mode="json")}
    ]


# ------------------------------------------------------------------ import confirmations


def test_working_days_skip_weekends_and_holidays() -> None:
    friday = date(2026, 12, 4)
    assert working_days_after(friday, 1, frozenset()) == date(2026, 12, 7)
    assert working_days_after(friday, 5, frozenset()) == date(2026, 12, 11)
    holidays = frozenset({date(2026, 12, 8), date(2026, 12, 21)})
    assert working_days_after(friday, 5, holidays) == date(2026, 12, 14)


def test_a_sending_is_dated_after_the_confirmation_and_not_in_the_future() -> None:
    produced = datetime(2026, 12, 1, 9, tzinfo=UTC)
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    clearance.check_sent_at(produced, produced_at=produced, now=now)
    clearance.check_sent_at(now + timedelta(minutes=1), produced_at=produced, now=now)
    for bad in (produced - timedelta(seconds=1), now + timedelta(hours=1)):
        with pytest.raises(RuleViolation) as refused:
            clearance.check_sent_at(bad, produced_at=produced, now=now)
        assert refused.value.message.code == "confirmation.sent_at_outside"
        assert refused.value.details == [
            {
                "field": "sent_at",
                "message": say(
                    "range.utc_times", first="2026-12-01 09:00", last="2026-12-02 09:00"
                ).model_dump(mode="json"),
            }
        ]
        assert render(Message.model_validate(refused.value.details[0]["message"])) == (  # type: ignore[index]
            "must be from 2026-12-01 09:00 to 2026-12-02 09:00 UTC"
        )


def test_refusals_read_as_sentences() -> None:
    export = application("export", destination_country=None, declarations=None)
    found = failed(export, facts(export))
    assert render(found["required.destination_country"]) == (
        "an export needs the destination country"
    )
    assert render(found["declaration.tamper_proof_container"]) == (
        "the exporter must declare that the goods travel in a tamper-proof container "
        "(declarations.tamper_proof_container: true)"
    )
    short = application(foreign_certificate=certificate(parcels=2))
    assert render(failed(short, facts(short))["certificate.parcels"]) == (
        "the number of parcels on the application (1) differs from the certificate (2)"
    )
    state = licensed()
    with pytest.raises(Conflict) as refused:
        guards.guard_arrival(state, PermitKind.transit, TODAY)
    assert render(refused.value.message) == (
        f"case {state.case_no} is an import licence, not a transit licence"
    )
