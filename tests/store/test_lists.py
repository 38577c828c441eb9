"""Case lists page by keyset: every case once, in order, whatever is added between pages, with
the filters applied; and a list never reads the ``state`` JSON it does not show."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from kp_licensing.store import licences, permits
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import Licence
from kp_licensing.store.paging import Page, Position
from kp_licensing.store.permit_models import Permit
from schemas.licence import LicenceStatus
from schemas.permit import PermitStatus
from tests.factories import licence_start, operator_row, permit_start

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def add_licence(session: Session, operator_id: int, at: datetime, status: str) -> str:
    """A licence case row as the projection writes it (a valid state: other tests read every
    open case of the shared database)."""
    state = licence_start(operator_id).state.model_copy(
        update={"status": LicenceStatus(status), "submitted_at": at}
    )
    session.add(
        Licence(
            case_no=state.case_no,
            operator_id=operator_id,
            status=status,
            applicant_name=state.application.name,
            business_registration_no=state.application.business_registration_no,
            submitted_at=at,
            updated_at=at,
            seq=1,
            state=state.model_dump(mode="json"),
        )
    )
    session.commit()
    return state.case_no


def add_permit(session: Session, operator_id: int, at: datetime, status: str) -> str:
    """A shipment case row as the projection writes it (a valid state, as for licences)."""
    state = permit_start(operator_id).state.model_copy(
        update={"status": PermitStatus(status), "submitted_at": at}
    )
    session.add(
        Permit(
            case_no=state.case_no,
            operator_id=operator_id,
            kind=state.kind.value,
            status=status,
            licence_no=state.licence_no,
            expected_date=state.application.expected_date,
            carats=state.application.carats,
            value_usd=state.application.value_usd,
            submitted_at=at,
            updated_at=at,
            seq=1,
            state=state.model_dump(mode="json"),
        )
    )
    session.commit()
    return state.case_no


Add = Callable[[Session, int, datetime, str], str]
Search = Callable[..., Page]
#: (how to add a case, the table's search, a status other than under review and rejected)
TABLES = pytest.mark.parametrize(
    ("add", "search", "kept"),
    [(add_licence, licences.search, "active"), (add_permit, permits.search, "approved")],
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
    sessions: SessionFactory, add: Add, search: Search, kept: str
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
            added.append(
                add(session, operator, T0 + timedelta(days=1, minutes=number), "under_review")
            )
            added.append(
                add(session, operator, T0 - timedelta(days=1, minutes=number), "under_review")
            )

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
def test_keyset_pages_keep_the_filters(
    sessions: SessionFactory, add: Add, search: Search, kept: str
) -> None:
    with sessions() as session:
        mine, other = operator_row(session).id, operator_row(session).id
        assert mine is not None and other is not None
        wanted, rejected = set(), set()
        for minute in range(12):
            at = T0 + timedelta(minutes=minute // 2)  # pairs of ties
            if minute % 3:
                wanted.add(add(session, mine, at, kept))
            rejected.add(add(session, mine, at, "rejected"))
            add(session, other, at, kept)
            add(session, mine, at, "under_review")
        one = walk(session, search, lambda _: None, operator_id=mine, status=[kept])
        # Two statuses (and one repeated): one ordered walk per status, merged.
        both = [kept, "rejected", kept]
        two = walk(session, search, lambda _: None, operator_id=mine, status=both)
        by_offset = [
            row
            for offset in range(0, 40, 4)
            for row in search(session, limit=4, offset=offset, operator_id=mine, status=both).rows
        ]
        first = search(session, limit=4, operator_id=mine, status=[kept])
        first_of_both = search(session, limit=4, operator_id=mine, status=both)
    for rows, expected in ((one, wanted), (two, wanted | rejected), (by_offset, wanted | rejected)):
        assert {r.case_no for r in rows} == expected and len(rows) == len(expected)
        keys = [(r.submitted_at, r.case_no) for r in rows]
        assert keys == sorted(keys, reverse=True)
    assert first.total == len(wanted)
    assert first_of_both.total == len(wanted | rejected)


@TABLES
def test_a_list_reads_the_summary_columns_only(
    sessions: SessionFactory, add: Add, search: Search, kept: str
) -> None:
    with sessions() as session:
        operator = operator_row(session).id
        assert operator is not None
        add(session, operator, T0, kept)
        page = search(session, operator_id=operator, count=False)
    assert len(page.rows) == 1 and page.next is None
    assert "state" not in page.rows[0]._fields and "case_no" in page.rows[0]._fields
    assert page.total is None
