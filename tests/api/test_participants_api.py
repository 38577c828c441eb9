"""The Participant registry and the invalid-certificate list over HTTP: what traders and
customs read, what officers and supervisors change, and what is refused and why."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from kp_licensing.domain.clock import macao_date
from tests.api.client import Api
from tests.api.conftest import Staff

SOURCE = "Despacho do Chefe do Executivo n.º 99/2030"


def entry(country: str, start: str, end: str | None = None, **changes: Any) -> dict[str, Any]:
    body = {
        "country": country,
        "participant": "Test Participant",
        "status": "active",
        "effective_from": start,
        "effective_to": end,
        "source": SOURCE,
    }
    return {**body, **changes}


def test_anyone_dealing_with_shipments_can_ask_about_a_country(trader: Api, staff: Staff) -> None:
    belgium = trader.ok("GET", "/participants/check", params={"country": "be", "on": "2026-03-01"})
    assert belgium["active"] and belgium["participant"] == "European Union"
    assert (belgium["country"], belgium["country_name"], belgium["reason"]) == (
        "BE",
        "Belgium",
        None,
    )
    venezuela = staff.customs.ok("GET", "/participants/check", params={"country": "VE"})
    assert not venezuela["active"] and venezuela["status"] == "self_suspended"
    assert venezuela["on"] == macao_date(datetime.now(UTC)).isoformat()  # default: today
    assert venezuela["reason"]["text"].startswith(
        "Venezuela, Bolivarian Republic of (VE) has been self-susp"
    )
    north = trader.ok("GET", "/participants/check", params={"country": "KP", "on": "2026-03-01"})
    assert north["status"] == "not_participant" and "no entry" in north["reason"]["text"]

    unknown = trader.request("GET", "/participants/check", params={"country": "XX"})
    assert unknown.status_code == 422 and "alpha-2" in unknown.json()["detail"]


def test_entries_are_added_and_ended_never_edited(trader: Api, staff: Staff) -> None:
    added = staff.officer.ok("POST", "/participants", json=entry("GS", "2030-01-01"))
    assert added["created_by"] == staff.officer.username and added["ended_at"] is None
    # The same entry sent again (a retry) is that entry, not a second one nor a 409.
    assert staff.officer.ok("POST", "/participants", json=entry("GS", "2030-01-01")) == added

    overlapping = staff.supervisor.request(
        "POST", "/participants", json=entry("GS", "2035-01-01", status="self_suspended")
    )
    assert overlapping.status_code == 409, overlapping.text
    assert f"entry {added['id']}" in overlapping.json()["detail"]

    ended = staff.supervisor.ok(
        "POST",
        f"/participants/{added['id']}/end",
        json={"effective_to": "2035-01-01", "reason": "Suspended itself", "source": SOURCE},
    )
    assert ended["effective_to"] == "2035-01-01" and ended["ended_by"] == staff.supervisor.username
    staff.supervisor.ok(
        "POST", "/participants", json=entry("GS", "2035-01-01", status="self_suspended")
    )
    again = staff.officer.request(
        "POST",
        f"/participants/{added['id']}/end",
        json={"effective_to": "2034-01-01", "reason": "Again", "source": SOURCE},
    )
    assert again.status_code == 409, again.text

    history = trader.ok("GET", "/participants", params={"country": "GS"})
    assert [(e["status"], e["effective_from"], e["effective_to"]) for e in history] == [
        ("active", "2030-01-01", "2035-01-01"),
        ("self_suspended", "2035-01-01", None),
    ]
    in_2036 = trader.ok("GET", "/participants", params={"country": "GS", "on": "2036-01-01"})
    assert [e["status"] for e in in_2036] == ["self_suspended"]
    check = trader.ok("GET", "/participants/check", params={"country": "GS", "on": "2036-01-01"})
    assert check["reason"]["text"].endswith(f"; source: {SOURCE}")

    for method in ("PUT", "PATCH", "DELETE"):  # no such endpoints
        response = staff.officer.request(method, f"/participants/{added['id']}", json=added)
        assert response.status_code in (404, 405), response.text
    assert trader.ok("GET", "/participants", params={"country": "GS"}) == history


def test_refused_changes_to_the_registry(trader: Api, staff: Staff) -> None:
    by_trader = trader.request("POST", "/participants", json=entry("UM", "2030-01-01"))
    assert by_trader.status_code == 403
    empty = staff.officer.request(
        "POST", "/participants", json=entry("UM", "2030-01-01", "2030-01-01")
    )
    assert empty.status_code == 422 and "effective_to" in empty.json()["detail"]
    misspelt = staff.officer.request(
        "POST", "/participants", json={**entry("UM", "2030-01-01"), "efective_to": "2031-01-01"}
    )
    assert misspelt.status_code == 422
    missing = staff.officer.request(
        "POST",
        "/participants/999999/end",
        json={"effective_to": "2031-01-01", "reason": "x", "source": SOURCE},
    )
    assert missing.status_code == 404
    assert trader.ok("GET", "/participants", params={"country": "UM"}) == []


def test_a_forged_series_is_listed_checked_and_withdrawn(trader: Api, staff: Staff) -> None:
    prefix = f"AE{uuid.uuid4().hex[:6].upper()}"
    listing = {
        "issuing_country": "AE",
        "series": {"prefix": prefix, "first": "123000", "last": "123999"},
        "kind": "forged",
        "reason": "Forms stolen from the printer",
        "source": "UAE KP Office notice 4/2026",
    }
    assert trader.request("POST", "/invalid-certificates", json=listing).status_code == 403
    listed = staff.officer.ok("POST", "/invalid-certificates", json=listing)
    # The same listing sent again (a retry) is that listing; another one of the series is a 409.
    assert staff.officer.ok("POST", "/invalid-certificates", json=listing)["id"] == listed["id"]
    other = {**listing, "reason": "Another reason"}
    assert staff.officer.request("POST", "/invalid-certificates", json=other).status_code == 409

    number = {"issuing_country": "AE", "number": f"{prefix}-123456"}
    hit = trader.ok("GET", "/invalid-certificates/check", params=number)
    assert hit["invalid"] and hit["listing"]["id"] == listed["id"]
    miss = staff.customs.ok(
        "GET", "/invalid-certificates/check", params={**number, "number": f"{prefix}-124000"}
    )
    assert miss == {**miss, "invalid": False, "listing": None}

    withdrawn = staff.supervisor.ok(
        "POST", f"/invalid-certificates/{listed['id']}/withdraw", json={"reason": "Recovered"}
    )
    assert withdrawn["withdrawn_by"] == staff.supervisor.username
    repeated = staff.supervisor.ok(
        "POST", f"/invalid-certificates/{listed['id']}/withdraw", json={"reason": "Recovered"}
    )
    assert repeated == withdrawn
    by_another = staff.officer.request(
        "POST", f"/invalid-certificates/{listed['id']}/withdraw", json={"reason": "Recovered"}
    )
    assert by_another.status_code == 409, by_another.text
    assert not trader.ok("GET", "/invalid-certificates/check", params=number)["invalid"]
    current = trader.ok("GET", "/invalid-certificates", params={"issuing_country": "AE"})
    assert listed["id"] not in [x["id"] for x in current]
    everything = trader.ok(
        "GET", "/invalid-certificates", params={"issuing_country": "AE", "include_withdrawn": True}
    )
    assert next(x for x in everything if x["id"] == listed["id"]) == withdrawn


def test_a_listing_needs_a_number_or_a_series(staff: Staff) -> None:
    body = {"issuing_country": "AE", "kind": "invalid", "reason": "x", "source": "y"}
    response = staff.officer.request("POST", "/invalid-certificates", json=body)
    assert response.status_code == 422 and "number or a series" in response.json()["detail"]


def test_identical_listings_sent_at_once_make_one(staff: Staff) -> None:
    number = f"AE{uuid.uuid4().int % 10**9:09d}"
    listing = {
        "issuing_country": "AE",
        "number": number,
        "kind": "invalid",
        "reason": "Reported lost by the issuing authority",
        "source": "UAE KP Office notice 5/2026",
    }
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(
                lambda _: staff.officer.request("POST", "/invalid-certificates", json=listing),
                range(6),
            )
        )
    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    listed = staff.officer.ok("GET", "/invalid-certificates", params={"issuing_country": "AE"})
    assert [x["number"] for x in listed].count(number) == 1
