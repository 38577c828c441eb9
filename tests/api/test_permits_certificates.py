"""Foreign certificates over HTTP (domain.md rules 7, 10, 15): one canonical number for the
replay register, the invalid list and stock; exports drawing on listed stock; mixed origin."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.client import Api
from tests.api.conftest import Staff
from tests.api.test_permits import (
    certificate,
    failed_codes,
    holder,
    imported,
    shipment,
    wait_for,
)

__all__ = ["holder"]  # the fixture, shared with test_permits

DECLARED = {
    "complies_with_kpcs": True,
    "destination_is_participant": True,
    "tamper_proof_container": True,
}


def digits() -> str:
    return f"{uuid.uuid4().int % 10**9:09d}"


def import_with(api: Api, number: str, **changes: Any) -> Any:
    body = shipment(api, "import", foreign_certificate=certificate(api, number=number, **changes))
    return api.request("POST", "/permits", json=body)


def export_from(api: Api, number: str, carats: str = "10.00") -> Any:
    line = {"hs_code": "7102.31", "carats": carats, "value_usd": "5000.00", "origin": "BW"}
    body = shipment(
        api,
        "export",
        lines=[line],
        declarations=DECLARED,
        source_certificates=[{"issuing_country": "AE", "number": number, "carats": carats}],
    )
    return api.request("POST", "/permits", json=body)


def list_invalid(staff: Staff, number: str) -> dict[str, Any]:
    listing: dict[str, Any] = staff.officer.ok(
        "POST",
        "/invalid-certificates",
        json={
            "issuing_country": "AE",
            "number": number,
            "kind": "forged",
            "reason": "Security paper not issued by the UAE KP Office",
            "source": "UAE KPO notice 2026/11",
        },
    )
    return listing


@pytest.mark.parametrize("again", ["AE-{n}", "ae {n}", "AE/{n}", "A.E.{n}"])
def test_a_certificate_is_not_presented_twice_however_its_number_is_written(
    holder: Api, again: str
) -> None:
    n = digits()
    first = import_with(holder, f"AE{n}")
    assert first.status_code == 201, first.text
    assert first.json()["application"]["foreign_certificate"]["number"] == f"AE{n}"
    replay = import_with(holder, again.format(n=n))
    assert "certificate.first_presentation" in failed_codes(replay)
    assert first.json()["case_no"] in replay.json()["detail"]


def test_a_number_listed_with_punctuation_refuses_the_plain_one(holder: Api, staff: Staff) -> None:
    n = digits()
    listing = list_invalid(staff, f"ae-{n[:3]} {n[3:]}")
    assert listing["number"] == f"AE{n}"
    assert "certificate.not_invalid" in failed_codes(import_with(holder, f"AE{n}"))
    check = staff.customs.ok(
        "GET", "/invalid-certificates/check", params={"issuing_country": "AE", "number": f"AE.{n}"}
    )
    assert check["invalid"] and check["listing"]["id"] == listing["id"]


def test_an_export_draws_on_its_stock_however_the_number_is_written(
    holder: Api, staff: Staff
) -> None:
    cert = imported(holder, staff)
    plain = cert["number"]
    drawn = export_from(holder, f"{plain[:2]}-{plain[2:]}".lower())
    assert drawn.status_code == 201, drawn.text


def test_an_export_drawing_on_listed_stock_is_refused_and_pending_ones_are_held(
    holder: Api, staff: Staff
) -> None:
    cert = imported(holder, staff)
    number = cert["number"]
    pending = export_from(holder, number)
    assert pending.status_code == 201, pending.text
    approved = export_from(holder, number)
    staff.officer.ok("POST", f"/permits/{approved.json()['case_no']}/approve", json={})

    listing = list_invalid(staff, f"{number[:2]}-{number[2:]}")
    for case_no in (pending.json()["case_no"], approved.json()["case_no"]):
        held = wait_for(holder, case_no, "on_hold")
        assert held["holds"][0]["code"] == f"invalid_certificate:{listing['id']}"
        assert number in held["holds"][0]["reason"]["text"]

    refused = export_from(holder, number)
    assert f"source_certificates.not_invalid.{number}" in failed_codes(refused)
    detail = refused.json()["detail"]
    assert number in detail and f"listing {listing['id']}" in detail and "forged" in detail

    staff.officer.ok(
        "POST", f"/invalid-certificates/{listing['id']}/withdraw", json={"reason": "In error"}
    )
    assert wait_for(holder, pending.json()["case_no"], "under_review")["holds"] == []
    assert wait_for(holder, approved.json()["case_no"], "approved")["holds"] == []
    assert export_from(holder, number).status_code == 201


def test_mixed_origin_without_provenance_is_refused_on_the_certificate(holder: Api) -> None:
    refused = import_with(holder, f"AE{digits()}", origin="***")
    assert "certificate.mixed_provenance" in failed_codes(refused)
    lines = [{"hs_code": "7102.31", "carats": "612.50", "value_usd": "280000.00", "origin": "***"}]
    body = shipment(
        holder,
        "import",
        lines=lines,
        foreign_certificate=certificate(holder, origin="***", provenance=["BW", "ZA"]),
    )
    case = holder.request("POST", "/permits", json=body)
    assert case.status_code == 201, case.text
    codes = {c["code"] for c in case.json()["checks"]}
    assert {"participant.provenance.BW", "participant.provenance.ZA"} <= codes
