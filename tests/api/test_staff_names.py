"""Traders see the bureau's staff by display name, never by login name (the first thing a
password guesser needs); staff see login names."""

from __future__ import annotations

from typing import Any

from tests.api.client import Api
from tests.api.conftest import Staff


def _actors(value: Any) -> list[dict[str, Any]]:
    """Every actor object in a JSON answer."""
    if isinstance(value, dict):
        found = [value] if {"user_id", "username", "role"} <= value.keys() else []
        return found + [a for item in value.values() for a in _actors(item)]
    if isinstance(value, list):
        return [a for item in value for a in _actors(item)]
    return []


def test_a_trader_reads_the_officer_by_name_and_the_officer_reads_the_login(
    trader: Api, staff: Staff
) -> None:
    officer = staff.officer.ok("GET", "/me")
    assert officer["username"] != officer["full_name"]
    case_no = trader.apply()["case_no"]
    staff.officer.ok(
        "POST",
        f"/licences/{case_no}/request-information",
        json={"message": "Send the lease.", "deadline_days": 10},
    )
    for path in (f"/licences/{case_no}", f"/licences/{case_no}/history"):
        as_trader = [a for a in _actors(trader.ok("GET", path)) if a["role"] == "officer"]
        as_officer = [a for a in _actors(staff.officer.ok("GET", path)) if a["role"] == "officer"]
        assert as_trader and len(as_trader) == len(as_officer), path
        assert {a["username"] for a in as_trader} == {officer["full_name"]}, path
        assert {a["username"] for a in as_officer} == {officer["username"]}, path
        assert officer["username"] not in trader.request("GET", path).text, path
