"""Case lists page by keyset: every case once, in order, whatever is added between pages, with
the filters applied; and a list never reads the ``state`` JSON it does not show."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from kp_licensing.store import licences, permits
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import Licence
from kp_licensing.store.paging import Page, Position
from kp_licensing.store.permit_models import Permit
from tests.factories import operator_row, unique

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def add_licence(session: Session, operator_id: int, at: datetime, status: str) -> str:
    case_no = unique("OLA-LIST-")
    session.add(
        Licence(
            case_no=case_no,
            operator_id=operator_id,
            status=status,
            applicant_name="Lotus",
            business_registration_no=unique("BR"),
            submitted_at=at,
            updated_at=at,
            seq=1,
            state={"case_no": case_no},
        )
    )
    session.commit()
    return case_no


def add_permit(session: Session, operator_id: int, at: datetime, status: str) -> str:
    case_no = unique("PA-LIST-")
    session.add(
        Permit(
            case_no=case_no,
            operator_id=operator_id,
            kind="import",
            status=status,
            licence_no="OL-2026-0001-04",
            expected_date=at.date(),
            carats=Decimal("1.5"),
            value_usd=Decimal(100),
            submitted_at=at,
            updated_at=at,
            seq=1,
            state={"case_no": case_no},
        )
    )
    session.commit()
    return case_no


Add = Callable[[Session, int, datetime, str], str]
Search = Callable[..., Page]
TABLES = pytest.mark.parametrize(
    ("add", "search"),
    [(add_licence, licences.search), (add_permit, permits.search)],
    ids=["licences", "permits"],
)


def walk(session: Session, search: Search, between: Callable[[int], None], **filters: Any) -> list:
    """Every row, page after page by cursor, calling ``between(page_number)`` between pages."""
    seen: list = []
    after: Position | None = None
    for number in range(100):
        page = search(session, limit=4, after=after, **filters)
        seen += page.rows
        if page.next is None:
            return seen
        after = page.next
        between(number)
    raise AssertionError("the walk did not end")


@TABLES
def test_keyset_pages_give_every_case_once_while_cases_are_added(
    sessions: SessionFactory, add: Add, search: Search
) -> None:
    with sessions() as session:
        operator = operator_row(session).id
        assert operator is not None
        # Ties on submitted_at (three cases in the same instant, twice) are broken by case_no.
        times = [T0 + timedelta(minutes=m) for m in (0, 1, 1, 1, 2, 3, 5, 5, 5, 8, 13, 21, 34)]
        existing = {add(session, operator, at, "under_review") for at in times}
        added: list[str] = []

        def submit_more(number: int) -> None:
            # Newer than the walk's start (never shown), and older than every row (still ahead).
            added.append(add(session, operator, T0 + timedelta(days=1, minutes=number), "x"))
            added.append(add(session, operator, T0 - timedelta(days=1, minutes=number), "x"))

        rows = walk(session, search, submit_more, operator_id=operator)

    case_nos = [r.case_no for r in rows]
    assert len(case_nos) == len(set(case_nos)), "a case was shown twice"
    newer, older = set(added[0::2]), set(added[1::2])
    assert existing <= set(case_nos), "a case was skipped"
    assert older <= set(case_nos), "a case added ahead of the cursor was skipped"
    assert not newer & set(case_nos), "a case added behind the cursor was shown"
    keys = [(r.submitted_at, r.case_no) for r in rows]
    assert keys == sorted(keys, reverse=True)


@TABLES
def test_keyset_pages_keep_the_filters(sessions: SessionFactory, add: Add, search: Search) -> None:
    with sessions() as session:
        mine, other = operator_row(session).id, operator_row(session).id
        assert mine is not None and other is not None
        wanted = set()
        for minute in range(12):
            at = T0 + timedelta(minutes=minute // 2)  # pairs of ties
            if minute % 3:
                wanted.add(add(session, mine, at, "active"))
            add(session, mine, at, "rejected")
            add(session, other, at, "active")
        rows = walk(session, search, lambda _: None, operator_id=mine, status=["active"])
        first = search(session, limit=4, operator_id=mine, status=["active"])
    assert {r.case_no for r in rows} == wanted and len(rows) == len(wanted)
    keys = [(r.submitted_at, r.case_no) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert first.total == len(wanted)


@TABLES
def test_a_list_reads_the_summary_columns_only(
    sessions: SessionFactory, add: Add, search: Search
) -> None:
    with sessions() as session:
        operator = operator_row(session).id
        assert operator is not None
        add(session, operator, T0, "active")
        page = search(session, operator_id=operator, count=False)
    assert len(page.rows) == 1 and page.next is None
    assert "state" not in page.rows[0]._fields and "case_no" in page.rows[0]._fields
    assert page.total is None
