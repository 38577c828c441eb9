"""Newest-first pages of a case table (licences, permits), by offset or by keyset.

Lists read only the summary columns: the ``state`` JSON is the whole case, which no list shows
and whose decoding was most of a list's time. They sort on (submitted_at, case_no), the
columns of the composite indexes each table declares after its filters, so the database walks
an index and stops after one page instead of sorting every matching row.

Keyset paging continues after the (submitted_at, case_no) of the last row seen: a page costs the
same at any depth, and a case submitted while a client pages can neither repeat a row nor push
one out of the pages still to come, as it does with offsets. case_no breaks ties between cases
submitted in the same microsecond, so the order is total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, func, literal, select, tuple_, union_all
from sqlmodel import Session

#: Columns no list shows (the whole case as JSON).
NOT_SUMMARISED = frozenset({"state"})


@dataclass(frozen=True)
class Position:
    """Where a page ended: the sort key of its last row."""

    submitted_at: datetime
    case_no: str


@dataclass(frozen=True)
class Page:
    """One page of summary rows; ``total`` is None when not asked for, ``next`` None at the
    end of the list."""

    rows: list[Row[Any]]
    total: int | None
    next: Position | None


def newest_first(
    session: Session,
    table: Table,
    where: list[ColumnElement[bool]],
    *,
    statuses: list[str] | None = None,
    limit: int,
    offset: int = 0,
    after: Position | None = None,
    count: bool = True,
) -> Page:
    """The page of ``table``'s rows matching every condition in ``where`` and, if given, one of
    ``statuses``, newest first: ``limit`` rows after ``after`` (keyset), skipping ``offset``
    more. The count, an index scan over every matching row, is run only if ``count``."""
    key = (table.c.submitted_at, table.c.case_no)
    order = (key[0].desc(), key[1].desc())
    summary = [c for c in table.c if c.name not in NOT_SUMMARISED]
    conditions = list(where)
    if after is not None:
        # A row-value comparison: one range condition on the index, on both backends. The
        # bound values take the columns' own types (UTC conversion), so SQLite compares text
        # formatted as the stored text is.
        bound = (literal(after.submitted_at, key[0].type), literal(after.case_no, key[1].type))
        conditions.append(tuple_(*key) < tuple_(*bound))
    wanted = list(dict.fromkeys(statuses or []))
    if len(wanted) > 1:
        # `status IN (a, b)` cannot walk the (status, submitted_at, case_no) index in order:
        # the database would sort every match. One ordered walk per status instead, each
        # stopping at the rows this page can need, merged.
        needed = offset + limit + 1
        walks = [
            select(*summary)
            .where(*conditions, table.c.status == status)
            .order_by(*order)
            .limit(needed)
            .subquery()
            for status in wanted
        ]
        merged = union_all(*(select(walk) for walk in walks)).subquery()
        stmt = select(merged).order_by(merged.c.submitted_at.desc(), merged.c.case_no.desc())
    else:
        stmt = select(*summary).where(*conditions, *(table.c.status == s for s in wanted))
        stmt = stmt.order_by(*order)
    # One row more than shown: whether a next page exists.
    rows = list(session.execute(stmt.offset(offset).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    total = None
    if count:
        matching = [*where, table.c.status.in_(wanted)] if wanted else where
        counted = select(func.count()).select_from(table).where(*matching)
        total = int(session.execute(counted).scalar_one())
    last = rows[-1] if more else None
    position = Position(last.submitted_at, last.case_no) if last is not None else None
    return Page(rows=rows, total=total, next=position)
