"""Gap-tolerant counters for human-readable numbers, safe under concurrent writers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kp_licensing.domain.clock import macao_date
from kp_licensing.store.models import NumberAllocation, Sequence


def next_value(session: Session, name: str) -> int:
    """Increment counter ``name`` in the caller's transaction and return the new value.

    The single UPDATE ... RETURNING takes the row lock, so concurrent callers serialise on it and
    never get the same value.
    """
    stmt = (
        update(Sequence)
        .where(Sequence.name == name)  # type: ignore[arg-type]
        .values(value=Sequence.value + 1)
        .returning(col(Sequence.value))
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is not None:
        return int(value)
    try:
        with session.begin_nested():
            session.add(Sequence(name=name, value=0))
    except IntegrityError:
        pass  # another writer created it first; the update below still serialises
    return int(session.execute(stmt).scalar_one())


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
    existing = session.exec(select(NumberAllocation).where(NumberAllocation.key == key)).first()
    if existing is not None:
        return existing.number
    number = render(next_value(session, counter))
    session.add(NumberAllocation(key=key, number=number))
    if commit:
        session.commit()
    else:
        session.flush()
    return number
