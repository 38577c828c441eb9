"""Using a shipment licence over HTTP: dates customs may record (rule 9), the import
confirmation's sending, the check of a licence by its number, and the text search."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from kp_licensing.store.db import SessionFactory
from kp_licensing.store.permit_models import ImportConfirmationRow
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.api.test_permits import (
    arrival,
    certificate,
    holder,
    shipment,
)
from tests.factories import macao_today

__all__ = ["holder"]  # the fixture, shared with test_permits


def approved(api: Api, staff: Staff, kind: str = "import", **changes: Any) -> dict[str, Any]:
    body = shipment(api, kind, **changes)
    if kind == "import" and "foreign_certificate" not in changes:
        body["foreign_certificate"] = certificate(api)
    case = api.ok("POST", "/permits", json=body)
    record: dict[str, Any] = staff.officer.ok(
        "POST", f"/permits/{case['case_no']}/approve", json={}
    )
    return record["state"]


def cleared(api: Api, staff: Staff) -> dict[str, Any]:
    state = approved(api, staff)
    record = staff.officer.ok("POST", f"/permits/{state['case_no']}/arrival", json=arrival())
    assert record["state"]["status"] == "cleared"
    return dict(record["state"])


# ------------------------------------------------------------------ dates (rule 9)


def test_arrival_and_entry_dates_lie_within_the_licence_and_not_after_today(
    holder: Api, staff: Staff
) -> None:
    for kind, verb in (("import", "arrival"), ("transit", "entry")):
        state = approved(holder, staff, kind)
        case_no, allowed = state["case_no"], f"from {state['issued_on']} to {macao_today()}"
        for day in ("2020-01-01", (macao_today() + timedelta(days=1)).isoformat()):
            refused = staff.officer.request(
                "POST", f"/permits/{case_no}/{verb}", json=arrival(date=day)
            )
            assert refused.status_code == 422, refused.text
            assert allowed in refused.json()["detail"], refused.text
            assert holder.ok("GET", f"/permits/{case_no}")["status"] == "approved"
        staff.officer.ok("POST", f"/permits/{case_no}/{verb}", json=arrival())


def test_a_transit_cannot_leave_before_it_entered_or_in_the_future(
    holder: Api, staff: Staff
) -> None:
    case_no = approved(holder, staff, "transit")["case_no"]
    staff.officer.ok("POST", f"/permits/{case_no}/entry", json=arrival())
    for day in (macao_today() - timedelta(days=1), macao_today() + timedelta(days=1)):
        refused = staff.officer.request(
            "POST", f"/permits/{case_no}/exit", json=arrival(date=day.isoformat())
        )
        assert refused.status_code == 422, refused.text
        assert f"the exit date {day} is outside the allowed range" in refused.json()["detail"]
    left = staff.officer.ok("POST", f"/permits/{case_no}/exit", json=arrival())
    assert left["state"]["status"] == "completed"


def test_the_import_confirmation_carries_the_real_arrival_date(holder: Api, staff: Staff) -> None:
    case_no = cleared(holder, staff)["case_no"]
    mine = [
        c
        for c in staff.officer.ok("GET", "/permits/import-confirmations")
        if c["case_no"] == case_no
    ]
    assert mine[0]["confirmation"]["received_on"] == macao_today().isoformat()


# ------------------------------------------------------------------ import confirmations


def test_an_officer_records_once_when_and_how_a_confirmation_was_sent(
    holder: Api, staff: Staff, sessions: SessionFactory
) -> None:
    case_no = cleared(holder, staff)["case_no"]
    unsent = staff.officer.ok("GET", "/permits/import-confirmations", params={"unsent": True})
    owed = next(c for c in unsent if c["case_no"] == case_no)
    assert (owed["sent"], owed["overdue"]) == (None, False)

    path = f"/permits/{case_no}/import-confirmation/sent"
    body = {"method": "email", "reference": "KPO-2026-118"}
    sent = staff.officer.ok("POST", path, json=body)
    assert sent["sent"]["method"] == "email" and sent["sent"]["reference"] == "KPO-2026-118"
    assert sent["sent"]["recorded_by"] == staff.officer.username and sent["sent_at"]
    assert sent["overdue"] is False

    # The same recording again (a retry) answers as the first; a different one is a 409.
    again = staff.supervisor.ok("POST", path, json=body)
    assert again["sent"] == sent["sent"]
    other = staff.officer.request("POST", path, json={"method": "courier"})
    assert other.status_code == 409, other.text
    assert "already recorded as sent" in other.json()["detail"]
    assert "KPO-2026-118" in other.json()["detail"]

    unsent = staff.officer.ok("GET", "/permits/import-confirmations", params={"unsent": True})
    assert case_no not in {c["case_no"] for c in unsent}
    listed = staff.officer.ok("GET", "/permits/import-confirmations")
    assert next(c for c in listed if c["case_no"] == case_no)["sent"] == sent["sent"]


def test_a_sending_is_refused_for_a_case_without_a_confirmation_or_a_bad_time(
    holder: Api, staff: Staff
) -> None:
    pending = approved(holder, staff)["case_no"]
    missing = staff.officer.request(
        "POST", f"/permits/{pending}/import-confirmation/sent", json={"method": "fax"}
    )
    assert missing.status_code == 404, missing.text
    case_no = cleared(holder, staff)["case_no"]
    path = f"/permits/{case_no}/import-confirmation/sent"
    for when in (datetime.now(UTC) + timedelta(days=1), datetime(2020, 1, 1, tzinfo=UTC)):
        refused = staff.officer.request(
            "POST", path, json={"method": "email", "sent_at": when.isoformat()}
        )
        assert refused.status_code == 422, refused.text
        assert "sent_at" in refused.json()["detail"]
    for bad in ({"method": "pigeon"}, {"method": "email", "sent_at": "2026-12-01T10:00:00"}):
        assert staff.officer.request("POST", path, json=bad).status_code == 422


def test_unsent_confirmations_older_than_five_working_days_are_overdue(
    holder: Api, staff: Staff, sessions: SessionFactory
) -> None:
    case_no = cleared(holder, staff)["case_no"]
    with sessions() as session:
        session.execute(
            update(ImportConfirmationRow)
            .where(ImportConfirmationRow.case_no == case_no)  # type: ignore[arg-type]
            .values(created_at=datetime.now(UTC) - timedelta(days=8))
        )
        session.commit()
    listed = staff.officer.ok("GET", "/permits/import-confirmations", params={"unsent": True})
    late = next(c for c in listed if c["case_no"] == case_no)
    assert late["overdue"] is True
    assert late["due_on"] < macao_today().isoformat()
    sent = staff.officer.ok(
        "POST", f"/permits/{case_no}/import-confirmation/sent", json={"method": "kp_portal"}
    )
    assert sent["overdue"] is False


# ------------------------------------------------------------------ check by number, search


def test_customs_checks_a_shipment_licence_by_number(
    holder: Api, other_trader: Api, staff: Staff
) -> None:
    state = approved(holder, staff)
    number = state["permit_no"]
    check = staff.customs.ok("GET", f"/permits/by-number/{number}")
    cert = state["application"]["foreign_certificate"]
    assert check == {
        "licence_no": number,
        "kind": "import",
        "status": "approved",
        "holder": check["holder"],
        "operating_licence_no": state["licence_no"],
        "issued_on": state["issued_on"],
        "valid_until": state["valid_until"],
        "valid_today": True,
        "carats": check["carats"],
        "parcels": 3,
        "certificate_issuing_country": "AE",
        "certificate_number": cert["number"],
        "provenance_country": "AE",
        "destination_country": None,
    }
    assert check["holder"].startswith("Lotus ") and float(check["carats"]) == 612.5
    assert holder.ok("GET", f"/permits/by-number/{number.lower()}")["licence_no"] == number
    for api, asked in ((other_trader, number), (staff.customs, "IL-1999-99999-00")):
        response = api.request("GET", f"/permits/by-number/{asked}")
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == f"no shipment licence {asked}"


def test_the_case_list_filters_on_text(holder: Api, other_trader: Api, staff: Staff) -> None:
    state = approved(holder, staff)
    number = state["application"]["foreign_certificate"]["number"]
    other = holder.ok("POST", "/permits", json=shipment(holder, "transit"))["case_no"]
    holder_name = staff.officer.ok("GET", f"/permits/by-number/{state['permit_no']}")["holder"]

    def found(api: Api, q: str) -> set[str]:
        page = api.ok("GET", "/permits", params={"q": q, "limit": 200})
        assert page["total"] == len(page["items"])
        return {c["case_no"] for c in page["items"]}

    for q in (
        state["case_no"].lower(),
        state["permit_no"],
        f"{number[:2].lower()}-{number[2:]}",
        number[4:],
    ):
        assert found(staff.officer, q) == {state["case_no"]}, q
    assert found(staff.officer, holder_name.upper()) == {state["case_no"], other}
    assert found(holder, state["permit_no"].lower()) == {state["case_no"]}
    assert found(other_trader, state["case_no"]) == set()
    assert found(staff.officer, f"no such {uuid.uuid4().hex}") == set()
    assert found(staff.officer, "%") == found(staff.officer, "_%_") == set()  # taken literally


def test_control_characters_in_a_search_or_a_licence_number_are_refused(staff: Staff) -> None:
    for path, params in (
        ("/permits", {"q": "PA\x00"}),
        ("/permits", {"q": "PA\n2026"}),
        ("/permits/by-number/IL-2026%00", {}),
        ("/permits/by-number/IL 2026", {}),
    ):
        response = staff.customs.request("GET", path, params=params)
        if path == "/permits":
            response = staff.officer.request("GET", path, params=params)
        assert response.status_code == 422, (path, params, response.text)
