"""Gap-tolerant counters for human-readable numbers, safe under concurrent writers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kp_licensing.domain.clock import macao_date
from kp_licensing.store.models import NumberAllocation, Sequence

SEQUENCES = Sequence.__table__  # type: ignore[attr-defined]
ALLOCATIONS = NumberAllocation.__table__  # type: ignore[attr-defined]

#: The counter's increment: one UPDATE ... RETURNING, built once (it runs for every number).
INCREMENT = (
    update(SEQUENCES)
    .where(SEQUENCES.c.name == bindparam("counter"))
    .values(value=SEQUENCES.c.value + 1)
    .returning(SEQUENCES.c.value)
)
NEW_ALLOCATION = insert(ALLOCATIONS)
ALLOCATED = select(ALLOCATIONS.c.number).where(ALLOCATIONS.c.key == bindparam("request"))


def next_value(session: Session, name: str) -> int:
    """Increment counter ``name`` in the caller's transaction and return the new value.

    The single UPDATE ... RETURNING takes the row lock, so concurrent callers serialise on it and
    never get the same value.
    """
    db = session.connection()
    value = db.execute(INCREMENT, {"counter": name}).scalar_one_or_none()
    if value is not None:
        return int(value)
    try:
        with session.begin_nested():
            session.add(Sequence(name=name, value=0))
    except IntegrityError:
        pass  # another writer created it first; the update below still serialises
    return int(session.connection().execute(INCREMENT, {"counter": name}).scalar_one())


def next_case_number(session: Session, counter: str, render: Callable[[int, int], str]) -> str:
    """The next case number of this Macao year from ``counter``-<year>, rendered as
    ``render(year, n)`` (in the caller's transaction)."""
    year = macao_date(datetime.now(UTC)).year
    return render(year, next_value(session, f"{counter}-{year}"))


def allocate_number(
    session: Session,
    *,
    key: str,
    counter: str,
    render: Callable[[int], str],
    commit: bool = True,
) -> str:
    """The number for request ``key``: allocated once, the same on every retry.

    With ``commit=False`` the allocation stays in the caller's transaction, to be committed with
    what the number is for (a projected approval), so that either both are written or neither.
    """
    db = session.connection()
    existing = db.execute(ALLOCATED, {"request": key}).scalar_one_or_none()
    if existing is not None:
        return str(existing)
    number = render(next_value(session, counter))
    db.execute(NEW_ALLOCATION, {"key": key, "number": number})
    if commit:
        session.commit()
    return number
