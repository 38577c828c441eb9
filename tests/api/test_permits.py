"""Import, export and transit licences over HTTP, against a real worker, Temporal and database."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from kp_licensing.domain.numbering import is_valid_licence_number
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.factories import macao_today


@pytest.fixture
def holder(trader: Api, staff: Staff) -> Api:
    """A trader whose operating licence covers import, export and transit."""
    case_no = trader.apply(activities=["import", "export", "transit"])["case_no"]
    staff.officer.ok("POST", f"/licences/{case_no}/approve", json={})
    trader.extra["licence_case"] = case_no
    return trader


def shipment(api: Api, kind: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": kind,
        "counterparty": {
            "name": "Emirates Rough DMCC",
            "address": "Almas Tower, Dubai",
            "country": "AE",
        },
        "provenance_country": "AE" if kind in ("import", "transit") else None,
        "destination_country": "BE" if kind in ("export", "transit") else None,
        "lines": [
            {"hs_code": "7102.31", "carats": "612.50", "value_usd": "280000.00", "origin": "BW"}
        ],
        "parcels": 3,
        "containers": ["CNT-1"],
        "seals": ["S-100", "S-101"],
        "expected_date": (macao_today() + timedelta(days=5)).isoformat(),
        "document_ids": [
            api.upload("commercial_invoice")["id"],
            api.upload("transport_document")["id"],
        ],
    }
    body.update(changes)
    return body


def certificate(api: Api, **changes: Any) -> dict[str, Any]:
    cert: dict[str, Any] = {
        "number": f"AE{uuid.uuid4().int % 10**9:09d}",
        "issuing_country": "AE",
        "issuing_authority": "UAE Kimberley Process Office",
        "issued_on": (macao_today() - timedelta(days=3)).isoformat(),
        "expires_on": (macao_today() + timedelta(days=50)).isoformat(),
        "exporter": {"name": "Emirates Rough DMCC", "address": "Dubai", "country": "AE"},
        "importer": {"name": "Lotus Limitada", "address": "Macao", "country": "MO"},
        "origin": "BW",
        "carats": "612.50",
        "value_usd": "280000.00",
        "parcels": 3,
        "hs_codes": ["7102.31"],
        "scan_document_id": api.upload("kp_certificate_scan")["id"],
    }
    cert.update(changes)
    return cert


def arrival(**changes: Any) -> dict[str, Any]:
    """What customs found, today (an arrival is recorded when it happens)."""
    body = {
        "date": macao_today().isoformat(),
        "carats": "612.50",
        "parcels": 3,
        "containers": ["CNT-1"],
        "seals": ["S-100", "S-101"],
        "seals_intact": True,
    }
    body.update(changes)
    return body


def imported(holder: Api, staff: Staff) -> dict[str, Any]:
    """An import applied for, approved and cleared: its certificate is now in stock."""
    cert = certificate(holder)
    case = holder.ok("POST", "/permits", json=shipment(holder, "import", foreign_certificate=cert))
    staff.officer.ok("POST", f"/permits/{case['case_no']}/approve", json={})
    cleared = staff.officer.ok("POST", f"/permits/{case['case_no']}/arrival", json=arrival())
    assert cleared["state"]["status"] == "cleared"
    return cert


def failed_codes(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {e["code"] for e in response.json()["errors"]}


def test_import_is_checked_approved_cleared_and_confirmed(holder: Api, staff: Staff) -> None:
    cert = certificate(holder)
    case = holder.ok("POST", "/permits", json=shipment(holder, "import", foreign_certificate=cert))
    assert case["status"] == "under_review"
    outcomes = {c["code"]: c["outcome"] for c in case["checks"]}
    assert outcomes["licence.active"] == outcomes["certificate.first_presentation"] == "passed"
    assert outcomes["participant.counterparty.AE"] == "passed"

    approved = staff.officer.ok("POST", f"/permits/{case['case_no']}/approve", json={})["state"]
    assert approved["permit_no"].startswith("IL-") and is_valid_licence_number(
        approved["permit_no"]
    )
    assert date.fromisoformat(approved["valid_until"]) == macao_today() + timedelta(days=29)

    cleared = staff.officer.ok("POST", f"/permits/{case['case_no']}/arrival", json=arrival())
    assert cleared["state"]["status"] == "cleared"
    confirmations = staff.officer.ok("GET", "/permits/import-confirmations")
    mine = [c for c in confirmations if c["case_no"] == case["case_no"]]
    assert len(mine) == 1
    confirmation = mine[0]["confirmation"]
    assert (confirmation["certificate_number"], confirmation["parcels"]) == (cert["number"], 3)
    assert confirmation["carats"] == "612.500" or float(confirmation["carats"]) == 612.5
    assert confirmation["officer"] == staff.officer.username

    # A certificate covers one shipment: presenting it again is refused, naming the first case.
    again = holder.request(
        "POST",
        "/permits",
        json=shipment(
            holder, "import", foreign_certificate=certificate(holder, number=cert["number"])
        ),
    )
    assert "certificate.first_presentation" in failed_codes(again)
    assert case["case_no"] in again.json()["detail"]


def test_an_import_that_arrives_short_opens_a_discrepancy(holder: Api, staff: Staff) -> None:
    case = holder.ok(
        "POST", "/permits", json=shipment(holder, "import", foreign_certificate=certificate(holder))
    )
    staff.officer.ok("POST", f"/permits/{case['case_no']}/approve", json={})
    found = staff.officer.ok(
        "POST",
        f"/permits/{case['case_no']}/arrival",
        json=arrival(carats="600.00", seals_intact=False),
    )["state"]
    assert found["status"] == "discrepancy"
    incident = found["incident"]["text"]
    assert "carats found 600.00" in incident and "seals not intact" in incident
    # The trader is told what was found: the notice keeps the problems it lists.
    told = [
        n for n in holder.ok("GET", "/notifications") if n["kind"] == "arrived_with_discrepancy"
    ]
    assert [n["message"]["text"] for n in told] == [
        f"Shipment {found['permit_no']}: {incident}. An officer will decide."
    ]
    refused = staff.officer.ok(
        "POST",
        f"/permits/{case['case_no']}/resolve",
        json={"accept": False, "reason": "Seals broken"},
    )
    assert refused["state"]["status"] == "cancelled"


def test_exports_draw_on_imported_stock_and_never_overdraw(holder: Api, staff: Staff) -> None:
    cert = imported(holder, staff)
    declarations = {
        "complies_with_kpcs": True,
        "destination_is_participant": True,
        "tamper_proof_container": True,
    }

    def export(carats: str) -> Any:
        line = {"hs_code": "7102.31", "carats": carats, "value_usd": "100000.00", "origin": "BW"}
        return holder.request(
            "POST",
            "/permits",
            json=shipment(
                holder,
                "export",
                lines=[line],
                declarations=declarations,
                source_certificates=[
                    {"issuing_country": "AE", "number": cert["number"], "carats": carats}
                ],
            ),
        )

    first = export("400.00")
    assert first.status_code == 201, first.text
    too_much = export("300.00")
    assert f"balance.{cert['number']}" in failed_codes(too_much)
    assert "212.500 ct remain" in too_much.json()["detail"] or "212.5" in too_much.json()["detail"]
    # Withdrawing the first export gives its carats back.
    holder.ok("POST", f"/permits/{first.json()['case_no']}/withdraw", json={"reason": "Buyer left"})
    assert export("612.50").status_code == 201


def test_transit_must_leave_as_it_entered(holder: Api, staff: Staff) -> None:
    case = holder.ok("POST", "/permits", json=shipment(holder, "transit"))
    case_no = case["case_no"]
    staff.officer.ok("POST", f"/permits/{case_no}/approve", json={})
    assert (
        staff.officer.ok("POST", f"/permits/{case_no}/entry", json=arrival())["state"]["status"]
        == "in_transit"
    )
    left = staff.officer.ok(
        "POST", f"/permits/{case_no}/exit", json=arrival(seals=["S-100", "S-999"])
    )["state"]
    assert left["status"] == "discrepancy" and "seals" in left["incident"]["text"]
    resolved = staff.officer.ok(
        "POST",
        f"/permits/{case_no}/resolve",
        json={"accept": True, "reason": "Customs resealed S-101 on entry"},
    )
    assert resolved["state"]["status"] == "completed"
    history = [h["action"] for h in holder.ok("GET", f"/permits/{case_no}/history")]
    assert history.count("declared_to_customs") == 1  # once approved, whenever it landed
    assert [action for action in history if action != "declared_to_customs"] == [
        "submitted",
        "approved",
        "entered",
        "left_with_discrepancy",
        "accepted_as_found",
    ]


def test_refusals_name_every_reason_and_flags_do_not_refuse(holder: Api, staff: Staff) -> None:
    bad = shipment(
        holder,
        "export",
        counterparty={"name": "Pyongyang Gems", "address": "Pyongyang", "country": "KP"},
        destination_country="KP",
        lines=[{"hs_code": "7102.39", "carats": "10.00", "value_usd": "50.00", "origin": "BW"}],
    )
    codes = failed_codes(holder.request("POST", "/permits", json=bad))
    assert {
        "participant.counterparty.KP",
        "hs_code.7102.39",
        "declaration.complies_with_kpcs",
        "source_certificates",
    } <= codes

    # US$ 1/ct for gem-quality rough is implausible: flagged for the officer, not refused.
    cheap = shipment(
        holder,
        "transit",
        lines=[{"hs_code": "7102.31", "carats": "612.50", "value_usd": "612.50", "origin": "BW"}],
    )
    case = holder.ok("POST", "/permits", json=cheap)
    flagged = [c for c in case["checks"] if c["outcome"] == "flagged"]
    assert [c["code"] for c in flagged] == ["value.7102.31"]


def test_no_shipment_licence_without_an_active_operating_licence(trader: Api) -> None:
    refused = trader.request("POST", "/permits", json=shipment(trader, "transit"))
    assert "licence" in failed_codes(refused)
    assert "no operating licence" in refused.json()["detail"]


def test_suspending_the_operating_licence_holds_shipments_and_stops_new_ones(
    holder: Api, staff: Staff
) -> None:
    pending = holder.ok("POST", "/permits", json=shipment(holder, "transit"))["case_no"]
    licence_case = holder.extra["licence_case"]
    staff.supervisor.ok(
        "POST",
        f"/licences/{licence_case}/suspend",
        json={"reason_code": "tax_debt", "reason": "DSF notice"},
    )

    held = wait_for(holder, pending, "on_hold")
    assert held["holds"][0]["code"] == "licence_suspended"
    refused = staff.officer.request("POST", f"/permits/{pending}/approve", json={})
    assert refused.status_code == 409 and "on_hold" in refused.json()["detail"]
    new = holder.request("POST", "/permits", json=shipment(holder, "transit"))
    assert "licence.active" in failed_codes(new)

    staff.supervisor.ok("POST", f"/licences/{licence_case}/reinstate", json={"reason": "Paid"})
    assert wait_for(holder, pending, "under_review")["holds"] == []
    assert (
        staff.officer.ok("POST", f"/permits/{pending}/approve", json={})["state"]["status"]
        == "approved"
    )


def wait_for(api: Api, case_no: str, status: str) -> dict[str, Any]:
    """Holds travel by signal after the licence's own transition: give them a moment."""
    for _ in range(100):
        state = api.ok("GET", f"/permits/{case_no}")
        if state["status"] == status:
            return state
        time.sleep(0.05)
    raise AssertionError(f"{case_no} never became {status}: {state['status']}")


def test_marking_a_certificate_invalid_holds_the_cases_that_use_it(
    holder: Api, staff: Staff
) -> None:
    cert = certificate(holder)
    case_no = holder.ok(
        "POST", "/permits", json=shipment(holder, "import", foreign_certificate=cert)
    )["case_no"]
    listing = staff.officer.ok(
        "POST",
        "/invalid-certificates",
        json={
            "issuing_country": "AE",
            "number": cert["number"],
            "kind": "forged",
            "reason": "Security paper not issued by the UAE KP Office",
            "source": "UAE KPO notice 2026/11",
        },
    )
    held = wait_for(holder, case_no, "on_hold")
    assert "forged" in held["holds"][0]["reason"]["text"]

    # New applications with a listed certificate are refused.
    again = holder.request(
        "POST",
        "/permits",
        json=shipment(
            holder, "import", foreign_certificate=certificate(holder, number=cert["number"])
        ),
    )
    assert "certificate.not_invalid" in failed_codes(again)

    staff.officer.ok(
        "POST",
        f"/invalid-certificates/{listing['id']}/withdraw",
        json={"reason": "Listed in error"},
    )
    assert wait_for(holder, case_no, "under_review")["holds"] == []
