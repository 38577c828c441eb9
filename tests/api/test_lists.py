"""Lists over HTTP: cursor pages walk a list once while cases arrive, for officers and traders
alike; a cursor the service did not issue for that list, or one beside an offset, or an offset
past the bound is a 422 naming the parameter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kp_licensing.store.db import SessionFactory
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.store.test_lists import T0, Add, add_licence, add_permit

LISTS = pytest.mark.parametrize(
    ("path", "add"),
    [("/licences", add_licence), ("/permits", add_permit)],
    ids=["licences", "permits"],
)


def walk(api: Api, path: str, params: dict[str, Any], between: Callable[[], None]) -> list[str]:
    """The case numbers of every page, by cursor, calling ``between()`` between pages."""
    seen: list[str] = []
    page = api.ok("GET", path, params={**params, "limit": 3})
    while True:
        seen += [item["case_no"] for item in page["items"]]
        if page["next_cursor"] is None:
            return seen
        between()
        page = api.ok("GET", path, params={**params, "limit": 3, "cursor": page["next_cursor"]})


@LISTS
def test_officer_and_trader_walk_a_list_by_cursor_while_cases_arrive(
    staff: Staff, trader: Api, other_trader: Api, sessions: SessionFactory, path: str, add: Add
) -> None:
    mine, theirs = trader.operator_id, other_trader.operator_id
    assert mine is not None and theirs is not None
    arrived: list[str] = []
    with sessions() as session:
        times = [T0 + timedelta(minutes=m // 2) for m in range(10)]  # pairs of ties
        existing = {add(session, mine, at, "under_review") for at in times}
        add(session, theirs, T0, "under_review")

        def arrive() -> None:
            arrived.append(add(session, mine, datetime.now(UTC), "under_review"))

        as_officer = walk(staff.officer, path, {"operator_id": mine}, arrive)
        # A trader's list is its own, whatever operator_id it names.
        as_trader = walk(trader, path, {"operator_id": theirs}, arrive)
    for seen in (as_officer, as_trader):
        assert len(seen) == len(set(seen)), "a case was shown twice"
        assert existing <= set(seen), "a case was skipped"
        assert not set(seen) - existing - set(arrived), "another operator's case was shown"
    first = staff.officer.ok("GET", path, params={"operator_id": mine})
    assert first["total"] == len(existing) + len(arrived)
    uncounted = staff.officer.ok("GET", path, params={"operator_id": mine, "include_total": False})
    assert uncounted["total"] is None and uncounted["items"] == first["items"]


@LISTS
def test_a_cursor_keeps_the_status_filter(
    staff: Staff, trader: Api, sessions: SessionFactory, path: str, add: Add
) -> None:
    assert trader.operator_id is not None
    status = "approved" if path == "/permits" else "active"
    with sessions() as session:
        wanted = set()
        for minute in range(7):
            at = T0 + timedelta(minutes=minute)
            wanted.add(add(session, trader.operator_id, at, status))
            add(session, trader.operator_id, at, "rejected")
    params = {"operator_id": trader.operator_id, "status": status}
    seen = walk(staff.officer, path, params, lambda: None)
    assert set(seen) == wanted and len(seen) == len(wanted)


def _cursor(api: Api, path: str) -> str:
    page = api.ok("GET", path, params={"limit": 1})
    assert page["next_cursor"], "the suite's database has more than one case by now"
    return str(page["next_cursor"])


@LISTS
def test_bad_cursors_and_offsets_are_422_naming_the_parameter(
    staff: Staff, trader: Api, sessions: SessionFactory, path: str, add: Add
) -> None:
    assert trader.operator_id is not None
    with sessions() as session:
        for minute in range(2):
            add(session, trader.operator_id, T0 + timedelta(minutes=minute), "under_review")
    good = _cursor(staff.officer, path)
    payload, tag = good.split(".")
    other_list = _cursor(staff.officer, "/permits" if path == "/licences" else "/licences")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + tag
    for cursor in [
        "garbage",
        "",
        "a.b.c",
        tampered,
        f"{payload}.{tag[::-1]}",
        other_list,
        "\u00e9.x",
    ]:
        response = staff.officer.request("GET", path, params={"cursor": cursor})
        assert response.status_code == 422, (cursor, response.text)
        assert "cursor" in response.text
    both = staff.officer.request("GET", path, params={"cursor": good, "offset": 3})
    assert both.status_code == 422 and "offset" in both.text
    for offset in (10_001, 2**63, -1):
        deep = staff.officer.request("GET", path, params={"offset": offset})
        assert deep.status_code == 422 and "offset" in deep.text
    assert staff.officer.request("GET", path, params={"offset": 10_000}).status_code == 200
