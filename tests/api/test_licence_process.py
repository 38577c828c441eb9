"""The operating-licence process over HTTP, against a real worker, Temporal and database."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

from kp_licensing.domain.numbering import is_valid_licence_number
from tests.api.client import PDF, Api
from tests.api.conftest import Staff


def test_apply_request_answer_approve_suspend_reinstate_cancel(trader: Api, staff: Staff) -> None:
    case = trader.apply()
    case_no = case["case_no"]
    assert case["status"] == "under_review"
    assert case["checks"] and all(c["outcome"] == "passed" for c in case["checks"])

    # The officer's worklist and the trader's own list both show it at once.
    queue = staff.officer.ok("GET", "/licences", params={"status": "under_review", "q": case_no})
    assert [c["case_no"] for c in queue["items"]] == [case_no]
    mine = trader.ok("GET", "/licences")
    assert [c["case_no"] for c in mine["items"]] == [case_no]

    asked = staff.officer.ok(
        "POST",
        f"/licences/{case_no}/request-information",
        json={"message": "Send the lease.", "deadline_days": 10},
    )
    assert asked["state"]["status"] == "info_requested"
    assert asked["transition"]["actor"]["role"] == "officer"
    notes = trader.ok("GET", "/notifications", params={"unread": True})
    (asked_note,) = [n for n in notes if n["kind"] == "information_requested"]
    assert asked_note["message"]["code"] == "notice.case.information_requested"
    assert asked_note["message"]["params"]["message"] == "Send the lease."
    due = asked_note["message"]["params"]["due"]
    assert asked_note["message"]["text"] == (
        f"DSEDT asks for more information on {case_no} by {due}: Send the lease."
    )

    lease = trader.upload("establishment_lease")
    answered = trader.ok(
        "POST",
        f"/licences/{case_no}/answer",
        json={"message": "Attached.", "document_ids": [lease["id"]]},
    )
    assert answered["state"]["status"] == "under_review"
    assert lease["id"] in [d["id"] for d in answered["state"]["documents"]]

    approved = staff.officer.ok(
        "POST", f"/licences/{case_no}/approve", json={"activities": ["import"], "note": "OK"}
    )
    state = approved["state"]
    assert state["status"] == "active"
    assert is_valid_licence_number(state["licence_no"])
    assert state["activities"] == ["import"]
    assert int(state["expires_on"][:4]) - int(state["issued_on"][:4]) == 2

    check = staff.customs.ok("GET", f"/licences/by-number/{state['licence_no']}")
    assert (check["status"], check["valid_today"], check["activities"]) == (
        "active",
        True,
        ["import"],
    )

    suspended = staff.supervisor.ok(
        "POST",
        f"/licences/{case_no}/suspend",
        json={"reason_code": "tax_debt", "reason": "DSF notice 12/2026"},
    )
    assert suspended["state"]["status"] == "suspended"
    assert (
        staff.customs.ok("GET", f"/licences/by-number/{state['licence_no']}")["valid_today"]
        is False
    )
    staff.supervisor.ok("POST", f"/licences/{case_no}/reinstate", json={"reason": "Paid"})
    cancelled = staff.supervisor.ok(
        "POST",
        f"/licences/{case_no}/cancel",
        json={"reason_code": "order_of_trade", "reason": "Undeclared import"},
    )
    assert cancelled["state"]["status"] == "cancelled"

    history = trader.ok("GET", f"/licences/{case_no}/history")
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("submitted", None, "under_review"),
        ("information_requested", "under_review", "info_requested"),
        ("information_provided", "info_requested", "under_review"),
        ("approved", "under_review", "active"),
        ("suspended", "active", "suspended"),
        ("reinstated", "suspended", "active"),
        ("cancelled", "active", "cancelled"),
    ]
    assert history[4]["reason"]["text"] == "DSF notice 12/2026"
    assert history[4]["details"]["reason_code"] == "tax_debt"
    assert history[0]["actor"]["username"] == trader.username

    # A cancelled licence is final, and the operator may apply again.
    again = staff.supervisor.request("POST", f"/licences/{case_no}/reinstate", json={"reason": "x"})
    assert again.status_code == 409
    assert trader.apply()["status"] == "under_review"


def test_renewal_extends_the_same_licence_over_http(trader: Api, staff: Staff) -> None:
    case_no = trader.apply()["case_no"]
    first = staff.officer.ok("POST", f"/licences/{case_no}/approve", json={})["state"]
    renewal = trader.application(activities=["import", "export", "transit"])
    pending = trader.ok("POST", f"/licences/{case_no}/renew", json=renewal)["state"]
    assert pending["renewal"]["status"] == "under_review"
    listed = staff.officer.ok("GET", "/licences", params={"q": case_no})["items"][0]
    assert listed["renewal_status"] == "under_review"

    renewed = staff.officer.ok("POST", f"/licences/{case_no}/approve", json={})["state"]
    assert renewed["licence_no"] == first["licence_no"]
    assert int(renewed["expires_on"][:4]) == int(first["expires_on"][:4]) + 2
    assert renewed["activities"] == ["import", "export", "transit"]
    assert renewed["renewal"] is None


def test_withdraw_and_surrender(trader: Api, other_trader: Api, staff: Staff) -> None:
    case_no = trader.apply()["case_no"]
    withdrawn = trader.ok("POST", f"/licences/{case_no}/withdraw", json={"reason": "Changed plans"})
    assert withdrawn["state"]["status"] == "withdrawn"

    held = other_trader.apply()["case_no"]
    staff.officer.ok("POST", f"/licences/{held}/approve", json={})
    surrendered = other_trader.ok(
        "POST", f"/licences/{held}/surrender", json={"reason": "Closing the business"}
    )
    assert surrendered["state"]["status"] == "surrendered"


def test_searches_by_status_operator_and_expiry(
    trader: Api, other_trader: Api, staff: Staff
) -> None:
    pending = trader.apply()["case_no"]
    active = other_trader.apply()["case_no"]
    staff.officer.ok("POST", f"/licences/{active}/approve", json={})

    def cases(**params: object) -> set[str]:
        return {
            c["case_no"]
            for c in staff.officer.ok("GET", "/licences", params={"limit": 200, **params})["items"]
        }

    assert pending in cases(operator_id=trader.operator_id)
    assert active not in cases(operator_id=trader.operator_id)
    assert active in cases(status="active") and pending not in cases(status="active")
    assert {pending, active} <= cases(status=["active", "under_review"])
    # A new licence expires in two years: within 731 days, not within 700.
    assert active in cases(expiring_within_days=731)
    assert active not in cases(expiring_within_days=700)
    assert pending not in cases(expiring_within_days=3650)
    # Traders see their own cases only, whatever they ask for.
    assert {
        c["case_no"]
        for c in trader.ok("GET", "/licences", params={"operator_id": other_trader.operator_id})[
            "items"
        ]
    } == {pending}


def test_documents_are_stored_with_their_hash_and_downloaded_as_attachments(
    trader: Api, staff: Staff
) -> None:
    document = trader.upload("criminal_record", name="../../etc/passwd.pdf")
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert document["filename"] == "passwd.pdf"
    response = staff.officer.request("GET", f"/documents/{document['id']}/content")
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_one_open_case_per_operator(trader: Api) -> None:
    first = trader.apply()["case_no"]
    second = trader.request("POST", "/licences", json=trader.application())
    assert second.status_code == 409
    assert first in second.json()["detail"]


def test_concurrent_applications_of_one_operator_open_one_case(trader: Api) -> None:
    """However the submissions interleave, one case is opened and the others are told why."""
    bodies = [trader.application() for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda b: trader.request("POST", "/licences", json=b), bodies))
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert all(r.json()["detail"] for r in responses if r.status_code == 409)
    assert trader.ok("GET", "/licences")["total"] == 1
